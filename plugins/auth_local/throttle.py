"""Brute-force protection whose state lives in the database, so it holds across worker processes.

Every attempt is first *recorded* (``pending``, committed at once), then the
recent attempts are *counted*. Because each attempt counts itself and every
attempt committed before its count, the k-th attempt of a burst always sees
at least k rows, whatever process or server it ran in: no more than
``account_max_failures`` passwords per login and ``ip_max_failures`` per IP
address are ever checked within the window. Attempts refused without a check
(``throttled``) are not counted, so the lock lifts when the window slides on
even if guessing continues; the school admin can lift it at once.
"""

from __future__ import annotations

import datetime as dt

from core.api import settings, utcnow
from plugins.auth_local.models import LocalCredential, LoginAttempt

PLUGIN = "auth_local"
COUNTED = ("pending", "failed")
# Attempts are kept a little longer than the longest window a region may configure (24 h);
# the audit log keeps the lasting record of failed logins.
KEEP = dt.timedelta(hours=48)
PRUNE_EVERY = 100


def record_attempt(login: str, ip: str) -> LoginAttempt:
    """Write a ``pending`` attempt before anything is checked; now and then drop old attempts."""
    attempt = LoginAttempt.create(login=login, ip=ip, at=utcnow())
    if attempt.id % PRUNE_EVERY == 0:
        LoginAttempt.delete().where(LoginAttempt.at < attempt.at - KEEP).execute()
    return attempt


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


def lift_lock(credential: LocalCredential) -> None:
    """Restart the failure count: earlier failures no longer lock the login."""
    LocalCredential.update(failures_reset_at=utcnow()).where(LocalCredential.id == credential.id).execute()
