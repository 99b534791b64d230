"""The two example region files differ only in [age_policy], and the same people fare as each promises."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from core.api import User
from plugins.auth_local import credentials
from tests.age_policy.support import (
    FAST_HASHING,
    School,
    esia_login,
    fake_esia,
    issue_login,
    local_login,
    region_today,
    years_ago,
)

REGIONS = Path(__file__).resolve().parents[2] / "regions"
FILES = ["example-school-logins.toml", "example-gosuslugi-only.toml"]

# person and way in → (admitted with school logins, admitted in "Gosuslugi only")
EXPECTED = {
    ("10 лет", "школьный логин"): (True, False),
    ("10 лет", "Госуслуги, детская запись"): (False, True),
    ("10 лет", "Госуслуги, обычная запись"): (False, False),
    ("14 лет сегодня", "Госуслуги, подтверждённая запись"): (True, True),
    ("15 лет", "школьный логин"): (True, False),
    ("15 лет", "Госуслуги, подтверждённая запись"): (True, True),
    ("родитель", "Госуслуги, подтверждённая запись"): (True, True),
    ("администратор школы", "школьный логин"): (True, True),
}


def read(name):
    with open(REGIONS / name, "rb") as fh:
        return tomllib.load(fh)


def test_the_example_files_differ_only_in_the_age_policy_section():
    school_logins, gosuslugi_only = (read(name) for name in FILES)
    assert set(school_logins) == set(gosuslugi_only)
    assert {k: v for k, v in school_logins.items() if k != "age_policy"} == \
        {k: v for k, v in gosuslugi_only.items() if k != "age_policy"}
    assert school_logins["age_policy"] != gosuslugi_only["age_policy"]


def run_people(app) -> dict:
    """The same people in every region: log each in each way, return who got in."""
    school = School(app)
    today = region_today(app)
    school_class = school.school_class()
    kid = school.student(years_ago(today, 10), school_class, last="Младший")
    fourteen = school.student(years_ago(today, 14), school_class, last="Именинник")
    teen = school.student(years_ago(today, 15), school_class, last="Старший")
    parent = school.parent("12345678901")
    admin = school.admin()
    kid_login, teen_login = issue_login(app, kid), issue_login(app, teen)
    with app.test_request_context():
        admin_login = credentials.issue_for_user(User.get_by_id(admin.id), "admin.s1", None)

    def admitted(response):
        assert response.status_code in (302, 403), response.status_code
        return response.status_code == 302

    def fresh():
        return app.test_client()

    return {
        ("10 лет", "школьный логин"): admitted(local_login(fresh(), *kid_login)),
        ("10 лет", "Госуслуги, детская запись"): admitted(esia_login(fresh(), kid, "child")),
        ("10 лет", "Госуслуги, обычная запись"): admitted(esia_login(fresh(), kid, "standard")),
        ("14 лет сегодня", "Госуслуги, подтверждённая запись"): admitted(esia_login(fresh(), fourteen)),
        ("15 лет", "школьный логин"): admitted(local_login(fresh(), *teen_login)),
        ("15 лет", "Госуслуги, подтверждённая запись"): admitted(esia_login(fresh(), teen)),
        ("родитель", "Госуслуги, подтверждённая запись"): admitted(esia_login(fresh(), parent)),
        ("администратор школы", "школьный логин"): admitted(local_login(fresh(), *admin_login)),
    }


@pytest.mark.parametrize("column, name", list(enumerate(FILES)))
def test_the_same_people_through_each_example_region(make_app, column, name):
    region = read(name)
    core = {k: v for k, v in region["eschool"].items() if k != "plugins"}
    sections = {k: v for k, v in region.items() if k != "eschool"}
    sections["auth_local"] = {**sections.get("auth_local", {}), **FAST_HASHING}
    app = make_app(region["eschool"]["plugins"] + ["fake_esia"], sections=sections,
                   extra={"fake_esia": fake_esia}, core=core)
    outcomes = run_people(app)
    assert outcomes == {key: expected[column] for key, expected in EXPECTED.items()}
