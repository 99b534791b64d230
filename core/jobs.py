"""Long work outside the request: background jobs with stored progress and a kept result.

A page that would hang for seconds (a class's login slips, a large import, an archive, an export) starts a
job instead (``start_job``) and sends the person to the job's page (``follow_job``). The job is a row of the
``job`` table: its kind, its owner, its parameters, its state, its progress (done of total and a Russian
stage label), and at the end either a result (a file, kept for the owner to download) or a Russian error.

Who runs it is the region's choice (``[eschool] jobs_runner``):

* ``thread`` (the default, the embedded SQLite demo): a thread of the web process claims the job at once.
  Every write it makes is a short transaction of its own (a progress update, the result), so the write gate
  (``core.writegate``) keeps the other writers waiting no longer than one such write.
* ``worker``: only ``eschool jobs worker`` processes run jobs. A worker *claims* a job with one atomic
  ``UPDATE … WHERE id = (SELECT … FOR UPDATE SKIP LOCKED)`` on PostgreSQL (an ``UPDATE … RETURNING`` behind
  the write gate on SQLite), so two workers never take the same job. A claim is a lease that every progress
  update renews; a worker that dies lets its lease run out, and the next claim takes the job again (at most
  ``MAX_ATTEMPTS`` times, then it is failed with a message).

A plugin names its kinds of job with the ``job_kinds`` hook (``JobKind``). A kind's ``run`` gets a
``JobContext``: the parameters, ``progress(done, total, stage)``, and the app and actor as in the request
that started it (policy checks and audit work as there). It returns a ``JobResult`` (a file) or raises
``JobError`` with a Russian message for the person; any other exception is logged and shown as a general
Russian error, never as a traceback. Results with personal data (``JobKind.personal``) are encrypted at rest
with Fernet keyed from the app's secret key; ``JobKind.same_session`` results (slips hold passwords) are
readable only in the session that started the job.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import peewee
from flask import Flask, current_app, g, has_request_context, redirect, request, url_for

from core.db import BaseModel, database, utcnow
from core.i18n import lazy_gettext

log = logging.getLogger("eschool.jobs")

LEASE = dt.timedelta(minutes=5)  # a claim lasts this long unless progress renews it
MAX_ATTEMPTS = 3
KEEP = dt.timedelta(hours=24)  # a result is kept this long (``JobKind.keep`` may say less)
STATES = ("queued", "running", "done", "failed")
BASE_URL = "_base_url"  # in a job's stored parameters: the address of the request that started it


class Job(BaseModel):
    """One piece of long work: what, whose, how far, and its result or error."""

    kind = peewee.CharField(max_length=80)
    owner_id = peewee.IntegerField(index=True)
    session_id = peewee.IntegerField(null=True)  # the session that started it (``same_session`` kinds)
    ip = peewee.CharField(max_length=64, default="")
    params = peewee.TextField(default="{}")
    state = peewee.CharField(max_length=20, default="queued")
    done = peewee.IntegerField(default=0)
    total = peewee.IntegerField(default=0)
    stage = peewee.CharField(max_length=200, default="")
    error = peewee.TextField(default="")  # Russian, for the person
    payload = peewee.BlobField(null=True)  # an uploaded file the job reads, always sealed; dropped at the end
    result = peewee.BlobField(null=True)
    result_name = peewee.CharField(max_length=200, default="")
    result_type = peewee.CharField(max_length=100, default="")
    encrypted = peewee.BooleanField(default=False)
    created_at = peewee.DateTimeField(default=utcnow)
    started_at = peewee.DateTimeField(null=True)
    finished_at = peewee.DateTimeField(null=True)
    expires_at = peewee.DateTimeField(null=True)  # when the result is dropped
    lease_until = peewee.DateTimeField(null=True)
    claimed_by = peewee.CharField(max_length=120, default="")
    attempts = peewee.IntegerField(default=0)

    class Meta:
        table_name = "job"
        # the claim: the oldest queued (or lease-expired) job
        indexes = ((("state", "id"), False),)

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")

    @property
    def percent(self) -> int:
        if self.state == "done":
            return 100
        return int(100 * self.done / self.total) if self.total > 0 else 0

    def progress_json(self) -> dict[str, Any]:
        return {"id": self.id, "state": self.state, "done": self.done, "total": self.total, "stage": self.stage,
                "percent": self.percent, "error": self.error if self.state == "failed" else "",
                "has_result": self.state == "done" and self.result is not None,
                "result_url": url_for("core.job_result", job_id=self.id) if self.state == "done"
                and self.result is not None else ""}


class JobError(Exception):
    """A job cannot finish for a reason the person can act on; the message (Russian) is shown on its page."""


@dataclass(frozen=True)
class JobResult:
    """A job's file: its bytes, its download name and its type (``text/html`` ones open in the browser)."""

    data: bytes
    name: str
    mimetype: str = "application/octet-stream"


@dataclass(frozen=True)
class JobKind:
    """A kind of job a plugin offers (``job_kinds``).

    ``name`` is unique in the region (prefix it with the plugin's name); ``title`` is what the person reads
    («Выдача логинов классу»); ``run(ctx)`` does the work. ``personal`` results are encrypted at rest;
    ``same_session`` results are readable only in the session that started the job; ``keep`` is how long a
    result stays; ``back`` (an endpoint and its arguments, from the parameters) is where the job's page links back;
    ``show(params, data)``, when given, answers the result's URL with a page made from the stored result (an
    import's report) instead of sending the file. A finished job whose result is a page (``show`` or HTML)
    opens it straight from the job's page.
    """

    name: str
    title: Any
    run: Callable[[JobContext], JobResult | None]
    personal: bool = False
    same_session: bool = False
    keep: dt.timedelta = KEEP
    back: Callable[[dict[str, Any]], tuple[str, dict[str, Any]]] | None = None
    show: Callable[[dict[str, Any], bytes], Any] | None = None


@dataclass
class JobContext:
    """What a running job sees: its parameters and a way to report how far it got."""

    job_id: int
    params: dict[str, Any]
    actor: Any
    app: Flask
    payload: bytes | None = None
    _last: tuple[int, int, str] = field(default=(-1, -1, ""), repr=False)

    def progress(self, done: int, total: int, stage: Any = "") -> None:
        """Store ``done`` of ``total`` and the stage label (Russian), renewing the lease; one short write."""
        point = (int(done), int(total), str(stage)[:200])
        if point == self._last:
            return
        self._last = point
        Job.update(done=point[0], total=point[1], stage=point[2], lease_until=utcnow() + LEASE).where(
            Job.id == self.job_id).execute()


def kinds(app: Flask | None = None) -> dict[str, JobKind]:
    app = app or current_app
    found = app.extensions.get("eschool_job_kinds")
    if found is None:
        found = {}
        for group in app.extensions["eschool"].pm.hook.job_kinds():
            for kind in group or []:
                if kind.name in found:
                    raise ValueError(f"two plugins name the job kind {kind.name!r}")
                found[kind.name] = kind
        app.extensions["eschool_job_kinds"] = found
    return found


# --- encryption of personal results --------------------------------------------


def _fernet(app: Flask):
    from cryptography.fernet import Fernet

    digest = hashlib.sha256(b"eschool-job-results\0" + str(app.config["SECRET_KEY"]).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(app: Flask, data: bytes) -> bytes:
    return _fernet(app).encrypt(data)


def unseal(app: Flask, data: bytes) -> bytes:
    return _fernet(app).decrypt(bytes(data))


# --- starting and following -------------------------------------------------------

_threads: dict[int, threading.Thread] = {}
_threads_lock = threading.Lock()


def start_job(kind: str, params: dict[str, Any] | None = None, payload: bytes | None = None) -> Job:
    """Queue a job of ``kind`` for the current actor (one short insert) and, with the thread runner, start it.

    ``params`` must be JSON (ids, options): the job runs outside this request. ``payload`` is an uploaded
    file the job reads (``ctx.payload``); it is kept sealed and dropped when the job ends.
    """
    from flask_login import current_user

    if kind not in kinds():
        raise KeyError(f"no job kind {kind!r}")
    purge_expired()
    actor = current_user._get_current_object()
    session = getattr(actor, "session", None)
    params = dict(params or {})
    if has_request_context():  # links the job writes (a slip's «Вход: …») name the address the person used
        params[BASE_URL] = request.url_root
    job = Job.create(kind=kind, owner_id=actor.id, session_id=session.id if session is not None else None,
                     ip=(request.remote_addr or "") if has_request_context() else "",
                     payload=seal(current_app, payload) if payload is not None else None,
                     params=json.dumps(params, ensure_ascii=False), stage=str(lazy_gettext("В очереди")))
    if current_app.extensions["eschool"].core_settings["jobs_runner"] == "thread":
        run_in_thread(current_app._get_current_object(), job.id)
    return job


def follow_job(job: Job):
    """The answer to the request that started ``job``: a redirect to its page."""
    return redirect(url_for("core.job_page", job_id=job.id), code=303)


def run_in_thread(app: Flask, job_id: int) -> threading.Thread:
    """Claim ``job_id`` and run it on a thread of this process (the ``thread`` runner)."""
    worker = f"{socket.gethostname()}:{os.getpid()}:thread"

    def target() -> None:
        with app.app_context():
            db = app.extensions["eschool_db"]
            db.connect(reuse_if_open=True)
            try:
                job = claim(worker, job_id=job_id)
                if job is not None:
                    execute(app, job)
            finally:
                if not db.is_closed():
                    db.close()
                with _threads_lock:
                    _threads.pop(job_id, None)

    thread = threading.Thread(target=target, name=f"eschool-job-{job_id}", daemon=True)
    with _threads_lock:
        _threads[job_id] = thread
    thread.start()
    return thread


def join(job_id: int, timeout: float | None = None) -> None:
    """Wait for the thread running ``job_id`` (tests, and a clean shutdown)."""
    with _threads_lock:
        thread = _threads.get(job_id)
    if thread is not None:
        thread.join(timeout)


def join_all(timeout: float | None = None) -> None:
    """Wait for every job thread of this process (a clean shutdown; the test kit, before it drops a database)."""
    with _threads_lock:
        threads = list(_threads.values())
    for thread in threads:
        thread.join(timeout)


def revive(job: Job) -> None:
    """With the thread runner, a job left queued or with a lapsed lease (the process restarted) runs again."""
    if current_app.extensions["eschool"].core_settings["jobs_runner"] != "thread" or job.finished:
        return
    if job.state == "running" and job.lease_until is not None and job.lease_until > utcnow():
        return
    with _threads_lock:
        thread = _threads.get(job.id)
    if thread is not None and thread.is_alive():
        return
    run_in_thread(current_app._get_current_object(), job.id)


# --- claiming ---------------------------------------------------------------------


def _claimable(now: dt.datetime) -> Any:
    return (Job.state == "queued") | ((Job.state == "running") & (Job.lease_until < now))


def give_up_lapsed(now: dt.datetime | None = None) -> int:
    """Fail the jobs whose lease ran out ``MAX_ATTEMPTS`` times (their runner died each time)."""
    now = now or utcnow()
    return Job.update(state="failed", finished_at=now, lease_until=None,
                      error=str(lazy_gettext("Задание прервалось несколько раз и остановлено. Запустите его снова.")),
                      ).where(_claimable(now) & (Job.attempts >= MAX_ATTEMPTS)).execute()


def claim(worker: str, *, job_id: int | None = None, holding: Callable[[int | None], None] | None = None) -> Job | None:
    """Take one job (``job_id``, or the oldest claimable) for ``worker``: one atomic statement, or None.

    PostgreSQL: the candidate row is locked with ``FOR UPDATE SKIP LOCKED``, so concurrent workers pass each
    other's candidates by; SQLite: the write gate lets one ``UPDATE`` in at a time and each re-checks the
    state. ``holding(job_id)`` is a test's hook, called after the claim and before it commits.
    """
    now = utcnow()
    give_up_lapsed(now)
    db = database.obj
    postgres = isinstance(db, peewee.PostgresqlDatabase)
    mark = "%s" if postgres else "?"
    wanted = f"id = {mark} AND " if job_id is not None else ""
    now_value = Job.lease_until.db_value(now)
    chooser = (f'SELECT id FROM "job" WHERE {wanted}(state = {mark} OR (state = {mark} AND lease_until < {mark})) '
               f"AND attempts < {mark} ORDER BY id LIMIT 1")
    choose_args = ([job_id] if job_id is not None else []) + ["queued", "running", now_value, MAX_ATTEMPTS]
    if postgres:
        chooser += " FOR UPDATE SKIP LOCKED"
    sql = (f'UPDATE "job" SET state = {mark}, claimed_by = {mark}, attempts = attempts + 1, started_at = {mark}, '
           f"lease_until = {mark} WHERE id = ({chooser}) AND (state = {mark} OR lease_until < {mark}) RETURNING id")
    args = ["running", worker[:120], now_value, Job.lease_until.db_value(now + LEASE), *choose_args, "queued",
            now_value]
    with db.atomic():
        row = db.execute_sql(sql, args).fetchone()
        if holding is not None:
            holding(row[0] if row else None)
    return Job.get_by_id(row[0]) if row else None


# --- running ----------------------------------------------------------------------


def _actor_of(job: Job) -> Any:
    from core.auth import Actor
    from core.models import User, UserSession

    user = User.get_or_none(User.id == job.owner_id)
    if user is None or user.is_blocked:
        raise JobError(lazy_gettext("Учётная запись, запустившая задание, больше не действует."))
    session = UserSession.get_or_none(UserSession.id == job.session_id) if job.session_id else None
    return Actor(user, session, "")


def execute(app: Flask, job: Job) -> None:
    """Run a claimed job to its end: store its result, or its Russian error. Never raises."""
    kind = kinds(app).get(job.kind)
    error = ""
    result = None
    try:
        if kind is None:
            raise JobError(lazy_gettext("Такие задания здесь больше не выполняются."))
        params = json.loads(job.params or "{}")
        base_url = params.pop(BASE_URL, None)
        with app.test_request_context("/", base_url=base_url, environ_base={"REMOTE_ADDR": job.ip or ""}):
            actor = _actor_of(job)
            g._login_user = actor  # policy checks, audit and templates see the person who started the job
            payload = unseal(app, job.payload) if job.payload is not None else None
            ctx = JobContext(job.id, params, actor, app, payload)
            result = kind.run(ctx)
    except JobError as exc:
        error = str(exc)
    except Exception:  # a failure is shown in Russian; its traceback goes to the log
        log.exception("job %s (%s) failed", job.id, job.kind)
        error = str(lazy_gettext("Задание не выполнено из-за внутренней ошибки. Попробуйте ещё раз позже; "
                                 "если ошибка повторится, сообщите в службу поддержки."))
    now = utcnow()
    if error:
        Job.update(state="failed", error=error, finished_at=now, lease_until=None, payload=None).where(
            Job.id == job.id).execute()
        return
    updates: dict[Any, Any] = {Job.state: "done", Job.finished_at: now, Job.lease_until: None, Job.payload: None,
                               Job.done: Job.total, Job.stage: str(lazy_gettext("Готово"))}
    if result is not None:
        personal = bool(kind and kind.personal)
        updates.update({Job.result: seal(app, result.data) if personal else result.data, Job.encrypted: personal,
                        Job.result_name: result.name[:200], Job.result_type: result.mimetype[:100],
                        Job.expires_at: now + (kind.keep if kind else KEEP)})
    Job.update(updates).where(Job.id == job.id).execute()


def purge_expired(now: dt.datetime | None = None) -> int:
    """Drop the results kept past their time (the job's row stays, saying so)."""
    now = now or utcnow()
    return Job.update(result=None).where(Job.result.is_null(False) & (Job.expires_at < now)).execute()


def work(app: Flask, worker: str, *, once: bool = False, poll: float = 2.0, stop: threading.Event | None = None) -> int:
    """The worker loop (``eschool jobs worker``): claim, run, repeat; returns how many jobs it ran."""
    stop = stop or threading.Event()
    ran = 0
    with app.app_context():
        db = app.extensions["eschool_db"]
        while not stop.is_set():
            db.connect(reuse_if_open=True)
            try:
                job = claim(worker)
                if job is not None:
                    execute(app, job)
                    ran += 1
                else:
                    purge_expired()
            finally:
                if not db.is_closed():
                    db.close()
            if once and job is None:
                break
            if job is None:
                stop.wait(poll)
    return ran
