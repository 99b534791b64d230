"""What a family hears about: absences, homework, period grades — each only if chosen — and an adult student."""

from __future__ import annotations

import datetime as dt

from core.api import User, database
from plugins.notifications.models import Delivery
from tests.support import registry_tables


def _cell(client, world, lesson, student, value):
    response = client.post(f"/journal/{world.maths_5a.id}?period={world.period.id}",
                           data={f"c-{lesson.id}-{student.id}": value})
    assert response.status_code == 302


def test_an_absence_is_told_and_a_late_arrival_is_not(app, world, as_, subscribe, run_worker, smtp):
    subscribe(world.parent, email="mama@example.test")
    teacher = as_(world.teacher)
    _cell(teacher, world, world.maths_lessons[-1], world.a1, "Н")
    _cell(teacher, world, world.maths_lessons[-2], world.a1, "ОП")
    assert run_worker().sent == 1
    assert f"урок {world.maths_lessons[-1].date.day} ноября: Отсутствовал" in smtp.texts()[0]


def test_homework_reaches_every_subscribed_family_of_the_class_with_its_due_date(
        app, world, as_, subscribe, run_worker, smtp):
    subscribe(world.parent, email="mama@example.test")
    subscribe(world.other_parent, email="petrova@example.test")
    subscribe(world.parent_no_consent, email="sidorova@example.test")
    lesson = world.maths_lessons[-1]
    response = as_(world.teacher).post(f"/journal/{world.maths_5a.id}/lesson/{lesson.id}",
                                       data={"topic": "Дроби", "homework": "№ 245, 247"})
    assert response.status_code == 302
    result = run_worker()
    assert (result.sent, result.stopped) == (2, 1)  # a3's parent has no consent: the policy stops it
    assert sorted(m["To"] for m in smtp.messages) == ["mama@example.test", "petrova@example.test"]
    with app.app_context():
        from plugins.gradebook.models import Lesson

        due = (Lesson.select().where((Lesson.assignment == world.maths_5a.id) & (Lesson.date > lesson.date))
               .order_by(Lesson.date).first().date)
    for text in smtp.texts():
        assert f"Математика: домашнее задание на {due.day} ноября: № 245, 247" in text


def test_a_period_grade_is_told_with_its_period(app, world, as_, subscribe, run_worker, smtp):
    subscribe(world.parent, email="mama@example.test")
    response = as_(world.teacher).post(f"/journal/{world.maths_5a.id}/attestation",
                                       data={f"g-{world.a1.id}-{world.period.id}": "5"})
    assert response.status_code == 302
    assert run_worker().sent == 1
    assert f"Математика: отметка за {world.period.name} — 5" in smtp.texts()[0]


def test_only_the_chosen_kinds_are_told(app, world, as_, subscribe, run_worker, smtp):
    subscribe(world.parent, email="mama@example.test", kinds="grades")
    _cell(as_(world.teacher), world, world.maths_lessons[-1], world.a1, "2")
    assert run_worker().sent == 0
    with app.app_context():
        assert Delivery.select().count() == 0
    assert smtp.messages == []


def test_an_adult_student_is_told_about_their_own_marks(app, world, as_, subscribe, run_worker, smtp):
    with app.app_context(), database.connection_context():
        reg = registry_tables()
        user = User.create(display_name="Взрослов Максим", role="student")
        adult = reg.Student.create(last_name="Взрослов", first_name="Максим", birth_date=dt.date(2007, 1, 10),
                                   gender="m", school=world.school, school_class=world.class_5a, user=user)
        parent = reg.Parent.get_by_id(world.parent.id)
        reg.Consent.create(subject_student=adult, giver_parent=parent, purpose="progress", text_version="2025-09",
                           given_on=dt.date(2025, 9, 1), channel="paper")
    subscribe(adult, email="max@example.test")
    _cell(as_(world.teacher), world, world.maths_lessons[-1], adult, "4")
    assert run_worker().sent == 1
    assert smtp.messages[0]["To"] == "max@example.test" and "Максим" in smtp.messages[0]["Subject"]
