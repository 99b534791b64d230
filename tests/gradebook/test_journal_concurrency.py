"""Two saves of the same journal cells at once take turns: neither fails, the second sees the first (issue 12).

The load bench found it on PostgreSQL: four teachers' browsers saving the same page at once, one save got a
500 (both had read «no mark» and both inserted one). The test stops the first save right after it has read
what is stored, starts the second, waits until the database shows the second one waiting for the first (a
lock on PostgreSQL, the write gate on SQLite), then lets the first go on. No timing is assumed.
"""

from __future__ import annotations

import threading
import time

import peewee
import pytest

from core.api import database
from plugins.gradebook import journal
from plugins.gradebook.models import JournalChange, Lesson, Mark

GUARD = 60  # seconds: only so a broken run fails instead of hanging


def _waiting(app) -> bool:
    """True once another transaction is queued behind the one holding its turn."""
    with app.app_context():
        db = database.obj
        if isinstance(db, peewee.PostgresqlDatabase):
            (n,) = db.execute_sql("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                  "AND datname = current_database()").fetchone()
            return n > 0
    return any(t.name == "eschool-writegate" and t.is_alive() for t in threading.enumerate())


@pytest.mark.plugins("registries", "auth_local", "gradebook")
def test_two_saves_of_the_same_cells_at_once_both_succeed(app, world, monkeypatch):
    with app.app_context():
        lessons = [Lesson.create(assignment=world.maths_5a.id, date=world.today, number=40 + n) for n in range(3)]
        grid = {g.id: g for g in journal.grid_lessons(world.maths_5a.id, world.today, world.today)}
        students = [world.a1, world.a2, world.a3]
    first_read, go_on = threading.Event(), threading.Event()
    reads = []
    real = journal._marks_now

    def marks_now(*args, **kwargs):
        found = real(*args, **kwargs)
        reads.append(threading.current_thread().name)
        if threading.current_thread().name == "first":
            first_read.set()
            assert go_on.wait(GUARD)
        return found

    monkeypatch.setattr(journal, "_marks_now", marks_now)
    errors: list[BaseException] = []
    changed: dict[str, int] = {}

    def save(name: str, value: str) -> None:
        try:
            with app.app_context(), database.atomic():
                assignment = type(world.maths_5a).get_by_id(world.maths_5a.id)
                cells = {(lesson.id, s.id): journal.CellValue(mark=value) for lesson in lessons for s in students}
                changed[name] = journal.save_cells(assignment, grid, cells, world.teacher.user_id)
        except Exception as exc:  # noqa: BLE001 - any failure of a save is reported below
            errors.append(exc)

    first = threading.Thread(target=save, args=("first", "5"), name="first")
    second = threading.Thread(target=save, args=("second", "4"), name="second")
    first.start()
    assert first_read.wait(GUARD)
    second.start()
    deadline = time.monotonic() + GUARD
    while not _waiting(app) and "second" not in reads:
        assert time.monotonic() < deadline, "the second save neither waited nor read"
        time.sleep(0.01)
    go_on.set()
    first.join(GUARD)
    second.join(GUARD)
    assert errors == []
    assert reads.index("second") > max(i for i, name in enumerate(reads) if name == "first")  # after its writes
    assert changed == {"first": 9, "second": 9}
    with app.app_context():
        marks = list(Mark.select(Mark.value).where(Mark.lesson.in_([lesson.id for lesson in lessons])).tuples())
        history = list(JournalChange.select(JournalChange.old_value, JournalChange.new_value)
                       .where(JournalChange.lesson_id.in_([lesson.id for lesson in lessons])).tuples())
    assert sorted(marks) == [("4",)] * 9  # one mark per cell, the second save's
    assert sorted(history) == sorted([("", "5")] * 9 + [("5", "4")] * 9)
