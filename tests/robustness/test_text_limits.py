"""Text people type is bounded and free of control characters, and stored text cannot break a writer."""

from __future__ import annotations

import io

import openpyxl

from plugins.gradebook.models import Lesson
from tests.gradebook.factories import build_world, user_of
from tests.support import registry_tables


def test_a_lesson_topic_of_100000_characters_is_refused_in_russian_and_what_was_typed_is_kept(app, login):
    world = build_world(app)
    with app.app_context():
        lesson = world.maths_lessons[0]
        before = Lesson.get_by_id(lesson.id).topic
        teacher = user_of(world.teacher)
    client = app.test_client()
    login(client, teacher)
    topic = "Дроби " * 20_000
    response = client.post(f"/journal/{world.maths_5a.id}/lesson/{lesson.id}", data={"topic": topic})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Не длиннее 500 знаков." in page
    assert topic.strip() in page  # kept in the form for the teacher to shorten
    with app.app_context():
        assert Lesson.get_by_id(lesson.id).topic == before


def test_a_topic_within_the_limit_keeps_its_line_breaks(app, login):
    world = build_world(app)
    with app.app_context():
        lesson = world.maths_lessons[0]
        teacher = user_of(world.teacher)
    client = app.test_client()
    login(client, teacher)
    response = client.post(f"/journal/{world.maths_5a.id}/lesson/{lesson.id}",
                           data={"topic": "Дроби\r\nи проценты", "homework": "№ 1\t№ 2"})
    assert response.status_code == 302
    with app.app_context():
        stored = Lesson.get_by_id(lesson.id)
        assert (stored.topic, stored.homework) == ("Дроби\nи проценты", "№ 1\t№ 2")


def test_a_control_character_pasted_into_a_form_is_never_stored(app, login):
    world = build_world(app)
    with app.app_context():
        school = world.school
        from core.api import User

        user = User.create(display_name="Оператор", role="operator")
        fields = {"code": school.code, "name": school.name, "short_name": "Шко\x01ла\x1b №\x7f 1",
                  "municipality": str(school.municipality_id)}
    client = app.test_client()
    login(client, user)
    response = client.post(f"/registries/schools/{school.id}/edit", data=fields)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with app.app_context():
        assert registry_tables().School.get_by_id(school.id).short_name == "Школа № 1"


def test_exports_and_pages_survive_a_control_character_already_stored(app, login):
    world = build_world(app)
    with app.app_context():
        student = world.a1
        type(student).update(last_name="Ива\x01нов", middle_name="\x0bПетрович").where(
            type(student).id == student.id).execute()
        admin = user_of(world.admin)
    client = app.test_client()
    login(client, admin)
    response = client.get("/registries/export/all.xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
    cells = [c for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row if c]
    assert "Иванов" in cells and "Петрович" in cells
    csv = client.get("/registries/export/students.csv")
    assert csv.status_code == 200
    assert "Ива\x01нов" not in csv.get_data(as_text=True)
    card = client.get(f"/registries/students/{student.id}")
    assert card.status_code == 200
    assert "Иванов" in card.get_data(as_text=True) and "\x01" not in card.get_data(as_text=True)
