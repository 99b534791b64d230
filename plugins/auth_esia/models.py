"""Tables of the auth_esia plugin: login attempts (the OAuth ``state``), bound to a browser; ESIA refresh
tokens of long sessions."""

from __future__ import annotations

import peewee

from core.api import BaseModel, utcnow


class EsiaLoginAttempt(BaseModel):
    """One «войти через Госуслуги» attempt.

    ``state`` is sent to ESIA and must come back once, to the same browser
    (``browser_hash`` is the hash of a random value kept in that browser's
    session), within the configured lifetime. ``used_at`` makes it single use
    even across app servers. ``next_url`` is where to go after the login.
    """

    state = peewee.CharField(max_length=64, unique=True)
    browser_hash = peewee.CharField(max_length=64)
    next_url = peewee.CharField(max_length=500, default="")
    created_at = peewee.DateTimeField(default=utcnow, index=True)
    used_at = peewee.DateTimeField(null=True)
    outcome = peewee.CharField(max_length=40, default="")

    class Meta:
        table_name = "esia_login_attempt"


class EsiaSessionToken(BaseModel):
    """The ESIA refresh token behind one eschool session, kept only where a region asks for long sessions.

    ``session_id`` is the core session's id. The token is renewed with the
    refresh grant once ``renew_after`` has passed; when ESIA refuses it,
    ``ended_at`` is set and the session admits no further request. The token
    never leaves the server (not in logs, the audit or the browser).
    """

    session_id = peewee.IntegerField(unique=True)
    oid = peewee.CharField(max_length=40)
    refresh_token = peewee.CharField(max_length=2000)
    renew_after = peewee.DateTimeField(index=True)
    renewals = peewee.IntegerField(default=0)
    ended_at = peewee.DateTimeField(null=True)
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "esia_session_token"


ESIA_MODELS = [EsiaLoginAttempt, EsiaSessionToken]
