"""Brute-force protection: per-login and per-IP limits kept in the database, a lock the admin lifts."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

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
from tests.support import registry_tables

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


def test_after_a_login_the_person_learns_of_failed_attempts_since_the_last_one(app, kid):
    login, password = issue_login(app, kid)
    client = app.test_client()
    first = local_login(client, login, password)
    assert "неудачные попытки" not in client.get(first.headers["Location"]).get_data(as_text=True)
    client.post("/logout")
    guess(app.test_client(), login, 3)
    again = local_login(client, login, password)
    text = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "С вашего прошлого входа были неудачные попытки войти под вашим логином: 3." in text
    client.post("/logout")
    later = local_login(client, login, password)  # counted from the last successful login on
    assert "неудачные попытки" not in client.get(later.headers["Location"]).get_data(as_text=True)


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


def test_the_throttle_holds_across_processes_on_one_database(make_app):
    """Three processes guess the same logins at once: each login gets exactly its five checks.

    Six logins are six bursts, so a race between recording an attempt and counting the
    attempts (which would lock a login one guess early, or let one guess too many through)
    has six chances to show in every run.
    """
    app = make_app(PLUGINS, sections={"auth_local": THROTTLE}, extra={"fake_esia": fake_esia})
    school = School(app)
    school_class = school.school_class()
    kids = [school.student(years_ago(region_today(app), 10), school_class) for _ in range(6)]
    accounts = [issue_login(app, kid) for kid in kids]
    logins = [login for login, _password in accounts]
    with app.app_context():
        config = {
            "eschool": {**{k: v for k, v in app.extensions["eschool"].core_settings.items()
                           if k in ("plugins", "database_url", "instance_path", "region_name")}},
            "auth_local": THROTTLE,
        }
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    ips = [f"10.0.0.{index}" for index in (1, 2, 3)]
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.auth_local.throttle_worker", json.dumps(config), ",".join(logins), "8", ip],
            cwd=REPO, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for ip in ips
    ]
    for worker in workers:  # a barrier: every app is built and warm before any guesses
        assert worker.stdout.readline().strip() == "ready", worker.stderr.read()
    for worker in workers:
        worker.stdin.write("go\n")
        worker.stdin.flush()
    results = []
    for worker in workers:
        out, err = worker.communicate(timeout=180)
        assert worker.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    for index, login in enumerate(logins):
        codes = [code for result in results for code in result[index]]
        assert (codes.count(401), codes.count(429)) == (5, 19), (login, [r[index] for r in results])
        counts = settled(app, login)
        assert counts["failed"] == 5 and counts["throttled"] == 19 and counts["pending"] == 0
    with app.app_context():
        spans = [[a.at for a in LoginAttempt.select().where(LoginAttempt.ip == ip)] for ip in ips]
    for one in spans:  # the workers really overlapped
        for other in spans:
            assert min(one) < max(other)
    # the lock seen by every worker holds for the right password in this process too
    login, password = accounts[0]
    assert local_login(app.test_client(), login, password).status_code == 429
    with app.app_context():
        assert registry_tables().Student.get_by_id(kids[0].id).user_id is not None


def test_an_attempt_counts_only_the_attempts_before_it(app, kid, monkeypatch):
    """Recording and counting are one step: a later attempt cannot make an earlier one over the limit.

    Attempt A has recorded itself and is about to count when attempt B arrives. Were the two
    steps apart, B's row would be in A's count and both would be refused with only four
    passwords checked. B must wait for A instead: A is the fifth and is checked, B the sixth.
    """
    import threading

    from plugins.auth_local import throttle

    login, _password = issue_login(app, kid)
    guess(app.test_client(), login, 4)
    paused, resume = threading.Event(), threading.Event()
    counting = throttle.is_throttled

    def slow_count(attempt, credential):
        if attempt.ip == "192.0.2.1":  # attempt A stops between recording and counting
            paused.set()
            assert resume.wait(30)
        return counting(attempt, credential)

    monkeypatch.setattr(throttle, "is_throttled", slow_count)
    verdicts = {}

    def attempt(ip):
        with app.app_context():
            credential = LocalCredential.get(LocalCredential.login == login)
            verdicts[ip] = throttle.admit(login, ip, credential)[1]
            LoginAttempt._meta.database.close()

    first = threading.Thread(target=attempt, args=("192.0.2.1",))
    first.start()
    assert paused.wait(30)
    second = threading.Thread(target=attempt, args=("192.0.2.2",))
    second.start()
    second.join(1.0)  # time enough for B to record and count, were it allowed to
    resume.set()
    first.join(30)
    second.join(30)
    assert verdicts == {"192.0.2.1": False, "192.0.2.2": True}
