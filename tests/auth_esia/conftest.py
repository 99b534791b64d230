"""A stand for Gosuslugi login tests: the eschool app and the ESIA emulator, both on real loopback HTTP.

``stand = make_stand(...)`` starts the emulator (``werkzeug.serving.make_server``
on 127.0.0.1, a free port) and an eschool app pointing at it, also served on
loopback, and registers the app's certificate and redirect URI with the
emulator. Browsers are ``requests.Session`` objects.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
import requests
from flask import Blueprint, jsonify

from core.api import current_actor, hookimpl, login_required
from core.models import User
from plugins.auth_esia import gost, tokens
from plugins.auth_esia.emulator.app import Emulator, RegisteredClient, create_emulator_app
from plugins.auth_esia.emulator.persons import persons_from_list
from plugins.registries.snils import normalize
from tests.support import registry_tables, serve

TODAY = dt.date.today()

PERSONS = [
    {"oid": 2001, "last_name": "Смирнова", "first_name": "Елена", "middle_name": "Викторовна",
     "birth_date": "1984-04-12", "gender": "F", "snils": "112-233-445 95", "level": "confirmed",
     "kids": [{"last_name": "Смирнов", "first_name": "Артём", "birth_date": "2013-05-20", "gender": "M",
               "snils": "456-789-012 38"}]},
    {"oid": 2002, "last_name": "Смирнов", "first_name": "Андрей", "middle_name": "Николаевич",
     "birth_date": "1982-09-03", "gender": "M", "snils": "123-456-789 64", "level": "confirmed"},
    {"oid": 2003, "last_name": "Кузнецова", "first_name": "Ольга", "birth_date": "1990-01-25",
     "gender": "F", "snils": "234-567-890 99", "level": "standard"},
    {"oid": 2004, "last_name": "Попов", "first_name": "Дмитрий", "birth_date": "1979-11-30",
     "gender": "M", "snils": "345-678-901 23", "level": "confirmed"},
    # a second ESIA account claiming Елена's SNILS (a forged or duplicate account)
    {"oid": 2005, "last_name": "Смирнова", "first_name": "Елена", "birth_date": "1984-04-12",
     "gender": "F", "snils": "112-233-445 95", "level": "confirmed"},
]
MOTHER, FATHER, UNCONFIRMED, STRANGER, DUPLICATE = 2001, 2002, 2003, 2004, 2005


probe = Blueprint("probe", __name__)


@probe.route("/probe/me")
@login_required
def me():
    actor = current_actor()
    return jsonify({"user_id": actor.id, "role": actor.role, "provider": actor.provider,
                    "provider_data": actor.session.provider_data})


class ProbePlugin:
    """A test-only plugin: one guarded page that tells who is logged in."""

    @hookimpl
    def blueprints(self):
        return [probe]


@dataclass
class Stand:
    app: Any
    url: str
    emulator: Emulator
    esia_url: str
    client: RegisteredClient
    servers: list[Any] = field(default_factory=list)

    def browser(self) -> requests.Session:
        return requests.Session()

    # --- the steps of a login, as a browser does them -------------------------------

    def begin(self, browser: requests.Session, next_url: str | None = None) -> requests.Response:
        """Click «Войти через Госуслуги» and arrive at the emulator's page (or an error redirect)."""
        start = self.url + "/auth/esia/start" + (f"?next={next_url}" if next_url else "")
        to_esia = browser.get(start, allow_redirects=False)
        assert to_esia.status_code == 302, to_esia.text[:500]
        return browser.get(to_esia.headers["Location"], allow_redirects=False)

    def choose(self, browser: requests.Session, page: requests.Response, oid: int | None = None,
               decline: bool = False) -> str:
        """Pick a test person (or decline) on the emulator's page; return the callback URL."""
        pending = re.search(r'name="request" value="([^"]+)"', page.text).group(1)
        form = {"request": pending, **({"decline": "1"} if decline else {"oid": str(oid), "allow": "1"})}
        back = browser.post(page.url, data=form, allow_redirects=False)
        assert back.status_code == 302, back.text[:500]
        return back.headers["Location"]

    def callback_url(self, browser: requests.Session, oid: int, next_url: str | None = None) -> str:
        return self.choose(browser, self.begin(browser, next_url), oid)

    def finish(self, browser: requests.Session, callback: str) -> requests.Response:
        return browser.get(callback, allow_redirects=False)

    def login(self, browser: requests.Session, oid: int, next_url: str | None = None) -> requests.Response:
        return self.finish(browser, self.callback_url(browser, oid, next_url))

    def whoami(self, browser: requests.Session) -> dict[str, Any] | None:
        response = browser.get(self.url + "/probe/me", allow_redirects=False)
        return response.json() if response.status_code == 200 else None

    def page(self, response: requests.Response) -> str:
        return response.text

    def absolute(self, location: str) -> str:
        return urljoin(self.url + "/", location)

    # --- registry data, through the registries service ----------------------------------

    def registry(self, parents: dict[int, str] | None = None, with_user: bool = True) -> dict[str, Any]:
        """A school, Артём, and a parent per ``{oid: relation}`` from PERSONS (SNILS + user + link + consent)."""
        people = {p["oid"]: p for p in PERSONS}
        made: dict[str, Any] = {"users": {}}
        with self.app.app_context():
            reg = registry_tables()
            muni = reg.Municipality.create(code="99-1", name="Демонстрационный район")
            school = reg.School.create(municipality=muni, code="99-1-1", name="Школа № 1", short_name="Школа № 1")
            kid = reg.Student.create(last_name="Смирнов", first_name="Артём", middle_name="Андреевич",
                                     birth_date=dt.date(2013, 5, 20), gender="m", snils="45678901238",
                                     school=school)
            made["student_id"] = kid.id
            for oid, relation in (parents or {}).items():
                p = people[oid]
                name = f"{p['last_name']} {p['first_name']}"
                user = User.create(display_name=name, role="parent") if with_user else None
                parent = reg.Parent.create(last_name=p["last_name"], first_name=p["first_name"],
                                           middle_name=p.get("middle_name", ""), snils=normalize(p["snils"]),
                                           user=user)
                reg.ParentLink.create(parent=parent, student=kid, relation=relation)
                reg.Consent.create(subject_student=kid, giver_parent=parent, purpose="Электронный дневник",
                                   text_version="2025-09", given_on=TODAY, channel="paper")
                made["users"][oid] = user.id if user else None
        return made

    def stop_emulator(self) -> None:
        self.servers[0].shutdown()


@pytest.fixture
def make_stand(make_app, tmp_path, emulator_keys, client_pair):
    started: list[Stand] = []

    def factory(protocol="v2", jwt_alg=tokens.RS256, plugins=("registries", "auth_local", "auth_esia"),
                registered_cert: gost.Certificate | None = None, esia_section: dict | None = None,
                extra: dict | None = None) -> Stand:
        key, cert, folder = client_pair
        certs_dir = tmp_path / f"esia-certs-{len(started)}"
        certs_dir.mkdir()
        (certs_dir / "rsa.crt").write_text(emulator_keys.rsa_certificate.pem())
        (certs_dir / "gost.crt").write_text(emulator_keys.gost_certificate.pem())
        client = RegisteredClient("ESCHOOL-TEST", registered_cert or cert, [], jwt_alg)
        emulator = Emulator(persons=persons_from_list(PERSONS), clients={client.client_id: client},
                            keys=emulator_keys, issuer="http://esia-portal1.test.gosuslugi.ru/")
        esia_server, esia_url = serve(create_emulator_app(emulator))
        section = {
            "stand": "test",
            "base_url": esia_url,
            "protocol": protocol,
            "client_id": "ESCHOOL-TEST",
            "certificate": str(folder / "client.crt"),
            "private_key": {"file": str(folder / "client.key")},
            "esia_certificates": [str(certs_dir / "rsa.crt"), str(certs_dir / "gost.crt")],
            "verify_tls": False,
            "timeout_seconds": 3,
            **(esia_section or {}),
        }
        extra = {"probe": ProbePlugin(), **(extra or {})}
        app = make_app(list(plugins) + list(extra), sections={"auth_esia": section}, extra=extra)
        app_server, url = serve(app)
        client.redirect_uris.append(url + "/")
        stand = Stand(app, url, emulator, esia_url, client, [esia_server, app_server])
        started.append(stand)
        return stand

    yield factory
    for stand in started:
        for server in stand.servers:
            server.shutdown()
            server.server_close()


@pytest.fixture
def stand(make_stand):
    return make_stand()


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")
