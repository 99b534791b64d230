"""A child moves to another school: the old school records the departure, the new one enrols by transfer."""

import datetime as dt
import io
import json

import pytest

from core.models import AuditRecord, User
from plugins.registries import models as m
from plugins.registries import people
from plugins.registries.snils import format_snils
from tests.support import finish_job

pytestmark = pytest.mark.plugins("registries")


def _leaving_child(app, world, status="transferred"):
    """A pupil of «Школа № 2» with a mother, a login and a consent, whose school recorded the departure."""
    snils = world.new_snils()
    child = world.student(school=world.other_school, snils=snils, last_name="Орлова", first_name="Анна",
                          birth_date=dt.date(2013, 4, 3), gender="f")
    mother = world.parent(child, registered_school=world.other_school)
    with app.app_context():
        user = User.create(display_name="Орлова Анна", role="student")
        m.Student.update(user=user).where(m.Student.id == child.id).execute()
        if status != "enrolled":
            people.change_status(m.Student.get_by_id(child.id), status, dt.date(2026, 11, 20), "по заявлению",
                                 world.other_admin.id)
    return child, mother, user, snils


def _enrol(client, snils, **changes):
    form = {"last_name": "Орлова", "first_name": "Анна", "birth_date": "03.04.2013", "gender": "f",
            "snils": format_snils(snils), "school_class": "6б", **changes}
    return client.post("/registries/students/new", data=form)


def test_a_child_released_by_another_school_is_enrolled_here_with_family_and_login(app, world, client, login):
    child, mother, user, snils = _leaving_child(app, world)
    login(client, world.admin)
    answer = _enrol(client, snils, last_name="ОРЛОВА")
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/registries/students/{child.id}")
    card = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "зачислен переводом из «Школа № 2»" in card
    with app.app_context():
        moved = m.Student.get_by_id(child.id)
        assert (moved.school_id, moved.status, moved.school_class.name, moved.user_id) == (
            world.school.id, "enrolled", "6Б", user.id)
        assert m.Student.select().where(m.Student.snils == snils).count() == 1  # the same record, not a copy
        assert m.ParentLink.get(m.ParentLink.student == child.id).parent_id == mother.id
        notes = [e.note for e in moved.enrolment_history.order_by(m.EnrolmentEvent.id)]
        assert notes[-1] == "Зачислен переводом из «Школа № 2»"
        consents = list(m.Consent.select().where(m.Consent.subject_student == child.id))
        assert consents and all(c.revoked_at is not None for c in consents)
        assert "переведён" in consents[0].revocation_note
        details = json.loads(AuditRecord.get(AuditRecord.action == "student.transfer_in").details)
    assert details["old"]["school_id"] == world.other_school.id and details["new"]["school_id"] == world.school.id
    assert snils not in json.dumps(details)  # SNILS masked in the audit trail
    # the school the child left no longer opens the card
    login(client, world.other_admin)
    assert client.get(f"/registries/students/{child.id}").status_code in (403, 404)


def test_a_child_still_studying_elsewhere_or_a_wrong_name_is_refused_and_nothing_moves(app, world, client, login):
    child, _mother, _user, snils = _leaving_child(app, world, status="enrolled")
    login(client, world.admin)
    text = _enrol(client, snils).get_data(as_text=True)
    assert "числится в другой школе" in text and "когда та школа отметит выбытие" in text
    with app.app_context():
        m.Student.update(status="left").where(m.Student.id == child.id).execute()
    text = _enrol(client, snils, last_name="Петрова").get_data(as_text=True)
    assert "Этот СНИЛС записан у другого человека" in text
    text = _enrol(client, snils, birth_date="04.04.2013").get_data(as_text=True)
    assert "Этот СНИЛС записан у другого человека" in text
    with app.app_context():
        assert m.Student.get_by_id(child.id).school_id == world.other_school.id
        assert m.Consent.select().where(m.Consent.revoked_at.is_null(False)).count() == 0
        assert m.Student.select().count() == 1


def test_an_import_row_of_a_child_from_another_school_says_what_to_do(app, world, client, login):
    released, *_ = _leaving_child(app, world)
    studying = world.student(school=world.other_school, snils=world.new_snils(), last_name="Сомов")
    header = "Фамилия;Имя;Отчество;Дата рождения;Пол;СНИЛС;Класс;Статус"
    rows = [f"Орлова;Анна;;03.04.2013;Ж;{format_snils(released.snils)};6Б;обучается",
            f"Сомов;Пётр;;01.05.2012;М;{format_snils(studying.snils)};6Б;обучается"]
    login(client, world.admin)
    page = finish_job(client, client.post("/registries/import", content_type="multipart/form-data", data={
        "file": (io.BytesIO(("\n".join([header, *rows]) + "\n").encode()), "students.csv")}))
    text = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "выбыл из другой школы (код 0102): зачислите его переводом" in text
    assert "числится в другой школе (код 0102): зачислить его можно, когда та школа отметит выбытие" in text
