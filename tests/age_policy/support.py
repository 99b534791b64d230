"""Shared by the auth_local and age_policy tests: a fake Gosuslugi provider and registry people.

``fake_esia`` is a test-only login provider: it proves whatever identity the
test posts (provider ``esia``, a SNILS, an account level) and hands it to the
core pipeline exactly as the real ESIA plugin would, so the age rules are
tested without caring which plugin produced the identity.
"""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
import types
from zoneinfo import ZoneInfo

from flask import Blueprint, redirect, request

from core.api import Identity, LoginRefused, complete_login, hookimpl, public, refused_page
from tests.support import registry_tables

FAST_HASHING = {"hash_memory_kib": 1024, "hash_time_cost": 1, "hash_parallelism": 1}
PLUGINS = ["registries", "auth_local", "age_policy", "fake_esia"]

_fake_bp = Blueprint("fake_esia", __name__, url_prefix="/fake-esia")


@_fake_bp.route("/login", methods=["POST"])
@public
def _fake_login():
    identity = Identity(
        provider="esia",
        subject=request.form["subject"],
        snils=request.form.get("snils") or None,
        level=request.form.get("level") or None,
        birth_date=dt.date.fromisoformat(request.form["birth_date"]) if request.form.get("birth_date") else None,
        confirmed=request.form.get("level") == "confirmed",
    )
    try:
        complete_login(identity)
    except LoginRefused as refused:
        return refused_page(refused)
    return redirect("/")


def _blueprints():
    return [_fake_bp]


def _plugin_requires():
    return ["registries"]


fake_esia = types.SimpleNamespace(blueprints=hookimpl(_blueprints), plugin_requires=hookimpl(_plugin_requires))

_snils = itertools.count(20000000001)


def region_today(app) -> dt.date:
    """Today in the app's region timezone, computed independently of the plugin."""
    return dt.datetime.now(ZoneInfo(app.extensions["eschool"].core_settings["timezone"])).date()


def years_ago(today: dt.date, years: int, months: int = 0, days: int = 0) -> dt.date:
    """The birth date of someone who turns ``years``/``months`` old exactly ``days`` days from today."""
    index = today.month - 1 - (years * 12 + months)
    year, month = today.year + index // 12, index % 12 + 1
    day = min(today.day, calendar.monthrange(year, month)[1])
    return dt.date(year, month, day) + dt.timedelta(days=days)


class School:
    """A school with classes and students in the registry of ``app``."""

    def __init__(self, app, code="S1", name="Школа № 1"):
        self.app = app
        with app.app_context():
            reg = registry_tables()
            municipality = reg.Municipality.get_or_create(code="M1", defaults={"name": "Североморск"})[0]
            self.school = reg.School.create(municipality=municipality, code=code, name=name, short_name=name)

    def school_class(self, grade=5, letter="А", year=2025):
        with self.app.app_context():
            return registry_tables().SchoolClass.create(school=self.school, year=year, grade=grade,
                                                            letter=letter)

    def student(self, birth_date, school_class=None, last="Иванов", first="Пётр", with_user=True, snils=None):
        from core.api import User

        with self.app.app_context():
            reg = registry_tables()
            user = User.create(display_name=f"{last} {first}", role="student") if with_user else None
            return reg.Student.create(
                last_name=last, first_name=first, birth_date=birth_date, gender="m", school=self.school,
                school_class=school_class, user=user, snils=snils or str(next(_snils)),
            )

    def admin(self, name="Админова Анна"):
        from core.api import User

        with self.app.app_context():
            reg = registry_tables()
            user = User.create(display_name=name, role="school_admin")
            reg.Staff.create(last_name=name.split()[0], first_name=name.split()[1], school=self.school, user=user)
            return user

    def parent(self, snils, name="Иванова Мария"):
        from core.api import User

        with self.app.app_context():
            reg = registry_tables()
            user = User.create(display_name=name, role="parent")
            return reg.Parent.create(last_name=name.split()[0], first_name=name.split()[1], snils=snils, user=user)


def issue_login(app, student) -> tuple[str, str]:
    """Issue a school login for one student the way the admin page does; return (login, password)."""
    from plugins.auth_local import credentials

    with app.test_request_context():
        reg = registry_tables()
        fresh = reg.Student.get_by_id(student.id)
        slip = credentials.issue_for_students([fresh], None, reissue=True)[0]
        return slip.login, slip.password


def esia_login(client, student_or_parent, level="confirmed"):
    return client.post("/fake-esia/login", data={
        "subject": f"oid-{student_or_parent.snils}", "snils": student_or_parent.snils, "level": level,
    })


def local_login(client, login, password, next_url=""):
    return client.post("/local/login", data={"login": login, "password": password, "next": next_url})


def logged_in(client) -> bool:
    """Whether the client's session is live: a guarded page does not send it to the login page."""
    response = client.get("/local/password")
    return not (response.status_code == 302 and "/login" in response.headers["Location"])
