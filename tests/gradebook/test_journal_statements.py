"""The teacher's journal costs a fixed number of SQL statements, whatever the size of the class (issue 12).

The grid page and a save of thirty cells are counted, not timed: every
statement the driver is given (``execute`` and ``executemany`` alike) while a
request runs. The same requests are made on a class of three students and, after
the class has grown by twenty students and ten lessons with marks, again: the
counts must not move. A save's history and notifications are one statement per
page however many cells changed, apart from the outbox the notifications plugin
writes for each change it is told of (``change_recorded``, its own hook): that is
counted apart.
"""

from __future__ import annotations

import pytest

from core.api import core_settings, utcnow
from plugins.gradebook import journal
from plugins.gradebook.models import Attendance, JournalChange, Lesson, Mark
from plugins.gradebook.rules import is_late
from tests.gradebook.factories import make_student

CELLS = 30


class Statements:
    """The SQL the app's database runs while ``on``; ``executemany`` is one statement."""

    def __init__(self):
        self.sql: list[str] = []
        self.on = False

    def journal(self) -> list[str]:
        """All but the notifications' outbox, written once per announced change by its plugin."""
        return [sql for sql in self.sql if "notifications_event" not in sql]


class _Cursor:
    def __init__(self, cursor, seen: Statements):
        self._cursor, self._seen = cursor, seen

    def execute(self, sql, params=()):
        if self._seen.on:
            self._seen.sql.append(sql)
        self._cursor.execute(sql, params)
        return self

    def executemany(self, sql, rows):
        if self._seen.on:
            self._seen.sql.append(sql)
        self._cursor.executemany(sql, rows)
        return self

    def __iter__(self):
        return iter(self._cursor)

    def __getattr__(self, name):
        return getattr(self._cursor, name)


@pytest.fixture
def statements(app, monkeypatch):
    seen = Statements()
    db_class = type(app.extensions["eschool_db"])
    original = db_class.cursor

    def counting(self, *args, **kwargs):
        return _Cursor(original(self, *args, **kwargs), seen)

    monkeypatch.setattr(db_class, "cursor", counting)
    return seen


def _count(statements: Statements, call) -> tuple[int, int]:
    """(all statements, the journal's own) of one request."""
    statements.sql.clear()
    statements.on = True
    try:
        call()
    finally:
        statements.on = False
    return len(statements.sql), len(statements.journal())


def _lessons(app, world, how_many: int, first_number: int) -> list[Lesson]:
    """``how_many`` more lessons of 5А's maths on the world's today (numbers from ``first_number``)."""
    with app.app_context():
        return [Lesson.create(assignment=world.maths_5a.id, date=world.today, number=first_number + n)
                for n in range(how_many)]


def _grow(app, world) -> list:
    """Twenty more students in 5А, ten more lessons, a mark and an absence of every student on each new lesson."""
    with app.app_context():
        school, school_class = world.a1.school_id, world.a1.school_class_id
        students = [make_student(school, school_class, f"Новиков{n:02d}") for n in range(20)]
    lessons = _lessons(app, world, 10, 30)
    with app.app_context():
        for lesson in lessons:
            lesson.assignment = world.maths_5a
            for student in students:
                journal.set_mark(lesson, student.id, "4", world.teacher.user_id)
                journal.set_attendance(lesson, student.id, "ОП", world.teacher.user_id)
    return students


@pytest.mark.plugins("registries", "auth_local", "gradebook", "notifications")
def test_the_grid_and_a_save_of_thirty_cells_cost_the_same_in_a_small_and_a_large_class(
        app, world, as_, statements):
    client = as_(world.teacher)
    page = f"/journal/{world.maths_5a.id}?period={world.period.id}"
    three = [world.a1, world.a2, world.a3]
    small_lessons = _lessons(app, world, 10, 10)

    def save(cells, value):
        answer = client.post(page, data={f"c-{lesson.id}-{student.id}": value for lesson, student in cells})
        assert answer.status_code == 302, answer.get_data(as_text=True)

    def check(answer):
        assert answer.status_code == 200

    small_cells = [(lesson, student) for lesson in small_lessons for student in three]
    assert len(small_cells) == CELLS
    small_get = _count(statements, lambda: check(client.get(page)))
    small_new = _count(statements, lambda: save(small_cells, "Н 5"))  # 30 new marks and 30 absences
    small_changed = _count(statements, lambda: save(small_cells, "4"))  # 30 marks changed, 30 absences cleared

    students = _grow(app, world)
    more_lessons = _lessons(app, world, 10, 50)
    large_cells = [(lesson, student) for lesson in more_lessons[:2] for student in students[:15]]
    assert len(large_cells) == CELLS
    large_get = _count(statements, lambda: check(client.get(page)))
    large_new = _count(statements, lambda: save(large_cells, "Н 5"))
    large_changed = _count(statements, lambda: save(large_cells, "4"))

    assert large_get == small_get
    assert large_new[1] == small_new[1] and large_changed[1] == small_changed[1]
    assert small_get[0] <= 20, statements.sql
    assert small_new[1] <= 30 and small_changed[1] <= 30  # not one or more statements per cell
    assert small_new[0] - small_new[1] == 2 * CELLS  # the outbox: a new mark and an absence per cell
    with app.app_context():  # and the saves did what they say
        cells = [(lesson.id, student.id) for lesson, student in large_cells]
        marks = {(m.lesson_id, m.student_id): m.value for m in Mark.select().where(
            Mark.lesson.in_([lesson.id for lesson in more_lessons[:2]]))}
        assert [marks[cell] for cell in cells] == ["4"] * CELLS
        assert not Attendance.select().where(Attendance.lesson.in_([lesson.id for lesson in more_lessons])).exists()
        history = JournalChange.select().where(JournalChange.lesson_id == more_lessons[0].id)
        assert history.count() == 4 * 15  # per cell: mark "" → 5 → 4, absence "" → Н → ""


def test_a_page_save_keeps_the_history_and_late_flags_of_single_cell_writes(app, world, as_):
    """The batched save writes what ``set_mark``/``set_attendance`` would: history old → new, ids, late flags."""
    client = as_(world.teacher)
    page = f"/journal/{world.maths_5a.id}?period={world.period.id}"
    old = world.maths_lessons[1]  # a2 is absent there («Н»), a1 has a «4»
    answers = [client.post(page, data={f"c-{old.id}-{world.a2.id}": "Б 3", f"c-{old.id}-{world.a1.id}": ""})]
    answers.append(client.post(page, data={f"c-{old.id}-{world.a2.id}": "Б 3"}))  # nothing changes
    assert [a.status_code for a in answers] == [302, 302]
    with app.app_context():
        mark = Mark.get((Mark.lesson == old.id) & (Mark.student_id == world.a2.id))
        code = Attendance.get((Attendance.lesson == old.id) & (Attendance.student_id == world.a2.id))
        assert (mark.value, code.code) == ("3", "Б")
        days = journal.local_act_for(world.maths_5a.school_id).mark_days
        assert mark.is_late == is_late(old.date, utcnow(), days, core_settings()["timezone"])
        assert not Mark.select().where((Mark.lesson == old.id) & (Mark.student_id == world.a1.id)).exists()
        lines = {(c.kind, c.object_id, c.old_value, c.new_value, c.student_id, c.assignment_id)
                 for c in JournalChange.select().where(JournalChange.lesson_id == old.id)}
        assert ("mark", mark.id, "", "3", world.a2.id, world.maths_5a.id) in lines
        assert ("attendance", code.id, "Н", "Б", world.a2.id, world.maths_5a.id) in lines
        assert any(kind == "mark" and (o, n) == ("4", "") and s == world.a1.id for kind, _i, o, n, s, _a in lines)
