"""The API's rate limit: requests per minute per token and per address, counted in the database.

Every app server and worker of a region shares the database, so the counters live
there (one row per key and minute, incremented by an upsert), as the login throttle
of ``auth_local`` does; nothing is kept in a process. Flask-Limiter would need Redis,
Memcached or MongoDB for a storage its workers share, and a region's one-machine
SQLite install has none of them.

A request over a limit gets 429 with ``Retry-After`` (seconds to the next minute)
and a Russian message; the token is the raw bearer value's hash, so unknown and
revoked tokens are limited too (guessing tokens is throttled like any other use).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math

import peewee
from flask import Flask, current_app, jsonify, request

from core.db import BaseModel, database, utcnow
from core.i18n import gettext as _
from core.prepared import Param, prepared

WINDOW = 60  # seconds


class ApiRateWindow(BaseModel):
    """How many API requests one key (``token:<hash>`` or ``ip:<address>``) made in one minute."""

    key = peewee.CharField(max_length=100)
    window = peewee.BigIntegerField()  # minutes since the epoch
    hits = peewee.IntegerField(default=0)

    class Meta:
        table_name = "api_rate_window"
        indexes = ((("key", "window"), True),)


@prepared
def _hit():
    return (ApiRateWindow.insert(key=Param("key"), window=Param("window"), hits=1)
            .on_conflict(conflict_target=[ApiRateWindow.key, ApiRateWindow.window],
                         update={ApiRateWindow.hits: ApiRateWindow.hits + 1})
            .returning(ApiRateWindow.hits))


@prepared
def _drop_old_minutes():
    return ApiRateWindow.delete().where((ApiRateWindow.key == Param("key")) & (ApiRateWindow.window < Param("window")))


def _count(key: str, window: int) -> int:
    """Add one hit to ``key`` in ``window`` and return its hits (one upsert; old minutes of the key dropped)."""
    (hits,) = _hit.cursor(key=key, window=window).fetchone()
    if hits == 1:
        _drop_old_minutes.cursor(key=key, window=window)
    return hits


def token_key(token: str) -> str:
    return "token:" + hashlib.sha256(token.encode()).hexdigest()[:40]


def check_api_rate():
    """``before_request`` on ``/api/``: count this request; 429 when its token or its address is over the limit."""
    if not request.path.startswith("/api/"):
        return None
    from core.auth import bearer_token

    core = current_app.extensions["eschool"].core_settings
    limits = []
    token = bearer_token()
    if token and core["api_rate_per_token"]:
        limits.append((token_key(token), core["api_rate_per_token"]))
    if core["api_rate_per_address"]:
        limits.append((f"ip:{request.remote_addr or ''}"[:100], core["api_rate_per_address"]))
    if not limits:
        return None
    seconds = (utcnow() - dt.datetime(1970, 1, 1)).total_seconds()
    window = int(seconds // WINDOW)
    with database.atomic():  # one short write transaction for both counters
        over = [limit for key, limit in limits if _count(key, window) > limit]
    if not over:
        return None
    retry = max(1, math.ceil((window + 1) * WINDOW - seconds))
    response = jsonify({"error": "too_many_requests", "retry_after": retry,
                        "message": _("Слишком много запросов. Повторите через %(n)s с.", n=retry)})
    response.status_code = 429
    response.headers["Retry-After"] = str(retry)
    return response


def init_app(app: Flask) -> None:
    app.before_request(check_api_rate)
