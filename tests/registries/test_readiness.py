"""Readiness («готовность к оказанию услуги»): the service contract, the school and municipal reports."""

import io

import openpyxl
import pytest

from core.api import service, utcnow
from core.models import LoginIdentity

pytestmark = pytest.mark.plugins("registries")

KEYS = ["students_consent", "children_one_parent", "children_both_parents", "parents_user", "parents_esia"]


@pytest.fixture
def school_in_progress(app, world):
    """Four enrolled children and one who left, at different steps of the four."""
    both = world.student(first_name="Оба")
    one = world.student(first_name="Один")
    world.student(first_name="Никого")
    world.student(first_name="Без согласия", consent=False)
    gone = world.student(first_name="Выбыл", status="left")
    mother = world.parent(both, "mother", user=True)
    world.parent(both, "father", first_name="Отец")
    world.parent(one, "mother", user=True, first_name="Мать")
    world.parent(gone, "mother", user=True, first_name="Ушедшая")
    with app.app_context():
        LoginIdentity.create(user=mother.user_id, provider="esia", subject="oid-m", last_login_at=utcnow())
    world.student(school=world.other_school, first_name="Другая школа")
    return world


def test_readiness_contract_and_figures(app, school_in_progress):
    world = school_in_progress
    with app.test_request_context():
        steps = service("registries").readiness([world.school.id])
    assert [s["key"] for s in steps] == KEYS
    figures = {s["key"]: (s["done"], s["total"], s["percent"]) for s in steps}
    assert figures == {
        "students_consent": (3, 4, 75.0),
        "children_one_parent": (2, 4, 50.0),
        "children_both_parents": (1, 4, 25.0),
        "parents_user": (2, 3, 66.7),
        "parents_esia": (1, 2, 50.0),
    }
    for step in steps:
        assert isinstance(step["label"], str) and step["label"]
        assert step["fix_endpoint"] == f"registries.gaps_{step['key']}"
    with app.test_request_context():
        from flask import url_for

        assert url_for(steps[0]["fix_endpoint"]) == "/registries/readiness/students_consent"


def test_readiness_of_no_schools_is_all_zero(app, world):
    with app.test_request_context():
        steps = service("registries").readiness([])
    assert [(s["done"], s["total"], s["percent"]) for s in steps] == [(0, 0, 0.0)] * 5


def test_school_admin_drills_down_to_who_lacks_a_step(app, school_in_progress, client, login):
    login(client, school_in_progress.admin)
    report = client.get("/registries/readiness").get_data(as_text=True)
    assert "3 из 4 (75\u00a0%)" in report and "/registries/readiness/students_consent" in report
    gaps = client.get("/registries/readiness/children_one_parent").get_data(as_text=True)
    assert "Иванов Никого" in gaps and "Иванов Без согласия" in gaps and "Иванов Оба" not in gaps
    users = client.get("/registries/readiness/parents_user").get_data(as_text=True)
    assert "Иванова Отец" in users and "Иванова Мария" not in users


def test_municipality_sees_aggregates_per_school_and_no_names(app, school_in_progress, client, login):
    login(client, school_in_progress.municipal)
    page = client.get("/registries/readiness")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Школа № 1" in text and "Школа № 2" in text and "Итого" in text
    assert "Иванов" not in text and "/registries/readiness/students_consent" not in text
    for key in KEYS:
        assert client.get(f"/registries/readiness/{key}").status_code == 403

    book = openpyxl.load_workbook(io.BytesIO(client.get("/registries/readiness?format=xlsx").get_data()))
    rows = list(book.active.iter_rows(values_only=True))
    assert ("0101", "Школа № 1", rows[2][2], 3, 4, 75) == rows[2]
    assert rows[-5][1] == "Итого" and rows[-5][3:5] == (4, 5)
    assert not any("Иванов" in str(v) for row in rows for v in row)


def test_families_and_teachers_get_no_readiness(app, world, client, login, make_user):
    login(client, make_user("parent"))
    assert client.get("/registries/readiness").status_code == 403


def test_nav_offers_staff_their_pages(app, world, client, login):
    login(client, world.admin)
    home = client.get("/").get_data(as_text=True)
    for label in ("Обучающиеся", "Родители", "Импорт и экспорт", "Готовность к услуге"):
        assert label in home
    municipal = app.test_client()
    login(municipal, world.municipal)
    home = municipal.get("/").get_data(as_text=True)
    assert "Готовность к услуге" in home and "Обучающиеся" not in home
