"""The access log's filters read the audit log through indexes, never from end to end (issue 16, item 2).

The log of a region grows by millions of records a year; each filter of «Журнал доступа» — by person, child,
school, action, outcome, dates, and the first and a deep page — must cost a page's worth of rows, not the
table. The test runs the real page with each filter, captures the SQL it sends and asks SQLite for
``EXPLAIN QUERY PLAN`` (``EXPLAIN`` with sequential scans priced out on PostgreSQL), like
``tests/gradebook/test_query_plans.py``. ``bench/audit_log.py`` times the same filters over 1,000,000 records.
No timing here.
"""

from __future__ import annotations

import datetime as dt
import re

import peewee
import pytest

from core.models import User
from tests.gradebook.factories import build_world, user_of

ALIAS = re.compile(r'"(\w+)" AS "(t\d+)"')


@pytest.fixture
def world(app):
    return build_world(app)


@pytest.fixture
def captured(app, monkeypatch):
    statements: list[tuple[str, tuple]] = []
    state = {"on": False}
    db_class = type(app.extensions["eschool_db"])
    original = db_class.execute_sql

    def recording(self, sql, params=None, *args, **kwargs):
        if state["on"] and sql.lstrip().upper().startswith("SELECT") and "audit_record" in sql:
            statements.append((sql, tuple(params or ())))
        return original(self, sql, params, *args, **kwargs)

    monkeypatch.setattr(db_class, "execute_sql", recording)
    return statements, state


def audit_scans(app, sql: str, params: tuple) -> list[str]:
    """The plan lines that read the audit table from end to end."""
    db = app.extensions["eschool_db"]
    with app.app_context(), db.connection_context():
        if isinstance(db, peewee.PostgresqlDatabase):
            with db.atomic():
                db.execute_sql("SET LOCAL enable_seqscan = off")
                lines = [row[0] for row in db.execute_sql("EXPLAIN " + sql, params).fetchall()]
            return [line for line in lines if "Seq Scan" in line and " audit_record " in line + " "]
        tables = {alias: table for table, alias in ALIAS.findall(sql)}
        plan = [row[3] for row in db.execute_sql("EXPLAIN QUERY PLAN " + sql, params).fetchall()]
    return [line for line in plan
            if (m := re.match(r"SCAN (\w+)", line)) and tables.get(m.group(1), m.group(1)) == "audit_record"]


def filters(world, deep: int) -> list[str]:
    today = world.today.isoformat()
    # «по» a past day: a «по» today with nothing newer is the first page (the newest rows, then a stop)
    yesterday = (world.today - dt.timedelta(days=1)).isoformat()
    return [
        f"who={world.teacher.user_id}",
        f"about=student:{world.a1.id}",
        f"about=school:{world.school.id}",
        "action=progress.read",
        "result=denied",
        "result=failed",
        f"from={today}&to={today}",
        f"to={yesterday}",
        f"action=student.read&result=ok&from={today}",
        f"before={deep}",
        f"result=refused&before={deep}",
    ]


def test_every_filter_of_the_access_log_reads_the_audit_table_through_an_index(app, world, login, captured):
    statements, state = captured
    with app.app_context():
        operator = User.create(display_name="Операторова Ирина", role="operator")  # i18n: data
        readers = [user_of(world.admin), user_of(world.municipal), operator]
    deep = 1_000_000  # a cursor deep in a long log
    checked = 0
    for reader in readers:
        client = app.test_client()
        with app.app_context():
            login(client, reader)
        pages = [""] if reader.role != "operator" else []  # the operator's unfiltered page walks the newest 51
        for query in pages + filters(world, deep):
            statements.clear()
            state["on"] = True
            response = client.get(f"/admin/audit?{query}")
            state["on"] = False
            assert response.status_code == 200, (reader.role, query)
            assert statements, query
            for sql, params in statements:
                checked += 1
                assert audit_scans(app, sql, params) == [], (reader.role, query, sql)
    assert checked > 30


def test_the_outcome_filter_has_its_own_index(app):
    db = app.extensions["eschool_db"]
    with app.app_context(), db.connection_context():
        indexes = {i.name: i.columns for i in db.get_indexes("audit_record")}
    assert ["result"] in indexes.values(), indexes
