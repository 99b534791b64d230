"""Brute-force protection whose state lives in the database, so it holds across worker processes.

Every attempt is first *recorded* (``pending``) and the recent attempts are
*counted* in one short transaction, before any password is checked. Attempts
on one login take that transaction in turn (SQLite: its single writer lock;
PostgreSQL: an advisory lock per login and per address), so the k-th attempt
of a burst sees exactly the k - 1 attempts before it plus itself, whatever
process or server it ran in: exactly ``account_max_failures`` passwords per
login, and no more than ``ip_max_failures`` per IP address, are checked within
the window. Attempts refused without a check (``throttled``) are not counted,
so the lock lifts when the window slides on even if guessing continues; the
school admin can lift it at once.
"""

from __future__ import annotations

import datetime as dt

import peewee

from core.api import settings, utcnow
from plugins.auth_local.models import LocalCredential, LoginAttempt

PLUGIN = "auth_local"
COUNTED = ("pending", "failed")
# Attempts are kept a little longer than the longest window a region may configure (24 h);
# the audit log keeps the lasting record of failed logins.
KEEP = dt.timedelta(hours=48)
PRUNE_EVERY = 100


def admit(login: str, ip: str, credential: LocalCredential | None) -> tuple[LoginAttempt, bool]:
    """Record a ``pending`` attempt and say whether it goes over a limit, in one serialised step.

    Without the serialisation two simultaneous attempts would each count the
    other's row as well as their own, and the login would lock one guess early.
    """
    db = LoginAttempt._meta.database
    with db.atomic():
        if isinstance(db.obj, peewee.PostgresqlDatabase):
            # transaction-scoped: released at commit; always login before address, so no deadlock
            for key in (f"auth_local.login:{login}", f"auth_local.ip:{ip}"):
                db.execute_sql("SELECT pg_advisory_xact_lock(hashtext(%s))", (key,))
        attempt = LoginAttempt.create(login=login, ip=ip, at=utcnow())
        over = is_throttled(attempt, credential)
    if attempt.id % PRUNE_EVERY == 0:
        LoginAttempt.delete().where(LoginAttempt.at < attempt.at - KEEP).execute()
    return attempt, over


def settle(attempt: LoginAttempt, outcome: str) -> None:
    LoginAttempt.update(outcome=outcome).where(LoginAttempt.id == attempt.id).execute()


def _account_since(credential: LocalCredential | None, now: dt.datetime) -> dt.datetime:
    since = now - dt.timedelta(minutes=settings(PLUGIN)["account_window_minutes"])
    if credential is not None and credential.failures_reset_at and credential.failures_reset_at > since:
        return credential.failures_reset_at
    return since


def account_failures(login: str, credential: LocalCredential | None, now: dt.datetime | None = None):
    """Counted attempts for ``login`` in the window (after the last reset), oldest first."""
    now = now or utcnow()
    return (
        LoginAttempt.select()
        .where(
            (LoginAttempt.login == login)
            & (LoginAttempt.at >= _account_since(credential, now))
            & LoginAttempt.outcome.in_(COUNTED)
        )
        .order_by(LoginAttempt.at, LoginAttempt.id)
    )


def is_throttled(attempt: LoginAttempt, credential: LocalCredential | None) -> bool:
    """Whether ``attempt`` (already recorded) goes over the per-login or per-IP limit."""
    section = settings(PLUGIN)
    now = attempt.at
    if account_failures(attempt.login, credential, now).count() > section["account_max_failures"]:
        return True
    ip_since = now - dt.timedelta(minutes=section["ip_window_minutes"])
    by_ip = LoginAttempt.select().where(
        (LoginAttempt.ip == attempt.ip) & (LoginAttempt.at >= ip_since) & LoginAttempt.outcome.in_(COUNTED)
    )
    return by_ip.count() > section["ip_max_failures"]


def locked_until(credential: LocalCredential, now: dt.datetime | None = None) -> dt.datetime | None:
    """When the per-login lock lifts by itself (UTC), or None if the login is not locked."""
    now = now or utcnow()
    section = settings(PLUGIN)
    limit = section["account_max_failures"]
    failures = list(account_failures(credential.login, credential, now).where(LoginAttempt.outcome == "failed"))
    if len(failures) < limit:
        return None
    return failures[len(failures) - limit].at + dt.timedelta(minutes=section["account_window_minutes"])


def failed_since_last_login(credential: LocalCredential, now: dt.datetime | None = None) -> int:
    """Failed or refused attempts on this login since its previous successful login (or the last lift of
    a lock), within the attempts kept; ``credential`` as it was read before this login updated it."""
    now = now or utcnow()
    since = max(credential.failures_reset_at or now - KEEP, now - KEEP)
    return (LoginAttempt.select()
            .where((LoginAttempt.login == credential.login) & (LoginAttempt.at > since)
                   & LoginAttempt.outcome.in_(("failed", "throttled")))
            .count())


def lift_lock(credential: LocalCredential) -> None:
    """Restart the failure count: earlier failures no longer lock the login."""
    LocalCredential.update(failures_reset_at=utcnow()).where(LocalCredential.id == credential.id).execute()
