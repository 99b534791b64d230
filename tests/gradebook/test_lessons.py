"""Lessons themselves: an extra lesson, a lesson moved to another day or room, a cancelled empty one."""

import datetime as dt

from babel.dates import format_date

from core.models import AuditRecord
from plugins.gradebook import journal
from plugins.gradebook.models import Attendance, JournalChange, Lesson, Mark
from tests.gradebook.factories import user_of


def _lesson_url(world, lesson, tail=""):
    return f"/journal/{world.maths_5a.id}/lesson/{lesson.id}{tail}"


def test_the_teacher_adds_an_extra_lesson_and_it_is_in_the_history(app, world, as_):
    client = as_(world.teacher)
    assert "Добавить урок" in client.get(f"/journal/{world.maths_5a.id}").get_data(as_text=True)
    form = client.get(f"/journal/{world.maths_5a.id}/lessons/new")
    assert form.status_code == 200 and world.today.isoformat() in form.get_data(as_text=True)
    day = world.today - dt.timedelta(days=1)
    made = client.post(f"/journal/{world.maths_5a.id}/lessons/new", data={
        "date": day.isoformat(), "number": "7", "starts_at": "14:00", "ends_at": "14:40", "room": "12"})
    assert made.status_code == 302
    with app.app_context():
        lesson = Lesson.get((Lesson.assignment == world.maths_5a.id) & (Lesson.number == 7))
        assert (lesson.date, lesson.starts_at, lesson.ends_at, lesson.room) == (day, dt.time(14), dt.time(14, 40),
                                                                                "12")
        assert made.headers["Location"].endswith(_lesson_url(world, lesson))
        assert JournalChange.get((JournalChange.lesson_id == lesson.id)
                                 & (JournalChange.field == "created")).changed_by == world.teacher.user_id
    grid = client.get(f"/journal/{world.maths_5a.id}?period={world.period.id}").get_data(as_text=True)
    assert _lesson_url(world, lesson) in grid
    history = client.get(f"/journal/{world.maths_5a.id}/history").get_data(as_text=True)
    assert "Урок добавлен" in history


def test_bad_lesson_input_gives_russian_field_errors_and_adds_nothing(app, world, as_):
    client = as_(world.teacher)
    taken = world.maths_lessons[-1]
    with app.app_context():
        before = Lesson.select().count()
    cases = [
        ({"date": "", "number": "1"}, "date", "Заполните это поле."),
        ({"date": "вчера", "number": "1"}, "date", "Введите дату в виде ГГГГ-ММ-ДД."),
        ({"date": world.today.isoformat(), "number": "13"}, "number", "Номер урока от 0 до 12."),
        ({"date": world.today.isoformat(), "number": "2", "starts_at": "10:00", "ends_at": "09:15"}, "ends_at",
         "Конец урока должен быть позже начала."),
        ({"date": world.today.isoformat(), "number": "2", "starts_at": "25:99"}, "starts_at", "Время в виде ЧЧ:ММ."),
        ({"date": (world.year.ends_on + dt.timedelta(days=3)).isoformat(), "number": "1"}, "date",
         "Дата вне учебного года"),
        ({"date": taken.date.isoformat(), "number": str(taken.number)}, "number",
         f"В этот день в журнале уже есть {taken.number}-й урок."),
    ]
    for data, field, message in cases:
        answer = client.post(f"/journal/{world.maths_5a.id}/lessons/new", data=data)
        text = answer.get_data(as_text=True)
        assert answer.status_code == 422, data
        assert f'id="err-{field}">{message}' in text, (data, field)
    with app.app_context():
        assert Lesson.select().count() == before


def test_a_moved_lesson_takes_its_marks_and_attendance_along(app, world, as_):
    marked = world.maths_lessons[1]  # a1 has a 4 here and a2 is absent (factories)
    new_day = marked.date - dt.timedelta(days=1)
    client = as_(world.teacher)
    moved = client.post(_lesson_url(world, marked, "/schedule"), data={
        "date": new_day.isoformat(), "number": "6", "starts_at": "", "ends_at": "", "room": "Спортзал"})
    assert moved.status_code == 302
    with app.app_context():
        assert Lesson.get_by_id(marked.id).date == new_day
        assert {m.lesson_date for m in Mark.select().where(Mark.lesson == marked.id)} == {new_day}
        assert {a.lesson_date for a in Attendance.select().where(Attendance.lesson == marked.id)} == {new_day}
        fields = {c.field: (c.old_value, c.new_value) for c in JournalChange.select().where(
            (JournalChange.lesson_id == marked.id) & (JournalChange.kind == "lesson"))}
    assert fields["date"] == (marked.date.isoformat(), new_day.isoformat())
    assert fields["room"] == (marked.room, "Спортзал")
    history = client.get(f"/journal/{world.maths_5a.id}/history").get_data(as_text=True)
    assert "Дата урока" in history and "Кабинет" in history
    # the parent sees the mark on the lesson's new day
    progress = as_(world.parent).get(f"/progress/{world.a1.id}?period={world.period.id}").get_data(as_text=True)
    assert format_date(new_day, "d MMM", locale="ru") in progress


def test_a_lesson_with_marks_does_not_move_into_the_future(app, world, as_):
    marked = world.maths_lessons[1]
    client = as_(world.teacher)
    answer = client.post(_lesson_url(world, marked, "/schedule"), data={
        "date": (world.today + dt.timedelta(days=2)).isoformat(), "number": "6"})
    assert answer.status_code == 422
    assert "перенести его можно только на прошедшую или сегодняшнюю дату" in answer.get_data(as_text=True)
    with app.app_context():
        assert Lesson.get_by_id(marked.id).date == marked.date
        assert {m.lesson_date for m in Mark.select().where(Mark.lesson == marked.id)} == {marked.date}


def test_only_an_empty_lesson_is_deleted(app, world, as_):
    with app.app_context():
        empty = (Lesson.select().where((Lesson.assignment == world.maths_5a.id) & (Lesson.date > world.today))
                 .order_by(Lesson.date).first())
    marked = world.maths_lessons[0]
    client = as_(world.deputy)  # the deputy makes timetable changes too
    refused = client.post(_lesson_url(world, marked, "/delete"), follow_redirects=True)
    assert "поэтому его нельзя удалить" in refused.get_data(as_text=True)
    gone = client.post(_lesson_url(world, empty, "/delete"))
    assert gone.status_code == 302 and f"/journal/{world.maths_5a.id}" in gone.headers["Location"]
    with app.app_context():
        assert Lesson.get_or_none(Lesson.id == marked.id) is not None
        assert Lesson.get_or_none(Lesson.id == empty.id) is None
        deleted = JournalChange.get((JournalChange.lesson_id == empty.id) & (JournalChange.field == "deleted"))
        assert deleted.changed_by == world.deputy.user_id
        assert AuditRecord.select().where((AuditRecord.action == "journal.write")
                                          & (AuditRecord.object_id == str(empty.id))).count() == 1


def test_other_teachers_and_a_closed_year_cannot_change_lessons(app, world, as_):
    lesson = world.maths_lessons[-1]
    assert as_(world.other_teacher).post(_lesson_url(world, lesson, "/delete")).status_code == 403
    assert as_(world.class_teacher).get(_lesson_url(world, lesson, "/schedule")).status_code == 403
    with app.app_context():
        journal.close_year(world.year, user_of(world.admin).id)
    client = as_(world.teacher)
    assert client.get(f"/journal/{world.maths_5a.id}/lessons/new").status_code == 403
    assert client.post(_lesson_url(world, lesson, "/schedule"), data={
        "date": lesson.date.isoformat(), "number": "5"}).status_code == 403
    assert "Добавить урок" not in client.get(f"/journal/{world.maths_5a.id}").get_data(as_text=True)
