"""The hot pages read the tables that grow with history only through indexes (issue 12, item 3).

A family's progress page must cost the same in May as in October, and the same
in a region of 100,000 students as in one school: no statement the hot pages
run may scan the marks, attendance, lessons, journal history or the audit log.
The test captures the real SQL each page runs (by wrapping the database's
``execute_sql``) and asks the database for its plan: ``EXPLAIN QUERY PLAN`` on
SQLite, ``EXPLAIN`` on PostgreSQL with sequential scans priced out
(``enable_seqscan = off``), so that on a small test data set the planner still
shows a sequential scan only where no index could serve the query.
"""

from __future__ import annotations

import re

import peewee
import pytest

GROWING = ("gradebook_mark", "gradebook_attendance", "gradebook_lesson", "gradebook_journal_change", "audit_record")
ALIAS = re.compile(r'"(\w+)" AS "(t\d+)"')


class Captured:
    """Every statement the app runs while ``on``: (sql, params)."""

    def __init__(self):
        self.statements: list[tuple[str, tuple]] = []
        self.on = False


@pytest.fixture
def captured(app, monkeypatch):
    found = Captured()
    db_class = type(app.extensions["eschool_db"])
    original = db_class.execute_sql

    def recording(self, sql, params=None, *args, **kwargs):
        if found.on:
            found.statements.append((sql, tuple(params or ())))
        return original(self, sql, params, *args, **kwargs)

    monkeypatch.setattr(db_class, "execute_sql", recording)
    return found


def full_scans(app, sql: str, params: tuple) -> list[str]:
    """The plan lines that read a growing table from end to end."""
    db = app.extensions["eschool_db"]
    with app.app_context(), db.connection_context():
        if isinstance(db, peewee.PostgresqlDatabase):
            with db.atomic():
                db.execute_sql("SET LOCAL enable_seqscan = off")
                lines = [row[0] for row in db.execute_sql("EXPLAIN " + sql, params).fetchall()]
            return [line for line in lines if "Seq Scan" in line and any(f" {t} " in line + " " for t in GROWING)]
        tables = {alias: table for table, alias in ALIAS.findall(sql)}
        plan = [row[3] for row in db.execute_sql("EXPLAIN QUERY PLAN " + sql, params).fetchall()]
    scans = []
    for line in plan:
        match = re.match(r"SCAN (\w+)", line)
        if match and tables.get(match.group(1), match.group(1)) in GROWING:
            scans.append(line)
    return scans


def test_hot_pages_scan_no_growing_table(app, world, as_, bearer, captured):
    child = world.a1
    week = world.today.isoformat()
    parent = as_(world.parent)
    token = bearer(world.parent)
    period = world.period.id
    calls = [
        (parent, "get", f"/progress/{child.id}?period={period}", {}, None),
        (parent, "get", f"/progress/{child.id}", {}, None),
        (parent, "get", f"/progress/{child.id}/diary?week={week}", {}, None),
        (parent, "get", f"/progress/{child.id}/report-card", {}, None),
        (app.test_client(), "get", f"/api/v1/students/{child.id}/progress?period={period}", token, None),
        (app.test_client(), "get", f"/api/v1/students/{child.id}/diary?week={week}", token, None),
        (app.test_client(), "get", f"/api/v1/students/{child.id}/report-card", token, None),
    ]
    for client, method, path, headers, data in calls:
        captured.on = True
        answer = getattr(client, method)(path, headers=headers, data=data)
        captured.on = False
        assert answer.status_code == 200, path
    teacher = as_(world.teacher)
    lessons = world.maths_lessons[-3:]
    journal = f"/journal/{world.maths_5a.id}?period={period}"
    captured.on = True
    assert teacher.get(journal).status_code == 200
    cells = {f"c-{lesson.id}-{student.id}": value for lesson in lessons
             for student, value in ((world.a2, "4"), (world.a3, "Н"))}
    assert teacher.post(journal, data=cells).status_code == 302  # saved: a page of changed cells
    captured.on = False
    with app.app_context():  # a corrected mark of the child: «Что нового» reads the history for old → new
        from plugins.gradebook import journal as journal_module

        journal_module.set_mark(world.maths_lessons[1], child.id, "5", world.teacher.user_id)
    parent = as_(world.parent)
    captured.on = True
    page = parent.get(f"/progress/{child.id}?period={period}").get_data(as_text=True)
    captured.on = False
    assert "4 → " in page

    statements = {sql: params for sql, params in captured.statements}
    assert any("gradebook_mark" in sql for sql in statements)  # the capture saw the pages' reads
    assert any(sql.startswith("INSERT INTO \"audit_record\"") for sql in statements)
    scans = {sql: found for sql, params in statements.items() if (found := full_scans(app, sql, params))}
    assert not scans, "\n\n".join(f"{sql}\n  -> {lines}" for sql, lines in scans.items())


def test_the_check_sees_a_full_scan(app, world):
    """The same check on a statement no index serves (marks by value) reports it, on either database."""
    sql = 'SELECT "t1"."id" FROM "gradebook_mark" AS "t1" WHERE ("t1"."value" = %s)'
    if not isinstance(app.extensions["eschool_db"], peewee.PostgresqlDatabase):
        sql = sql.replace("%s", "?")
    assert full_scans(app, sql, ("5",))
