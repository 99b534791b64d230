"""Staff get their first login and temporary password on a web page, from whoever manages them."""

import re

import pytest

from core.api import User
from tests.gradebook import factories as f
from tests.support import registry_tables

FAST = {"hash_memory_kib": 1024, "hash_time_cost": 1, "hash_parallelism": 1}


@pytest.fixture
def world(make_app):
    app = make_app(sections={"auth_local": FAST})
    with app.app_context():
        mun, other_mun = f.make_municipality("Район"), f.make_municipality("Другой район")
        school, other_school = f.make_school(mun, "Школа № 1"), f.make_school(other_mun, "Школа № 9")
        people = {
            "admin": f.make_staff("school_admin", school=school, last_name="Админова"),
            "teacher": f.make_staff("teacher", school=school, last_name="Учителева"),
            "foreign_teacher": f.make_staff("teacher", school=other_school, last_name="Чужая"),
            "foreign_admin": f.make_staff("school_admin", school=other_school, last_name="Админ-Чужой"),
            "municipal": f.make_staff("municipality", municipality=mun, last_name="Районова"),
            "operator": f.make_staff("operator", last_name="Операторова"),
        }
    return app, people


def as_user(app, login, staff):
    client = app.test_client()
    login(client, User.get_by_id(staff.user_id))
    return client


def test_school_admin_issues_a_teacher_login_that_works(world, login):
    app, p = world
    admin = as_user(app, login, p["admin"])
    page = admin.post(f"/local/staff/{p['teacher'].id}/issue")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    issued_login = re.search(r'class="slip-login">([^<]+)<', html).group(1)
    password = re.search(r'class="slip-password">([^<]+)<', html).group(1)
    assert "Учителева" in html
    teacher = app.test_client()
    answer = teacher.post("/local/login", data={"login": issued_login, "password": password})
    assert answer.status_code == 302 and "/local/password" in answer.headers["Location"]  # forced change first


@pytest.mark.parametrize("who,target,status", [
    ("admin", "foreign_teacher", 403),
    ("admin", "admin", 403),            # not their own account, nor another admin
    ("municipal", "admin", 200),
    ("municipal", "foreign_admin", 403),
    ("municipal", "teacher", 403),
    ("operator", "admin", 200),
    ("operator", "municipal", 200),
    ("operator", "teacher", 403),
])
def test_who_may_issue_whose_login(world, login, who, target, status):
    app, p = world
    assert as_user(app, login, p[who]).post(f"/local/staff/{p[target].id}/issue").status_code == status


def test_the_staff_list_offers_the_button(world, login):
    app, p = world
    html = as_user(app, login, p["admin"]).get("/registries/staff").get_data(as_text=True)
    assert f'action="/local/staff/{p["teacher"].id}/issue"' in html
    with app.app_context():
        assert registry_tables().Staff.get_by_id(p["teacher"].id).user_id is not None
