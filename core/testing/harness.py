"""What the kit's fixtures are made of: throwaway apps and databases, and logins into them.

A test app is always built on a database the harness has just created — a SQLite file in the test's folder,
or, with ``ESCHOOL_TEST_PG`` set to an admin URL, a new PostgreSQL database dropped afterwards — and the kit
stops the run rather than write into one it did not create.
"""

from __future__ import annotations

import os
import tomllib
import uuid
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, session
from flask.testing import FlaskClient

from core import create_app
from core.auth import complete_login, open_session
from core.models import User
from core.plugins import ENTRY_POINT_GROUP
from core.types import Identity

# What a server's environment may point at its real region (docs/deploy.md sets these in production). The kit
# removes them before any test runs: every app it builds names its own throwaway database and instance folder,
# and the subprocesses tests start (gunicorn, the CLI, workers) inherit the cleaned environment. Only
# ESCHOOL_TEST_PG, a server the kit creates and drops its own databases on, comes from outside.
PRODUCTION_ENVIRONMENT = ("DATABASE_URL", "ESCHOOL_CONFIG", "ESCHOOL_INSTANCE", "SECRET_KEY")

# The roles the built-in plugins give accounts (``User.role``); ``actors`` makes one user of each.
ROLES = ("parent", "student", "teacher", "deputy", "school_admin", "municipality", "operator")


def forget_production_environment() -> list[str]:
    """Remove ``PRODUCTION_ENVIRONMENT`` from this process's environment; return the names that were set."""
    return [name for name in PRODUCTION_ENVIRONMENT if os.environ.pop(name, None) is not None]


def builtin_plugins() -> list[str]:
    """The plugins shipped in the eschool distribution itself, in the order it declares them."""
    return [ep.name for ep in metadata.distribution("eschool").entry_points if ep.group == ENTRY_POINT_GROUP]


def refuse_foreign_database(app: Flask, expected_url: str) -> None:
    """Stop the run if ``app`` is not on the empty database the harness just made for it.

    A test writes people and marks; on a database it did not create (a region's real one, reached through
    some setting the harness did not foresee) that would be a disaster, so it stops rather than writes.
    """
    db = app.extensions["eschool_db"]
    expected = _database_name(expected_url)
    if db.database != expected:
        pytest.exit(f"eschool tests: the app was built on {db.database!r}, not on the throwaway database "
                    f"{expected!r} the harness made; refusing to write into it", returncode=3)
    tables = db.get_tables()
    db.close()
    if hasattr(db, "close_all"):  # a pool keeps the connection open otherwise: really let go of the file
        db.close_all()
    if tables:
        pytest.exit(f"eschool tests: the database {db.database!r} already holds tables ({', '.join(tables[:5])}"
                    f"…) that the harness did not put there; refusing to write into it", returncode=3)


def _database_name(url: str) -> str:
    if url.startswith("sqlite:///"):
        return url[len("sqlite:///"):]
    return url.partition("?")[0].rsplit("/", 1)[1]


class ThrowawayDatabases:
    """New databases for test apps: SQLite files under ``folder``, or PostgreSQL databases on ``pg_admin_url``."""

    def __init__(self, folder: Path, pg_admin_url: str | None):
        self.folder = folder
        self.pg_admin_url = pg_admin_url
        self.created: list[str] = []

    def new(self, instance: Path) -> str:
        if not self.pg_admin_url:
            return f"sqlite:///{instance / 'eschool.sqlite3'}"
        name = f"eschool_test_{uuid.uuid4().hex[:12]}"
        self._admin(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        base, _, query = self.pg_admin_url.partition("?")
        return f"{base.rsplit('/', 1)[0]}/{name}" + (f"?{query}" if query else "")

    def drop_all(self) -> None:
        for name in self.created:
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.created.clear()

    def _admin(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(self.pg_admin_url, autocommit=True) as conn:
            conn.execute(statement)


class AppFactory:
    """The ``make_app`` fixture: ``make_app(plugins, sections=, extra=, core=, region=, migrate=, share_with=)``.

    ``plugins`` — the region's plugin list (default: ``default_plugins``); ``sections`` — plugin config
    sections; ``extra`` — ``{name: module}`` for plugins that are not installed (defined in a test);
    ``core`` — ``[eschool]`` settings; ``region`` — a region TOML file whose settings and plugin list are
    used (``plugins``/``sections``/``core`` still win). The database and instance folder are always the
    harness's own: a new one, or with ``share_with`` the database of an app this factory built earlier in the
    test (two workers of one region), left unmigrated. ``latest`` is the app built last in this test.
    """

    def __init__(self, folder: Path, default_plugins: Iterable[str], pg_admin_url: str | None = None):
        self.folder = folder
        self.default_plugins = list(default_plugins)
        self.databases = ThrowawayDatabases(folder, pg_admin_url)
        self.created: list[Flask] = []

    def __call__(self, plugins: Iterable[str] | None = None, sections: Mapping[str, Any] | None = None,
                 extra: Mapping[str, Any] | None = None, core: Mapping[str, Any] | None = None,
                 migrate: bool = True, region: str | os.PathLike | None = None,
                 share_with: Flask | None = None) -> Flask:
        from_region: dict[str, Any] = {}
        if region is not None:
            from_region = tomllib.loads(Path(region).read_text(encoding="utf-8"))
        core_from_region = dict(from_region.pop("eschool", {}))
        if plugins is None:
            plugins = core_from_region.get("plugins", self.default_plugins)
        instance = self.folder / f"instance{len(self.created) + 1}"
        instance.mkdir(parents=True, exist_ok=True)
        if share_with is None:
            url = self.databases.new(instance)
        elif share_with in self.created:
            url, migrate = share_with.extensions["eschool"].core_settings["database_url"], False
        else:
            raise ValueError("share_with: an app this make_app built in the same test")
        config = {
            "eschool": {
                "region_name": "Тестовый регион",
                **core_from_region,
                "plugins": list(plugins),
                **(core or {}),
                "database_url": url,
                "instance_path": str(instance),
            },
            **from_region,
            **(sections or {}),
        }
        app = create_app(config, plugins=extra)
        self.created.append(app)
        if share_with is None:
            refuse_foreign_database(app, url)
        app.config["TESTING"] = True
        app.config["WTF_CSRF_ENABLED"] = False
        if migrate:
            with app.app_context():
                app.extensions["eschool"].upgrade_db()
        return app

    @property
    def latest(self) -> Flask | None:
        return self.created[-1] if self.created else None

    def close(self) -> None:
        from core import jobs

        jobs.join_all()  # a job a test started (a page it opened) may still run: it ends before its database goes
        for app in self.created:
            db = app.extensions["eschool_db"]
            if not db.is_closed():
                db.close()
            if hasattr(db, "close_all"):
                db.close_all()
        self.databases.drop_all()


def open_test_session(client: FlaskClient, user: User, provider: str = "test") -> str:
    """Give ``client`` a real server-side session of ``user`` (as a provider's login would); return its token.

    No login rules run: for tests about what a logged-in person sees. ``log_in_through_pipeline`` runs them.
    """
    with client.application.test_request_context():
        token = open_session(user, provider)
    with client.session_transaction() as sess:
        sess["_user_id"] = token
        sess["_fresh"] = True
    return token


def log_in_through_pipeline(client: FlaskClient, identity: Identity) -> User:
    """Log ``client`` in with ``identity`` through the core's login pipeline, as a provider's view does.

    ``complete_login`` resolves the identity (every plugin's ``resolve_identity``), applies every
    ``login_rules`` veto, starts a fresh session and audits the login; ``LoginRefused`` comes out as it is.
    The session it starts becomes the client's cookie.
    """
    with client.application.test_request_context():
        user = complete_login(identity)
        started = dict(session)
    with client.session_transaction() as sess:
        sess.clear()
        sess.update(started)
    return user
