"""Operations: backup and restore, structured logs, and no connection leaks under errors."""

import json
import logging
import threading

import pytest
import requests
from flask import Blueprint
from werkzeug.serving import make_server

from core.api import public
from core.models import User


def test_backup_damage_restore_brings_the_data_back(make_app, make_user, tmp_path):
    app = make_app([])
    for i in range(5):
        make_user("parent", f"Родитель {i}", app=app)
    runner = app.test_cli_runner()
    target = tmp_path / "backup.dump"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert target.stat().st_size > 0

    with app.app_context():
        User.delete().where(User.display_name != "Родитель 0").execute()
        User.update(display_name="испорчено").execute()
        assert [u.display_name for u in User.select()] == ["испорчено"]

    result = runner.invoke(args=["restore", "--yes", str(target)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        names = sorted(u.display_name for u in User.select())
    assert names == [f"Родитель {i}" for i in range(5)]


def test_restore_of_a_missing_file_fails_cleanly(make_app, tmp_path):
    result = make_app([]).test_cli_runner().invoke(args=["restore", "--yes", str(tmp_path / "none.dump")])
    assert result.exit_code != 0 and "does not exist" in result.output


def test_json_logs_have_one_line_per_request_without_query_strings(make_app, caplog):
    app = make_app([], core={"log_format": "json"})
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logging.getLogger("eschool.request").addHandler(handler)
    try:
        app.test_client().get("/login?code=SECRET-CODE")
    finally:
        logging.getLogger("eschool.request").removeHandler(handler)
    from core.logs import JsonFormatter

    line = json.loads(JsonFormatter().format(records[-1]))
    assert (line["method"], line["path"], line["status"]) == ("GET", "/login", 200)
    assert "SECRET-CODE" not in json.dumps(line)


@pytest.fixture
def failing_app(make_app):
    app = make_app([])
    bp = Blueprint("flaky", __name__)

    @bp.route("/flaky/<int:n>")
    @public
    def flaky(n):
        User.select().count()  # every request touches the database
        if n % 10 == 0:
            raise RuntimeError("planned failure")
        return "ok"

    app.register_blueprint(bp)
    return app


def test_a_thousand_requests_with_ten_percent_errors_leave_no_connection_open(failing_app):
    db = failing_app.extensions["eschool_db"]
    opened, closed = [], []
    original_connect, original_close = db._connect, db._close

    def counting_connect(*args, **kwargs):
        conn = original_connect(*args, **kwargs)
        opened.append(id(conn))
        return conn

    def counting_close(conn, *args, **kwargs):
        closed.append(id(conn))
        return original_close(conn, *args, **kwargs)

    db._connect, db._close = counting_connect, counting_close
    server = make_server("127.0.0.1", 0, failing_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    statuses = {}
    try:
        with requests.Session() as http:
            for n in range(1, 1001):
                status = http.get(f"http://127.0.0.1:{server.port}/flaky/{n}", timeout=10).status_code
                statuses[status] = statuses.get(status, 0) + 1
    finally:
        server.shutdown()
        thread.join()
    assert statuses == {200: 900, 500: 100}
    in_use = len(getattr(db, "_in_use", {}))
    pooled = hasattr(db, "_in_use")
    print(f"\n1000 requests ({statuses}): {len(opened)} connections opened ({len(set(opened))} distinct), "
          f"{len(closed)} closed, {in_use} checked out of the {'pool' if pooled else 'SQLite database'}")
    assert in_use == 0
    if pooled:  # checkouts reuse a few real connections, all back in the pool
        assert len(set(opened)) <= failing_app.extensions["eschool"].core_settings["db_pool_size"]
        assert len(opened) == len(closed) >= 1000
    else:
        assert len(opened) == len(closed) and len(opened) >= 1000


@pytest.mark.covers_hook("demo_data")
def test_demo_is_reproducible_prints_logins_and_keeps_an_existing_demo(hook_app):
    from tests.core.hookplugin import Note

    app = hook_app(migrate=False)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "--students", "30", "--seed", "7"])
    assert first.exit_code == 0, first.output
    with app.app_context():
        assert Note.select().count() == 30
        name = User.get(User.role == "parent").display_name
    assert name in first.output and "Accounts to try" in first.output

    again = runner.invoke(args=["demo", "--if-empty"])
    assert again.exit_code == 0 and "already there" in again.output and name in again.output
    refused = runner.invoke(args=["demo"])
    assert refused.exit_code != 0 and "--reset" in refused.output

    reset = runner.invoke(args=["demo", "--reset", "--students", "5", "--seed", "7"])
    assert reset.exit_code == 0, reset.output
    with app.app_context():
        assert Note.select().count() == 5
        assert User.get(User.role == "parent").display_name == name  # same seed, same data
