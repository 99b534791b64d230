"""A write that cannot get its lock in time is answered «попробуйте ещё раз» (503), with what was typed kept.

Another connection holds the write lock until the test has the answer, so nothing
depends on timing: the app's lock timeout is set short only so the test is quick.
"""

from __future__ import annotations

import html
import re
import sqlite3
import threading
from contextlib import contextmanager

import pytest

from core.api import create_api_token
from core.models import AuditRecord
from plugins.gradebook.models import Lesson
from tests.conftest import PG_ADMIN_URL
from tests.gradebook.factories import build_world, user_of

SHORT = {"db_lock_timeout": 0.3}


@contextmanager
def write_lock_held(app, table: str):
    """Another connection of the same database holds a write lock on ``table`` (SQLite: the whole file)."""
    locked, release = threading.Event(), threading.Event()
    failure = []

    def hold():
        try:
            with app.app_context():
                db = app.extensions["eschool_db"]
                db.connect(reuse_if_open=True)
                with db.atomic():  # SQLite: BEGIN IMMEDIATE behind the write gate
                    if PG_ADMIN_URL:
                        db.execute_sql(f'LOCK TABLE "{table}" IN EXCLUSIVE MODE')
                    locked.set()
                    release.wait()
                db.close()
        except BaseException as exc:  # surfaced below
            failure.append(exc)
            locked.set()

    holder = threading.Thread(target=hold)
    holder.start()
    locked.wait()
    assert not failure, failure
    try:
        yield
    finally:
        release.set()
        holder.join()


def hidden_fields(page: str) -> dict[str, str]:
    return {html.unescape(n): html.unescape(v)
            for n, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page)}


@pytest.fixture
def busy_app(make_app):
    app = make_app(core=SHORT)
    return app, build_world(app)


def test_a_lesson_saved_while_the_database_is_busy_gets_try_again_and_keeps_the_topic(busy_app, login):
    app, world = busy_app
    with app.app_context():
        lesson = world.maths_lessons[0]
        teacher = user_of(world.teacher)
    client = app.test_client()
    login(client, teacher)
    url = f"/journal/{world.maths_5a.id}/lesson/{lesson.id}"
    with write_lock_held(app, Lesson._meta.table_name):
        response = client.post(url, data={"topic": "Дроби <и> «проценты»", "homework": "№ 5"})
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "попробуйте ещё раз" in page
    fields = hidden_fields(page)
    assert fields["topic"] == "Дроби <и> «проценты»" and fields["homework"] == "№ 5"
    with app.app_context():
        assert Lesson.get_by_id(lesson.id).topic == ""
    again = client.post(url, data={k: v for k, v in fields.items() if k != "csrf_token"})
    assert again.status_code == 302
    with app.app_context():
        assert Lesson.get_by_id(lesson.id).topic == "Дроби <и> «проценты»"


def test_the_api_answers_503_with_retry_after_while_the_database_is_busy(busy_app):
    app, world = busy_app
    with app.test_request_context():
        _, token = create_api_token(user_of(world.parent), "test")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    with write_lock_held(app, AuditRecord._meta.table_name):
        response = client.get(f"/api/v1/students/{world.a1.id}/progress", headers=headers)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.get_json()["error"] == "busy"
    assert "попробуйте ещё раз" in response.get_json()["message"]
    assert client.get(f"/api/v1/students/{world.a1.id}/progress", headers=headers).status_code == 200


@pytest.mark.skipif(bool(PG_ADMIN_URL), reason="a lock taken by a program outside the app: SQLite's own busy timeout")
def test_a_writer_outside_the_app_holding_sqlite_gets_the_same_answer(busy_app, login):
    app, world = busy_app
    with app.app_context():
        lesson = world.maths_lessons[0]
        teacher = user_of(world.teacher)
        path = app.extensions["eschool_db"].database
    client = app.test_client()
    login(client, teacher)
    outside = sqlite3.connect(path, isolation_level=None)
    outside.execute("BEGIN IMMEDIATE")
    try:
        response = client.post(f"/journal/{world.maths_5a.id}/lesson/{lesson.id}", data={"topic": "Дроби"})
    finally:
        outside.execute("ROLLBACK")
        outside.close()
    assert response.status_code == 503
    assert hidden_fields(response.get_data(as_text=True))["topic"] == "Дроби"
