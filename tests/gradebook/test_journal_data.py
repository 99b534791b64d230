"""Journal data: entry time apart from the lesson date, full change history, late flags, the archive."""

import datetime as dt

import pytest

from plugins.gradebook import journal, queries
from plugins.gradebook.models import JournalChange, Lesson, Mark
from tests.gradebook.factories import build_world, work_type


def _lesson(assignment, on):
    return Lesson.create(assignment=assignment.id, date=on, number=1)


def test_entry_time_is_stored_apart_from_the_lesson_date(app, world):
    with app.app_context():
        old = _lesson(world.maths_5a, world.period.starts_on)
        now = dt.datetime(2030, 1, 1, 9, 0)
        mark = journal.set_mark(old, world.a1.id, "4", world.teacher.user_id, now=now)
        assert mark.lesson_date == world.period.starts_on
        assert mark.entered_at == now
        changed = queries.marks_changed_since([world.a1.id], now - dt.timedelta(seconds=1))
        assert [(c.new_value, c.lesson_date) for c in changed] == [("4", world.period.starts_on)]
        assert queries.marks_changed_since([world.a1.id], now) == []


def test_every_change_of_a_mark_is_kept_old_to_new_with_who_and_when(app, world):
    with app.app_context():
        lesson = _lesson(world.maths_5a, world.today)
        teacher = world.teacher.user_id
        mark = journal.set_mark(lesson, world.a2.id, "3", teacher)
        journal.set_mark(lesson, world.a2.id, "4", teacher, comment="исправил ошибки")
        journal.set_mark(lesson, world.a2.id, "", teacher)
        assert Mark.get_or_none(Mark.id == mark.id) is None
        history = [(c.field, c.old_value, c.new_value, c.changed_by) for c in queries.mark_history(mark.id)]
        assert history == [
            ("value", "", "3", teacher),
            ("value", "3", "4", teacher),
            ("comment", "", "исправил ошибки", teacher),
            ("value", "4", "", teacher),
        ]
        assert all(c.changed_at is not None for c in JournalChange.select())


def test_marks_entered_after_the_local_act_deadline_are_flagged_late(app, world):
    with app.app_context():
        lesson = _lesson(world.maths_5a, dt.date(2030, 3, 4))
        noon = dt.time(9, 0)
        on_time = journal.set_mark(lesson, world.a1.id, "5", 1, now=dt.datetime.combine(dt.date(2030, 3, 7), noon))
        late = journal.set_mark(lesson, world.a2.id, "5", 1, now=dt.datetime.combine(dt.date(2030, 3, 8), noon))
        written = work_type(world.school, "Контрольная работа")
        written_ok = journal.set_mark(lesson, world.a3.id, "4", 1, work_type=written,
                                      now=dt.datetime.combine(dt.date(2030, 3, 11), noon))
        absence = journal.set_attendance(lesson, world.a3.id, "Н", 1,
                                         now=dt.datetime.combine(dt.date(2030, 3, 5), noon))
        assert (on_time.is_late, late.is_late, written_ok.is_late, absence.is_late) == (False, True, False, True)
        journal.set_lesson_text(lesson, 1, topic="Дроби", now=dt.datetime.combine(dt.date(2030, 3, 4), noon))
        assert Lesson.get_by_id(lesson.id).topic_late is False


def test_a_closed_year_is_read_only_but_families_still_read_it(app, world, as_):
    with app.app_context():
        lesson = world.maths_lessons[0]
        journal.close_year(world.year, world.admin.user_id)
        with pytest.raises(journal.YearClosed):
            journal.set_mark(lesson, world.a1.id, "2", world.teacher.user_id)
    client = as_(world.teacher)
    refused = client.post(f"/journal/{world.maths_5a.id}?period={world.period.id}",
                          data={f"c-{lesson.id}-{world.a1.id}": "2"})
    assert refused.status_code == 403
    assert "только для чтения" in client.get(f"/journal/{world.maths_5a.id}").get_data(as_text=True)
    page = as_(world.parent).get(f"/progress/{world.a1.id}?period={world.period.id}")
    assert page.status_code == 200
    assert "архив" in page.get_data(as_text=True)


def test_world_has_a_quarter_year_with_holidays(app):
    w = build_world(app, today=dt.date(2025, 11, 12))
    with app.app_context():
        assert [p.name for p in queries.periods_of(w.year)][1] == "II четверть"
        assert w.period.name == "II четверть"
        assert Lesson.select().where(Lesson.date == dt.date(2025, 11, 3)).count() == 0  # autumn holidays
