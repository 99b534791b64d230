"""Brute-force protection: per-login and per-IP limits kept in the database, a lock the admin lifts."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.api import service
from plugins.auth_local.models import LocalCredential, LoginAttempt
from tests.age_policy.support import (
    PLUGINS,
    School,
    fake_esia,
    issue_login,
    local_login,
    logged_in,
    region_today,
    years_ago,
)

REPO = Path(__file__).resolve().parents[2]
THROTTLE = {"hash_memory_kib": 1024, "hash_time_cost": 1, "account_max_failures": 5, "ip_max_failures": 1000}


@pytest.fixture
def app(make_app):
    return make_app(PLUGINS, sections={"auth_local": THROTTLE}, extra={"fake_esia": fake_esia})


@pytest.fixture
def school(app):
    return School(app)


@pytest.fixture
def kid(app, school):
    return school.student(years_ago(region_today(app), 10), school.school_class())


def settled(app, login):
    with app.app_context():
        rows = LoginAttempt.select().where(LoginAttempt.login == login)
        return {o: rows.where(LoginAttempt.outcome == o).count() for o in ("failed", "throttled", "ok", "pending")}


def guess(client, login, times):
    return [local_login(client, login, f"guess-{i}").status_code for i in range(times)]


def test_a_login_locks_after_too_many_failures_and_even_the_right_password_waits(app, kid):
    login, password = issue_login(app, kid)
    client = app.test_client()
    assert guess(client, login, 7) == [401] * 5 + [429] * 2
    locked = local_login(client, login, password)
    assert locked.status_code == 429
    assert "Слишком много неудачных попыток" in locked.get_data(as_text=True)
    assert "администратору школы" in locked.get_data(as_text=True)
    assert not logged_in(client)
    assert settled(app, login)["failed"] == 5  # no password was checked while locked


def test_an_unknown_login_is_locked_the_same_way(app):
    client = app.test_client()
    assert guess(client, "nobody1234", 7) == [401] * 5 + [429] * 2


def test_the_school_admin_sees_the_lock_and_lifts_it(app, school, kid, login):
    account, password = issue_login(app, kid)
    guess(app.test_client(), account, 6)
    admin_client = app.test_client()
    login(admin_client, school.admin())
    page = admin_client.get(f"/local/classes/{kid.school_class_id}").get_data(as_text=True)
    assert "вход заблокирован до" in page
    response = admin_client.post(f"/local/students/{kid.id}/unlock")
    assert response.status_code == 302
    assert "вход заблокирован до" not in admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert local_login(app.test_client(), account, password).status_code == 302


def test_a_lock_lifts_by_itself_when_the_window_has_passed(app, kid):
    login, password = issue_login(app, kid)
    guess(app.test_client(), login, 5)
    with app.app_context():
        LocalCredential.update(failures_reset_at=None).execute()
        for attempt in LoginAttempt.select():
            attempt.at -= dt.timedelta(minutes=16)
            attempt.save()
    assert local_login(app.test_client(), login, password).status_code == 302


def test_a_successful_login_restarts_the_failure_count(app, kid):
    login, password = issue_login(app, kid)
    client = app.test_client()
    guess(client, login, 4)
    assert local_login(client, login, password).status_code == 302
    client.post("/logout")
    assert guess(client, login, 4) == [401] * 4


def test_one_address_guessing_many_logins_is_throttled(make_app):
    app = make_app(PLUGINS, sections={"auth_local": {**THROTTLE, "ip_max_failures": 8}},
                   extra={"fake_esia": fake_esia})
    attacker = app.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "203.0.113.7"
    codes = [local_login(attacker, f"user{i}", "guess").status_code for i in range(10)]
    assert codes == [401] * 8 + [429] * 2
    neighbour = app.test_client()
    neighbour.environ_base["REMOTE_ADDR"] = "198.51.100.1"
    assert local_login(neighbour, "user1", "guess").status_code == 401


def test_the_throttle_holds_across_two_processes_on_one_database(make_app):
    app = make_app(PLUGINS, sections={"auth_local": THROTTLE}, extra={"fake_esia": fake_esia})
    school = School(app)
    kid = school.student(years_ago(region_today(app), 10), school.school_class())
    login, password = issue_login(app, kid)
    with app.app_context():
        config = {
            "eschool": {**{k: v for k, v in app.extensions["eschool"].core_settings.items()
                           if k in ("plugins", "database_url", "instance_path", "region_name")}},
            "auth_local": THROTTLE,
        }
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.auth_local.throttle_worker", json.dumps(config), login, "15",
             f"10.0.0.{index}"],
            cwd=REPO, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for index in (1, 2)
    ]
    for worker in workers:  # a barrier: both apps are built and warm before either guesses
        assert worker.stdout.readline().strip() == "ready", worker.stderr.read()
    for worker in workers:
        worker.stdin.write("go\n")
        worker.stdin.flush()
    results = []
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    codes = results[0] + results[1]
    assert codes.count(401) == 5, results  # exactly the limit was checked, whichever process did it
    assert codes.count(429) == 25
    with app.app_context():
        spans = [[a.at for a in LoginAttempt.select().where(LoginAttempt.ip == f"10.0.0.{i}")] for i in (1, 2)]
    assert min(spans[0]) < max(spans[1]) and min(spans[1]) < max(spans[0])  # the workers really overlapped
    counts = settled(app, login)
    assert counts["failed"] == 5 and counts["throttled"] == 25 and counts["pending"] == 0
    # the lock seen by both workers holds for the right password in this process too
    assert local_login(app.test_client(), login, password).status_code == 429
    with app.app_context():
        assert service("registries").Student.get_by_id(kid.id).user_id is not None


def test_old_attempts_are_pruned_so_the_table_does_not_grow_forever(app):
    with app.app_context():
        old = dt.datetime(2020, 1, 1)
        LoginAttempt.insert_many([{"login": f"x{i}", "ip": "1.1.1.1", "at": old, "outcome": "failed"}
                                  for i in range(99)]).execute()
    client = app.test_client()
    for i in range(5):
        local_login(client, f"y{i}", "guess")
    with app.app_context():
        assert not LoginAttempt.select().where(LoginAttempt.at == dt.datetime(2020, 1, 1)).exists()
