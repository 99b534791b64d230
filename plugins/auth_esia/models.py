"""Tables of the auth_esia plugin: login attempts (the OAuth ``state``), bound to a browser."""

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


ESIA_MODELS = [EsiaLoginAttempt]
