"""The school admin's checklist: the letter's four steps with the school's live readiness figures."""

import datetime as dt
import html as html_lib

import pytest
from flask import url_for

from core.api import LoginIdentity, User
from tests.support import registry_tables


def make_school(reg, code):
    town = reg.Municipality.get_or_none(reg.Municipality.code == "M1")
    town = town or reg.Municipality.create(code="M1", name="Город")
    return reg.School.create(municipality=town, code=code, name=f"Школа {code}", short_name=f"Школа {code}")


def add_student(reg, school, name, consent):
    student = reg.Student.create(last_name=name, first_name="Ученик", birth_date=dt.date(2012, 5, 1), gender="m",
                                 school=school)
    if consent:
        reg.Consent.create(subject_student=student, purpose="Услуга", text_version="1", given_on=dt.date(2025, 9, 1),
                           channel="paper")
    return student


def add_parent(reg, snils, children, user=False, esia=False):
    parent = reg.Parent.create(last_name=f"Родитель{snils[-2:]}", first_name="А", snils=snils)
    for child in children:
        reg.ParentLink.create(parent=parent, student=child, relation="mother")
    if user:
        parent.user = User.create(display_name=parent.full_name, role="parent")
        parent.save()
        if esia:
            LoginIdentity.create(user=parent.user, provider="esia", subject=f"oid-{snils}",
                                 last_login_at=dt.datetime(2026, 1, 10, 12, 0))
    return parent


@pytest.fixture
def school_admin_client(make_app, login):
    app = make_app(["registries", "infographic"])
    with app.test_request_context():
        reg = registry_tables()
        school, other = make_school(reg, "S1"), make_school(reg, "S2")
        s1, s2, s3, _s4 = (add_student(reg, school, f"Ученик{i}", consent=i < 4) for i in range(1, 5))
        add_parent(reg, "11223344595", [s1], user=True, esia=True)
        add_parent(reg, "11223344696", [s1], user=True)
        add_parent(reg, "11223344797", [s2])
        # Another school's figures must not leak into this admin's checklist.
        for i in range(3):
            add_student(reg, other, f"Чужой{i}", consent=False)
        admin = User.create(display_name="Админ школы", role="school_admin")
        reg.Staff.create(last_name="Админ", first_name="Школы", school=school, user=admin)
        fix_links = {key: url_for(f"registries.gaps_{key}") for key in (
            "students_consent", "children_one_parent", "children_both_parents", "parents_user", "parents_esia")}
    client = app.test_client()
    login(client, admin)
    return client, school, fix_links


def test_checklist_shows_the_schools_live_progress_under_the_four_steps_with_links_to_fix(school_admin_client):
    client, school, fix_links = school_admin_client
    page = client.get("/service/checklist")
    assert page.status_code == 200
    html = html_lib.unescape(page.get_data(as_text=True))
    for n, title in enumerate(("Обучающиеся", "Родители", "Пользователи", "Госуслуги"), start=1):
        assert f"Шаг {n}. {title}" in html
    assert "3 из 4 · 75\u00a0%" in html            # students with consent
    assert "2 из 4 · 50\u00a0%" in html            # children with at least one parent with SNILS
    assert "1 из 4 · 25\u00a0%" in html            # children with both parents
    assert "2 из 3 · 67\u00a0%" in html            # parents with a user
    assert "1 из 2 · 50\u00a0%" in html            # parents who logged in through Gosuslugi
    assert html.index("Шаг 1.") < html.index("3 из 4") < html.index("Шаг 2.") < html.index("1 из 4") \
        < html.index("Шаг 3.") < html.index("2 из 3") < html.index("Шаг 4.") < html.index("1 из 2")
    for href in fix_links.values():
        assert f'href="{href}"' in html
    assert 'value="75"' in html and "<progress" in html
    assert "Школа S1" in html and "Школа S2" not in html


def test_checklist_offers_the_schools_poster_and_a_copy_paste_snippet(school_admin_client):
    client, school, _ = school_admin_client
    raw = client.get("/service/checklist").get_data(as_text=True)
    assert f'href="http://localhost/service/poster?school={school.id}"' in raw
    # The snippet is shown as text (escaped), ready to paste into the school website.
    assert f"&lt;iframe src=&#34;http://localhost/service/embed?school={school.id}&#34;" in raw
    assert "<iframe" not in raw


def test_a_complete_step_is_marked_done(make_app, login):
    app = make_app(["registries", "infographic"])
    with app.test_request_context():
        reg = registry_tables()
        school = make_school(reg, "S9")
        add_student(reg, school, "Единственный", consent=True)
        admin = User.create(display_name="Админ", role="school_admin")
        reg.Staff.create(last_name="Админ", first_name="А", school=school, user=admin)
    client = app.test_client()
    login(client, admin)
    html = client.get("/service/checklist").get_data(as_text=True)
    assert html.count("Готово") == 1 and "1 из 1 · 100\u00a0%" in html


def test_an_admin_without_a_school_is_told_so(make_app, make_user, login):
    app = make_app(["registries", "infographic"])
    client = app.test_client()
    with app.app_context():
        admin = User.create(display_name="Без школы", role="school_admin")
    login(client, admin)
    html = client.get("/service/checklist").get_data(as_text=True)
    assert "не связана со школой" in html and "Шаг 4." in html


@pytest.mark.plugins("infographic")
def test_without_registries_the_checklist_lists_the_steps_without_figures(app, client, make_user, login):
    login(client, make_user("school_admin"))
    html = client.get("/service/checklist").get_data(as_text=True)
    assert "Реестры в этом регионе отключены" in html
    assert "Шаг 1." in html and "Шаг 4." in html and "<progress" not in html


def test_fix_links_appear_only_for_endpoints_this_app_has(make_app):
    from plugins.infographic.checklist import checklist

    app = make_app(["infographic"])
    with app.test_request_context():
        steps = checklist([
            {"key": "students_consent", "label": "С согласием", "done": 1, "total": 2, "percent": 50.0,
             "fix_endpoint": "registries.gaps_students_consent"},
            {"key": "parents_user", "label": "Пользователи", "done": 0, "total": 2, "percent": 0.0,
             "fix_endpoint": "core.login"},
            {"key": "new_figure", "label": "Новый показатель", "done": 2, "total": 2, "percent": 100.0,
             "fix_endpoint": None},
        ])
    figures = {f.key: f for step in steps for f in step.figures}
    assert figures["students_consent"].fix_url is None      # registries is off here: no dead link
    assert figures["parents_user"].fix_url == "/login"
    assert steps[-1].title == "Другое" and steps[-1].complete
