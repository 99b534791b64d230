"""Database: one peewee proxy bound per app, a pooled connection per request, per-plugin migrations."""

from __future__ import annotations

import datetime as dt
import importlib
import math
import pkgutil
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qs, urlparse

import peewee
from flask import Flask, current_app, has_app_context
from playhouse.pool import PooledSqliteDatabase

from core.types import Migration
from core.writegate import WriteGateMixin

SQLITE_PRAGMAS = (
    ("journal_mode", "wal"),
    ("foreign_keys", 1),
    ("synchronous", "normal"),
)
LOCK_TIMEOUT = 30.0  # seconds; the region's ``db_lock_timeout``


class AppDatabaseProxy(peewee.DatabaseProxy):
    """A proxy that resolves to the database of the current Flask app.

    Models are defined once at import time, but two apps in one process (tests,
    or two regions) each have their own database. Outside an app context the
    proxy falls back to the database last initialised, which is what CLI tools
    and benchmarks expect.
    """

    __slots__ = ("_default",)

    def __init__(self):
        object.__setattr__(self, "_default", None)
        super().__init__()

    @property
    def obj(self):
        if has_app_context():
            database = current_app.extensions.get("eschool_db")
            if database is not None:
                return database
        return self._default

    @obj.setter
    def obj(self, value):
        object.__setattr__(self, "_default", value)

    def __setattr__(self, attr, value):
        object.__setattr__(self, attr, value)


database = AppDatabaseProxy()


class BaseModel(peewee.Model):
    """Base class of every table of the platform and its plugins."""

    class Meta:
        database = database
        legacy_table_names = False


def utcnow() -> dt.datetime:
    """Naive UTC now: the one clock every stored timestamp uses."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class GatedPooledSqliteDatabase(WriteGateMixin, PooledSqliteDatabase):
    """The embedded default: pooled connections whose writes pass the write gate (``core.writegate``)."""


def open_database(url: str, pool_size: int = 8, lock_timeout: float = LOCK_TIMEOUT) -> peewee.Database:
    """Open the database named by ``url`` (``sqlite:///path`` or ``postgresql://...``).

    SQLite gets WAL, foreign keys, a busy timeout and IMMEDIATE write
    transactions behind a write gate (``core.writegate``), so concurrent writers
    queue instead of failing with "database is locked". Both databases keep their
    connections in a pool (``playhouse.pool``) that lives as long as the app;
    PostgreSQL goes through psycopg. On both a write waits at most ``lock_timeout``
    seconds for a lock; then the request is answered «попробуйте ещё раз» (``core.web``).
    """
    parsed = urlparse(url)
    if parsed.scheme.startswith("sqlite"):
        # sqlite:///relative.db and sqlite:////absolute/path.db, as in playhouse.db_url
        path = url.split("://", 1)[1]
        path = path[1:] if path.startswith("/") else path
        # a pool: a request borrows an open connection and gives it back, so neither the PRAGMAs on
        # connect nor the WAL checkpoint SQLite runs when the last connection closes fall on a request
        return GatedPooledSqliteDatabase(
            path or ":memory:",
            pragmas=SQLITE_PRAGMAS + (("busy_timeout", int(lock_timeout * 1000)),),
            lock_type="IMMEDIATE",
            max_connections=None,  # one per thread that asks; the write gate queues the writers
            stale_timeout=None,
            check_same_thread=False,
            lock_timeout=lock_timeout,
        )
    from playhouse.db_url import connect as connect_url  # imports every dialect: only when it is not SQLite

    if parsed.scheme in ("postgres", "postgresql"):
        params = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        scheme = "postgresql+pool"
        rest = url.split("://", 1)[1]
        extra = "&" if "?" in rest else "?"
        if "max_connections" not in params:
            rest += f"{extra}max_connections={pool_size}&stale_timeout=300"
            extra = "&"
        if "timeout" not in params:  # a request beyond the pool waits for a connection, as a writer waits for a lock
            rest += f"{extra}timeout={max(1, math.ceil(lock_timeout))}"
        options = f"-c lock_timeout={int(lock_timeout * 1000)}"
        return connect_url(f"{scheme}://{rest}", prefer_psycopg3=True, options=options)
    return connect_url(url)


def sqlite_url_for(path: str) -> str:
    return f"sqlite:///{path}"


def init_app(app: Flask, url: str, pool_size: int, lock_timeout: float = LOCK_TIMEOUT) -> None:
    """Bind a database to ``app``; each request borrows a pooled connection and returns it at the end."""
    db = open_database(url, pool_size, lock_timeout)
    app.extensions["eschool_db"] = db
    database.initialize(db)

    @app.before_request
    def _connect() -> None:
        db.connect(reuse_if_open=True)

    @app.teardown_request
    def _close(exc: BaseException | None) -> None:
        if not db.is_closed():
            if db.in_transaction():
                db.rollback()
            db.close()

    @app.teardown_appcontext
    def _close_ctx(exc: BaseException | None) -> None:
        if not db.is_closed():
            db.close()


# --- migrations -----------------------------------------------------------


class MigrationRecord(BaseModel):
    """One applied migration: which plugin, which step, when."""

    plugin = peewee.CharField(max_length=100)
    name = peewee.CharField(max_length=200)
    applied_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "migration_history"
        indexes = ((("plugin", "name"), True),)


def migrations_from_package(package: str) -> list[Migration]:
    """Collect ``upgrade(db)`` functions from the modules of a migrations package, by name order."""
    pkg = importlib.import_module(package)
    found = []
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{package}.{info.name}")
        found.append(Migration(info.name, module.upgrade))
    return found


def pending_migrations(db: peewee.Database, by_plugin: Iterable[tuple[str, list[Migration]]]):
    """Yield ``(plugin, migration)`` not yet recorded in the history table."""
    db.create_tables([MigrationRecord], safe=True)
    done = {(r.plugin, r.name) for r in MigrationRecord.select()}
    for plugin, steps in by_plugin:
        for step in steps:
            if (plugin, step.name) not in done:
                yield plugin, step


def upgrade(db: peewee.Database, by_plugin: list[tuple[str, list[Migration]]], echo=None) -> list[str]:
    """Apply every pending migration, each in its own transaction; return what ran."""
    applied = []
    with db.connection_context():
        for plugin, step in list(pending_migrations(db, by_plugin)):
            with db.atomic():
                step.apply(db)
                MigrationRecord.create(plugin=plugin, name=step.name)
            applied.append(f"{plugin}:{step.name}")
            if echo:
                echo(f"applied {plugin}:{step.name}")
    return applied


def apply_schema(db: peewee.Database, *, sqlite: Iterable[str], postgresql: Iterable[str]) -> None:
    """Run a frozen migration's statements for ``db``'s dialect (``tools/freeze_schema.py`` writes them)."""
    target = db.obj if isinstance(db, peewee.DatabaseProxy) else db
    if isinstance(target, peewee.SqliteDatabase):
        chosen = sqlite
    elif isinstance(target, peewee.PostgresqlDatabase):
        chosen = postgresql
    else:
        raise TypeError(f"no frozen statements for {type(target).__name__}")
    for sql in chosen:
        db.execute_sql(sql)


def model_dict(instance: Any, fields: Iterable[str]) -> dict[str, Any]:
    """The named field values of a model instance (foreign keys as ids), for audit diffs."""
    out = {}
    for name in fields:
        field = instance._meta.fields[name]
        value = instance.__data__.get(field.name)
        out[name] = value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value
    return out
