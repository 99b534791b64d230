"""The school admin issues logins for a class and prints one slip per child; resets and access."""

from __future__ import annotations

import re

import pytest

from core.models import AuditRecord, UserSession
from plugins.auth_local.models import LocalCredential
from tests.age_policy.support import (
    FAST_HASHING,
    PLUGINS,
    School,
    fake_esia,
    local_login,
    logged_in,
    region_today,
    years_ago,
)
from tests.support import finish_job, registry_tables

SURNAMES = ["Иванов", "Петрова", "Сидоров", "Кузнецова", "Смирнов", "Попова"]
FIRST_NAMES = ["Пётр", "Анна", "Илья", "Мария", "Олег"]


@pytest.fixture
def app(make_app):
    return make_app(PLUGINS, sections={"auth_local": FAST_HASHING}, extra={"fake_esia": fake_esia})


@pytest.fixture
def school(app):
    return School(app)


def fill_class(app, school, school_class, size, tag):
    born = years_ago(region_today(app), 10)
    return [
        school.student(born, school_class, last=f"{SURNAMES[i % 6]}{tag}{i}", first=FIRST_NAMES[i % 5],
                       with_user=i % 2 == 0)
        for i in range(size)
    ]


def slips_of(html: str) -> list[dict]:
    found = re.findall(
        r'<p class="slip-name">(.*?)</p>.*?<dd class="slip-login">(.*?)</dd>.*?<dd class="slip-password">(.*?)</dd>',
        html, re.S)
    return [{"name": n, "login": login, "password": p} for n, login, p in found]


def issue(client, school_class, **form):
    """Issue a class's slips: the page starts a job and sends the admin to it; its result is the slips page."""
    return finish_job(client, client.post(f"/local/classes/{school_class.id}/issue", data=form))


@pytest.fixture
def admin_client(app, school, login):
    client = app.test_client()
    login(client, school.admin())
    return client


def test_slips_for_a_class_of_30_show_every_child_once_and_nothing_of_another_class(app, school, admin_client):
    class_a, class_b = school.school_class(5, "А"), school.school_class(5, "Б")
    students_a = fill_class(app, school, class_a, 30, "А")
    students_b = fill_class(app, school, class_b, 30, "Б")
    page_b = issue(admin_client, class_b, mode="new").get_data(as_text=True)
    response = issue(admin_client, class_a, mode="new")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    slips = slips_of(html)
    assert sorted(s["name"] for s in slips) == sorted(s.full_name for s in students_a)
    assert len({s["login"] for s in slips}) == 30 and len({s["password"] for s in slips}) == 30
    for other in slips_of(page_b):
        assert other["login"] not in html and other["password"] not in html
    for student in students_b:
        assert student.last_name not in html
    assert html.count('class="slip"') == 30
    assert "no-print" in html
    for asset in re.findall(r'(?:href|src)="(/static/auth_local/[^"]+)"', html):  # print CSS and the print button
        served = admin_client.get(asset)
        assert served.status_code == 200 and served.mimetype in ("text/css", "text/javascript"), asset
    assert "slips.css" in html and "slips.js" in html
    # each slip's login and password really log that child in (and no other)
    with app.app_context():
        by_login = {c.login: c.user_id for c in LocalCredential.select()}
        users = {s.full_name: registry_tables().Student.get_by_id(s.id).user_id for s in students_a}
    for slip in slips[:3]:
        assert by_login[slip["login"]] == users[slip["name"]]
        assert local_login(app.test_client(), slip["login"], slip["password"]).status_code == 302


def test_issued_passwords_are_never_stored_in_the_clear_and_a_second_issue_skips_children_with_logins(
        app, school, admin_client):
    school_class = school.school_class()
    fill_class(app, school, school_class, 4, "В")
    first = slips_of(issue(admin_client, school_class, mode="new").get_data(as_text=True))
    with app.app_context():
        db = app.extensions["eschool_db"]
        dump = repr([db.execute_sql(f'SELECT * FROM "{table}"').fetchall() for table in db.get_tables()])
    assert first and first[0]["login"] in dump  # the dump does hold the data...
    for slip in first:
        assert slip["password"] not in dump  # ...but no temporary password, in any table (the kept slips are sealed)
    again = admin_client.post(f"/local/classes/{school_class.id}/issue", data={"mode": "new"})
    assert again.status_code == 302  # nobody left without a login: no slips, no new passwords
    class_page = admin_client.get(again.headers["Location"]).get_data(as_text=True)
    assert "Всем учащимся класса логины уже выданы" in class_page
    assert all(slip["password"] not in class_page for slip in first)


def test_reissuing_for_the_whole_class_replaces_every_password(app, school, admin_client):
    school_class = school.school_class()
    fill_class(app, school, school_class, 3, "Г")
    first = slips_of(issue(admin_client, school_class, mode="new").get_data(as_text=True))
    second = slips_of(issue(admin_client, school_class, mode="all").get_data(as_text=True))
    assert [s["login"] for s in first] == [s["login"] for s in second]
    assert local_login(app.test_client(), first[0]["login"], first[0]["password"]).status_code == 401
    assert local_login(app.test_client(), second[0]["login"], second[0]["password"]).status_code == 302


def test_a_reset_gives_a_new_random_password_and_ends_every_session(app, school, admin_client):
    school_class = school.school_class()
    [kid] = fill_class(app, school, school_class, 1, "Д")
    [slip] = slips_of(issue(admin_client, school_class).get_data(as_text=True))
    child = app.test_client()
    local_login(child, slip["login"], slip["password"])
    child.post("/local/password", data={"current_password": slip["password"], "new_password": "синий кот ест суп",
                                        "new_password_again": "синий кот ест суп"})
    assert logged_in(child)
    reset = admin_client.post(f"/local/students/{kid.id}/reset", data={"password": "chosen-by-admin"})
    [new_slip] = slips_of(reset.get_data(as_text=True))
    assert new_slip["login"] == slip["login"]
    assert new_slip["password"] not in (slip["password"], "chosen-by-admin")
    assert not logged_in(child)
    assert local_login(app.test_client(), slip["login"], "синий кот ест суп").status_code == 401
    fresh = app.test_client()
    assert local_login(fresh, slip["login"], new_slip["password"]).headers["Location"].startswith("/local/password")
    with app.app_context():
        assert AuditRecord.select().where(AuditRecord.action == "credentials.reset").count() == 1
        user_id = registry_tables().Student.get_by_id(kid.id).user_id
        assert UserSession.select().where(UserSession.user == user_id, UserSession.revoked_at.is_null()).count() == 1


def test_the_admin_of_another_school_and_a_teacher_cannot_touch_the_class(app, school, login):
    school_class = school.school_class()
    [kid] = fill_class(app, school, school_class, 1, "Е")
    other_school = School(app, code="S2", name="Школа № 2")
    stranger = app.test_client()
    login(stranger, other_school.admin("Чужая Админ"))
    assert stranger.get(f"/local/classes/{school_class.id}").status_code == 403
    assert stranger.post(f"/local/classes/{school_class.id}/issue").status_code == 403
    assert stranger.post(f"/local/students/{kid.id}/reset").status_code == 403
    assert f"/local/classes/{school_class.id}" not in stranger.get("/local/classes").get_data(as_text=True)
    teacher = app.test_client()
    from core.api import User

    with app.app_context():
        teacher_user = User.create(display_name="Учитель", role="teacher")
    login(teacher, teacher_user)
    assert teacher.post(f"/local/classes/{school_class.id}/issue").status_code == 403
    with app.app_context():
        assert not LocalCredential.select().exists()
        assert AuditRecord.select().where(AuditRecord.result == "denied").count() >= 4


def test_the_class_page_lists_students_with_their_login_state(app, school, admin_client):
    school_class = school.school_class()
    fill_class(app, school, school_class, 2, "Ж")
    page = admin_client.get(f"/local/classes/{school_class.id}").get_data(as_text=True)
    assert page.count("логин не выдан") == 2
    issue(admin_client, school_class)
    page = admin_client.get(f"/local/classes/{school_class.id}").get_data(as_text=True)
    assert page.count("временный пароль до") == 2
    assert "5А" in admin_client.get("/local/classes").get_data(as_text=True)


def test_the_command_line_issues_a_first_login_for_a_staff_account(app, school):
    admin = school.admin()
    result = app.test_cli_runner().invoke(args=["local-login", "issue", str(admin.id), "--login", "admin.s1"])
    assert result.exit_code == 0, result.output
    password = re.search(r"temporary password: (\S+)", result.output).group(1)
    assert local_login(app.test_client(), "admin.s1", password).status_code == 302
