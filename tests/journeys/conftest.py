"""A whole region on loopback for the journeys: the eschool app, the ESIA emulator and Debian's Chromium.

``region`` builds the gradebook's two-school municipality (``build_world``),
makes the mother of Пётр Иванов findable through Gosuslugi (a valid SNILS and
a test person of the emulator), gives her a second child, puts homework in
the journal and password logins to a teacher and a school admin. The app
(every built-in plugin, CSRF on, as in production) and the emulator are both
served by ``werkzeug`` on 127.0.0.1, each on a free port, and know each other
as ``tests/auth_esia/conftest.py`` wires them.

``Camera`` drives one browser page through a journey: every page it ``look``s
at is checked at 360 px (phone) and 1280 px (desktop) for a horizontal scroll
bar, photographed at both widths into the test's tmp folder, and watched for
missing files and browser console errors (a CSP violation is one).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from core.api import User
from plugins.auth_esia import tokens
from plugins.auth_esia.emulator.app import Emulator, RegisteredClient, create_emulator_app
from plugins.auth_esia.emulator.persons import persons_from_list
from plugins.auth_local import credentials
from plugins.auth_local.models import LocalCredential
from plugins.gradebook import journal, queries
from plugins.registries.snils import format_snils, make_valid
from tests.conftest import BUILTIN_PLUGINS
from tests.gradebook.factories import build_world, reg
from tests.support import serve

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
STEP_TIMEOUT_MS = 15_000
FAST_HASHING = {"hash_memory_kib": 1024, "hash_time_cost": 1, "hash_parallelism": 1}
PASSWORD = "Журнал-2026-осень"
MOTHER_OID, NEIGHBOUR_OID = 3001, 3002
FIRST_QUARTER_GRADE = "4"
HOMEWORK = "№ 245, 247 на с. 61; повторить правило сложения дробей"


@dataclass
class Region:
    """The running region: its URLs, the world in its database, and who logs in how."""

    app: Any
    url: str
    esia_url: str
    world: Any
    logins: dict[str, str] = field(default_factory=dict)
    servers: list[Any] = field(default_factory=list)

    def context(self):
        return self.app.app_context()


def esia_persons(mother: Any, neighbour: Any, children: list[Any]) -> list[dict[str, Any]]:
    """The emulator's test persons: the mother (with her children, as ESIA lists kids) and another parent."""
    kids = [{"last_name": c.last_name, "first_name": c.first_name, "birth_date": c.birth_date.isoformat(),
             "gender": "M"} for c in children]
    return [
        {"oid": MOTHER_OID, "last_name": mother.last_name, "first_name": mother.first_name,
         "middle_name": "Сергеевна", "birth_date": "1986-02-14", "gender": "F",
         "snils": format_snils(mother.snils), "level": "confirmed", "note": "мать Петра Иванова", "kids": kids},
        {"oid": NEIGHBOUR_OID, "last_name": neighbour.last_name, "first_name": neighbour.first_name,
         "birth_date": "1984-07-02", "gender": "F", "snils": format_snils(neighbour.snils), "level": "confirmed",
         "note": "мать Сергея Петрова"},
    ]


def password_login(person: Any, login: str) -> str:
    """A staff member's own (not temporary) password login, as after their first login."""
    user = User.get_by_id(person.user_id)
    login, _temporary = credentials.issue_for_user(user, login, None)
    credentials.change_password(LocalCredential.get(LocalCredential.login == login), PASSWORD)
    return login


def furnish(world: Any) -> list[Any]:
    """What the journeys need beyond ``build_world``; returns the mother's children."""
    registries = reg()
    t = world.things
    mother, neighbour = t["parent"], t["other_parent"]
    registries.Parent.update(snils=make_valid(112233445)).where(registries.Parent.id == mother.id).execute()
    registries.Parent.update(snils=make_valid(223344556)).where(registries.Parent.id == neighbour.id).execute()
    registries.ParentLink.create(parent=mother, student=t["b1"], relation="mother")
    registries.Consent.create(subject_student=t["b1"], giver_parent=mother, purpose="progress",
                              text_version="2025-09", given_on=dt.date(2025, 9, 1), channel="paper")
    last_lesson = t["maths_lessons"][-1]
    journal.set_lesson_text(last_lesson, t["teacher"].user_id, topic="Сложение дробей", homework=HOMEWORK)
    first_quarter = queries.periods_of(world.year)[0]
    journal.set_period_grade(t["maths_5a"], t["a1"].id, first_quarter, FIRST_QUARTER_GRADE, t["teacher"].user_id)
    return [t["a1"], t["b1"]]


@pytest.fixture
def region(make_app, tmp_path, emulator_keys, client_pair):
    _, cert, folder = client_pair
    certs = tmp_path / "esia-certs"
    certs.mkdir()
    (certs / "rsa.crt").write_text(emulator_keys.rsa_certificate.pem())
    (certs / "gost.crt").write_text(emulator_keys.gost_certificate.pem())
    client = RegisteredClient("ESCHOOL-JOURNEYS", cert, [], tokens.RS256)
    emulator = Emulator(persons={}, clients={client.client_id: client}, keys=emulator_keys,
                        issuer="http://esia-portal1.test.gosuslugi.ru/")
    esia_server, esia_url = serve(create_emulator_app(emulator))
    section = {
        "stand": "test", "base_url": esia_url, "protocol": "v2", "client_id": client.client_id,
        "certificate": str(folder / "client.crt"), "private_key": {"file": str(folder / "client.key")},
        "esia_certificates": [str(certs / "rsa.crt"), str(certs / "gost.crt")],
        "verify_tls": False, "timeout_seconds": 5,
    }
    app = make_app(BUILTIN_PLUGINS, sections={"auth_esia": section, "auth_local": FAST_HASHING})
    app.config["WTF_CSRF_ENABLED"] = True
    world = build_world(app)
    with app.app_context():
        children = furnish(world)
        mother = reg().Parent.get_by_id(world.parent.id)
        neighbour = reg().Parent.get_by_id(world.other_parent.id)
        emulator.persons.update(persons_from_list(esia_persons(mother, neighbour, children)))
        logins = {"teacher": password_login(world.teacher, "matematikova"),
                  "admin": password_login(world.admin, "adminova")}
    app_server, url = serve(app)
    client.redirect_uris.append(url + "/")
    running = Region(app, url, esia_url, world, logins, [esia_server, app_server])
    yield running
    for server in running.servers:
        server.shutdown()
        server.server_close()


class Camera:
    """One browser context and page of a journey, with the checks every page gets (see the module docstring)."""

    def __init__(self, browser, folder: Path, who: str):
        self.context = browser.new_context(viewport=PHONE, device_scale_factor=1, locale="ru-RU")
        self.context.set_default_timeout(STEP_TIMEOUT_MS)
        self.page = self.context.new_page()
        self.folder = folder
        self.who = who
        self.shots: list[Path] = []
        self.problems: list[str] = []
        self.page.on("console", self._console)
        self.page.on("response", self._response)

    def _console(self, message) -> None:
        # failed loads are reported (with their URL) by _response; a 422 page is an answer, not a failure
        if message.type == "error" and "Failed to load resource" not in message.text:
            self.problems.append(f"console: {message.text}")

    def _response(self, response) -> None:
        if response.status >= 400 and response.request.resource_type != "document" \
                and not response.url.endswith("/favicon.ico"):
            self.problems.append(f"{response.status} {response.url}")

    def look(self, name: str) -> None:
        """Check and photograph the current page at phone and desktop width; end at phone width."""
        page = self.page
        page.wait_for_load_state("load")
        for size in (PHONE, DESKTOP):
            page.set_viewport_size(size)
            wide, window = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            path = self.folder / f"{self.who}-{len(self.shots) // 2 + 1:02d}-{name}-{size['width']}.png"
            page.screenshot(path=path, full_page=True)
            self.shots.append(path)
            assert wide <= window, f"{name} ({page.url}) scrolls sideways at {size['width']} px: {wide} px wide"
        page.set_viewport_size(PHONE)
        assert self.problems == [], f"{name} ({page.url}): {self.problems}"

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def camera(browser, tmp_path):
    """``camera(who)`` opens a fresh browser context (its own cookies) photographing into ``tmp_path``."""
    opened: list[Camera] = []

    def open_camera(who: str) -> Camera:
        opened.append(Camera(browser, tmp_path, who))
        return opened[-1]

    yield open_camera
    for cam in opened:
        cam.close()
    print(f"screenshots in {tmp_path}")


# --- logging in, as a person does it ---------------------------------------------------


def login_with_gosuslugi(cam: Camera, region: Region, oid: int) -> None:
    """Click «Войти через Госуслуги», pick the person on the emulator's page, allow, come back logged in."""
    page = cam.page
    page.goto(region.url + "/login")
    cam.look("login")
    page.get_by_role("link", name="Войти через Госуслуги").click()
    page.wait_for_url(region.esia_url + "/**")
    cam.look("esia-emulator")
    page.locator(f'input[name="oid"][value="{oid}"]').check()
    page.get_by_role("button", name="Предоставить").click()
    page.wait_for_url(region.url + "/**")
    assert page.url == region.url + "/", page.locator("main").inner_text()


def login_with_password(cam: Camera, region: Region, login: str) -> None:
    """The school login form on /login: type the login and password, press Enter."""
    page = cam.page
    page.goto(region.url + "/login")
    page.locator("#auth-local-login").click()
    page.keyboard.type(login)
    page.locator("#auth-local-password").click()
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == region.url + "/", page.locator("main").inner_text()
