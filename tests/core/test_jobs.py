"""Background jobs (``core.jobs``): started from a page, followed on their own page, run by a thread of the web
process or by ``eschool jobs worker``, their result kept for the owner only and their failure told in Russian.

Nothing here waits for a clock: the jobs of the test plugin stop at events the test sets, and the claims of
two workers meet at a barrier or inside each other's transaction.
"""

from __future__ import annotations

import threading
import types

import pytest
from flask import Blueprint
from lxml import html

from core import jobs
from core.api import JobError, JobKind, JobResult, follow_job, hookimpl, login_required, start_job
from core.models import AuditRecord, User
from tests.conftest import PG_ADMIN_URL

WAIT = 30  # seconds: only a guard against a hung test, never what a test measures


class Steps:
    """The events a running ``test.steps`` job stops at."""

    def __init__(self):
        self.reached = threading.Event()
        self.go = threading.Event()


STEPS = Steps()


def run_steps(ctx):
    ctx.progress(1, 3, "Первый шаг")
    STEPS.reached.set()
    assert STEPS.go.wait(WAIT)
    ctx.progress(2, 3, "Второй шаг")
    return JobResult(f"готово для {ctx.actor.display_name}".encode(), "otchet.txt", "text/plain")


def run_refused(ctx):
    raise JobError("В файле нет ни одной строки.")


def run_crash(ctx):
    raise RuntimeError("internal detail that must not reach the page")


def run_secret(ctx):
    return JobResult("пароль-листок 7kq2m".encode(), "listki.html", "text/html; charset=utf-8")


def make_plugin():
    bp = Blueprint("jobtester", __name__)

    @bp.route("/test-jobs/<kind>", methods=["POST"])
    @login_required
    def start(kind):
        return follow_job(start_job(f"test.{kind}", {"n": 1}))

    plugin = types.SimpleNamespace()
    plugin.blueprints = hookimpl(lambda: [bp])
    plugin.job_kinds = hookimpl(lambda: [
        JobKind("test.steps", "Проверочное задание", run_steps),
        JobKind("test.refused", "Отклоняемое задание", run_refused),
        JobKind("test.crash", "Падающее задание", run_crash),
        JobKind("test.secret", "Личное задание", run_secret, personal=True, same_session=True),
    ])
    return plugin


@pytest.fixture
def build(make_app):
    def factory(**core):
        return make_app(["jobtester"], extra={"jobtester": make_plugin()}, core=core)

    return factory


@pytest.fixture(autouse=True)
def fresh_steps():
    global STEPS
    STEPS = Steps()
    yield
    STEPS.go.set()  # never leave a job thread waiting


def person(app, login, name="Завуч Иванова", role="school_admin"):
    client = app.test_client()
    with app.app_context():
        user = User.create(display_name=name, role=role)
    login(client, user)
    return client, user


def job_id_of(response) -> int:
    assert response.status_code == 303
    return int(response.headers["Location"].rsplit("/", 1)[1])


@pytest.mark.covers_hook("job_kinds")
def test_a_job_shows_its_progress_across_reloads_and_then_its_result(build, login):
    app = build()
    client, _user = person(app, login)
    job_id = job_id_of(client.post("/test-jobs/steps"))
    assert STEPS.reached.wait(WAIT)
    progress = client.get(f"/jobs/{job_id}/progress").get_json()
    assert progress["state"] == "running" and (progress["done"], progress["total"]) == (1, 3)
    assert progress["stage"] == "Первый шаг" and progress["percent"] == 33 and not progress["has_result"]
    for _reload in range(2):  # the page is the same after a reload: the progress is stored, not in the request
        page = html.fromstring(client.get(f"/jobs/{job_id}").get_data(as_text=True))
        assert page.xpath("string(//progress/@value)") == "33"
        assert "Первый шаг" in page.xpath("string(//p[@class='job-stage'])")
        assert page.xpath("//noscript/meta[@http-equiv='refresh']"), "without JavaScript the page refreshes itself"
        assert page.xpath("//p[contains(@class, 'job-result')][@hidden]"), "no result to open yet"
    listed = html.fromstring(client.get("/jobs").get_data(as_text=True))
    assert "Проверочное задание" in listed.xpath("string(//table)") and "выполняется" in listed.xpath("string(//table)")
    assert client.get(f"/jobs/{job_id}/result").status_code == 404  # not done yet
    STEPS.go.set()
    jobs.join(job_id, WAIT)
    done = client.get(f"/jobs/{job_id}/progress").get_json()
    assert done["state"] == "done" and done["percent"] == 100 and done["has_result"]
    page = html.fromstring(client.get(f"/jobs/{job_id}").get_data(as_text=True))
    assert not page.xpath("//noscript/meta") and page.xpath("string(//progress/@value)") == "100"
    result = client.get(page.xpath("//p[contains(@class, 'job-result')]/a/@href")[0])
    assert result.status_code == 200 and result.get_data(as_text=True) == "готово для Завуч Иванова"
    assert "attachment" in result.headers["Content-Disposition"]
    with app.app_context():
        [record] = AuditRecord.select().where(AuditRecord.action == "job.download")
        assert record.object_type == "job" and record.object_id == str(job_id) and record.result == "ok"


def test_two_plugins_naming_one_kind_of_job_stop_the_runner(make_app):
    twin = types.SimpleNamespace(job_kinds=hookimpl(lambda: [JobKind("test.steps", "Двойник", run_steps)]))
    app = make_app(["jobtester", "twin"], extra={"jobtester": make_plugin(), "twin": twin})
    with pytest.raises(ValueError, match="test.steps"):
        jobs.kinds(app)


def test_only_the_owner_sees_a_job_and_its_result(build, login):
    app = build()
    owner, _ = person(app, login)
    stranger, _ = person(app, login, name="Другой Завуч")
    STEPS.go.set()
    job_id = job_id_of(owner.post("/test-jobs/steps"))
    jobs.join(job_id, WAIT)
    for url in (f"/jobs/{job_id}", f"/jobs/{job_id}/progress", f"/jobs/{job_id}/result"):
        assert stranger.get(url).status_code == 403, url
    assert "Проверочное задание" not in stranger.get("/jobs").get_data(as_text=True)
    assert app.test_client().get(f"/jobs/{job_id}/result").status_code in (302, 401)
    assert owner.get(f"/jobs/{job_id}/result").status_code == 200
    with app.app_context():
        assert AuditRecord.select().where(AuditRecord.action == "route.denied").count() + AuditRecord.select().where(
            AuditRecord.result == "denied").count() >= 3


def test_a_failed_job_says_why_in_russian_and_never_shows_a_traceback(build, login):
    app = build()
    client, _ = person(app, login)
    refused = job_id_of(client.post("/test-jobs/refused"))
    crashed = job_id_of(client.post("/test-jobs/crash"))
    jobs.join(refused, WAIT)
    jobs.join(crashed, WAIT)
    page = client.get(f"/jobs/{refused}").get_data(as_text=True)
    assert "В файле нет ни одной строки." in page and "Не выполнено." in page
    assert client.get(f"/jobs/{refused}/progress").get_json()["error"] == "В файле нет ни одной строки."
    page = client.get(f"/jobs/{crashed}").get_data(as_text=True)
    assert "внутренней ошибки" in page
    for leak in ("Traceback", "RuntimeError", "internal detail"):
        assert leak not in page
    assert client.get(f"/jobs/{crashed}/result").status_code == 404


def test_a_personal_result_is_sealed_at_rest_and_opens_only_in_the_session_that_started_it(build, login):
    app = build()
    client, user = person(app, login)
    job_id = job_id_of(client.post("/test-jobs/secret"))
    jobs.join(job_id, WAIT)
    with app.app_context():
        stored = jobs.Job.get_by_id(job_id)
        assert stored.encrypted and b"7kq2m" not in bytes(stored.result)
    result = client.get(f"/jobs/{job_id}/result")
    assert result.status_code == 200 and "7kq2m" in result.get_data(as_text=True)
    assert "attachment" not in result.headers.get("Content-Disposition", "")  # a page to print, in the browser
    other_session = app.test_client()
    login(other_session, user)  # the same person, another browser
    refused = other_session.get(f"/jobs/{job_id}/result")
    assert refused.status_code == 403 and "7kq2m" not in refused.get_data(as_text=True)
    assert "только в том сеансе" in refused.get_data(as_text=True)


def test_with_the_worker_runner_a_job_waits_for_a_worker_which_claims_and_runs_it(build, login):
    app = build(jobs_runner="worker")
    client, _ = person(app, login)
    STEPS.go.set()
    job_id = job_id_of(client.post("/test-jobs/steps"))
    assert client.get(f"/jobs/{job_id}/progress").get_json()["state"] == "queued"
    assert "В очереди" in client.get(f"/jobs/{job_id}").get_data(as_text=True)
    result = app.test_cli_runner().invoke(args=["jobs", "worker", "--once", "--name", "w1"])
    assert result.exit_code == 0, result.output
    assert "1 job(s) run" in result.output
    with app.app_context():
        job = jobs.Job.get_by_id(job_id)
        assert job.state == "done" and job.claimed_by == "w1" and job.attempts == 1
    assert client.get(f"/jobs/{job_id}/result").get_data(as_text=True) == "готово для Завуч Иванова"


def test_a_dead_workers_lease_runs_out_and_the_job_is_taken_again_then_given_up(build, login):
    app = build(jobs_runner="worker")
    client, _ = person(app, login)
    job_id = job_id_of(client.post("/test-jobs/refused"))
    with app.app_context():
        assert jobs.claim("dies").id == job_id
        assert jobs.claim("other") is None  # the lease holds while the first worker lives
        for attempt in range(2, jobs.MAX_ATTEMPTS + 1):
            jobs.Job.update(lease_until=jobs.utcnow() - jobs.LEASE).where(jobs.Job.id == job_id).execute()
            again = jobs.claim(f"next{attempt}")
            assert again.id == job_id and again.attempts == attempt
        jobs.Job.update(lease_until=jobs.utcnow() - jobs.LEASE).where(jobs.Job.id == job_id).execute()
        assert jobs.claim("last") is None
        given_up = jobs.Job.get_by_id(job_id)
    assert given_up.state == "failed" and "прервалось" in given_up.error


def claim_in_thread(app, name, results, **kwargs):
    def target():
        with app.app_context():
            db = app.extensions["eschool_db"]
            db.connect(reuse_if_open=True)
            try:
                job = jobs.claim(name, **kwargs)
                results[name] = job.id if job else None
            finally:
                db.close()

    thread = threading.Thread(target=target)
    thread.start()
    return thread


def queued(app, client, count):
    return [job_id_of(client.post("/test-jobs/refused")) for _ in range(count)]


def test_two_workers_never_take_one_job(build, login):
    """On PostgreSQL a worker's claim passes a row another claim holds (SKIP LOCKED) instead of waiting for
    it or taking it too; on SQLite the write gate lets one claim in at a time and the second finds it taken."""
    app = build(jobs_runner="worker")
    client, _ = person(app, login)
    results: dict[str, int | None] = {}
    if PG_ADMIN_URL:
        first_job, second_job = queued(app, client, 2)
        holding, inside = threading.Event(), threading.Event()

        def hold(job_id):  # the first claim keeps its transaction (and its row lock) open...
            inside.set()
            assert holding.wait(WAIT)

        a = claim_in_thread(app, "a", results, holding=hold)
        assert inside.wait(WAIT)
        b = claim_in_thread(app, "b", results)  # ...while the second claims, and must not wait for it
        b.join(WAIT)
        assert not b.is_alive() and results["b"] == second_job
        holding.set()
        a.join(WAIT)
        assert results["a"] == first_job
        with app.app_context():
            assert jobs.claim("c") is None  # both taken, once each
    else:
        [only] = queued(app, client, 1)
        barrier = threading.Barrier(2)
        threads = []
        for name in ("a", "b"):
            def target(name=name):
                with app.app_context():
                    db = app.extensions["eschool_db"]
                    db.connect(reuse_if_open=True)
                    try:
                        barrier.wait(WAIT)  # both ask at once
                        job = jobs.claim(name)
                        results[name] = job.id if job else None
                    finally:
                        db.close()

            threads.append(threading.Thread(target=target))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(WAIT)
        assert sorted(results) == ["a", "b"]
        assert list(results.values()).count(only) == 1 and list(results.values()).count(None) == 1
    with app.app_context():
        claimed = list(jobs.Job.select().where(jobs.Job.state == "running"))
        assert all(job.attempts == 1 for job in claimed)
