"""Test harness: a fresh app per test on a real SQLite file, or a real PostgreSQL database.

Set ``ESCHOOL_TEST_PG`` to an admin URL of a PostgreSQL server (``.ci/run``
starts a throwaway cluster and does this) and every app gets its own, newly
created database instead of a SQLite file.

Fixtures:
- ``make_app(plugins=[...], sections={...}, extra={name: plugin_object}, core={...})``
- ``app`` — an app with the plugins named by ``@pytest.mark.plugins(...)``, or all built-ins;
- ``client``, ``runner`` (CLI), ``make_user(role)``, ``login(client, user)``.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid

import pytest
import time_machine

from core import create_app
from core.auth import open_session
from core.models import User

# Every test runs on the same school day, so nothing depends on the date the suite happens to run:
# a Wednesday in the second quarter, 10:00 in Moscow. The clock ticks on from there.
SCHOOL_DAY = dt.datetime(2026, 11, 25, 7, 0, tzinfo=dt.UTC)

BUILTIN_PLUGINS = ["registries", "auth_local", "auth_esia", "age_policy", "gradebook", "infographic",
                   "absence_notes"]
PG_ADMIN_URL = os.environ.get("ESCHOOL_TEST_PG")

# What a server's environment may point at its real region (docs/deploy.md sets these in production). The
# suite never reads them: every app it builds names its own throwaway database and instance folder, and the
# subprocesses it starts (gunicorn, the CLI, workers) inherit the cleaned environment. Only ESCHOOL_TEST_PG,
# a server the suite creates and drops its own databases on, comes from outside.
PRODUCTION_ENVIRONMENT = ("DATABASE_URL", "ESCHOOL_CONFIG", "ESCHOOL_INSTANCE", "SECRET_KEY")
IGNORED_ENVIRONMENT = [name for name in PRODUCTION_ENVIRONMENT if os.environ.pop(name, None) is not None]


def pytest_report_header(config):
    database = f"PostgreSQL {PG_ADMIN_URL}" if PG_ADMIN_URL else "SQLite (file per test)"
    lines = [f"eschool database: {database}; clock: {SCHOOL_DAY.isoformat()} (time-machine)"]
    if IGNORED_ENVIRONMENT:
        lines.append(f"eschool: ignored from the environment: {', '.join(IGNORED_ENVIRONMENT)}")
    return lines


def refuse_foreign_database(app, expected_url: str) -> None:
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
    if tables:
        pytest.exit(f"eschool tests: the database {db.database!r} already holds tables ({', '.join(tables[:5])}"
                    f"…) that the harness did not put there; refusing to write into it", returncode=3)


def _database_name(url: str) -> str:
    if url.startswith("sqlite:///"):
        return url[len("sqlite:///"):]
    return url.partition("?")[0].rsplit("/", 1)[1]


@pytest.fixture(autouse=True, scope="session")
def school_day():
    """Travel to ``SCHOOL_DAY`` for the whole session (threads included; other processes keep real time)."""
    with time_machine.travel(SCHOOL_DAY, tick=True):
        yield


def _pg_database(name: str, create: bool) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        if create:
            conn.execute(f'CREATE DATABASE "{name}"')
        else:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _pg_url(name: str) -> str:
    base, _, query = PG_ADMIN_URL.partition("?")
    base = base.rsplit("/", 1)[0]
    return f"{base}/{name}" + (f"?{query}" if query else "")


class AppFactory:
    """Callable fixture object; ``latest`` is the app created last in this test."""

    def __init__(self, build):
        self._build = build
        self.created = []

    def __call__(self, *args, **kwargs):
        app = self._build(*args, **kwargs)
        self.created.append(app)
        return app

    @property
    def latest(self):
        return self.created[-1] if self.created else None


@pytest.fixture
def make_app(tmp_path):
    databases = []
    counter = [0]

    def build(plugins=None, sections=None, extra=None, core=None, migrate=True):
        plugins = BUILTIN_PLUGINS if plugins is None else list(plugins)
        counter[0] += 1
        instance = tmp_path / f"instance{counter[0]}"
        if PG_ADMIN_URL:
            name = f"eschool_test_{uuid.uuid4().hex[:12]}"
            _pg_database(name, create=True)
            databases.append(name)
            url = _pg_url(name)
        else:
            url = f"sqlite:///{instance / 'eschool.sqlite3'}"
        config = {
            "eschool": {
                "region_name": "Тестовый регион",
                "plugins": plugins,
                "database_url": url,
                "instance_path": str(instance),
                **(core or {}),
            },
            **(sections or {}),
        }
        app = create_app(config, plugins=extra)
        refuse_foreign_database(app, url)
        app.config["TESTING"] = True
        app.config["WTF_CSRF_ENABLED"] = False
        if migrate:
            with app.app_context():
                app.extensions["eschool"].upgrade_db()
        return app

    factory = AppFactory(build)
    yield factory
    for app in factory.created:
        db = app.extensions["eschool_db"]
        if not db.is_closed():
            db.close()
        if hasattr(db, "close_all"):
            db.close_all()
    for name in databases:
        _pg_database(name, create=False)


@pytest.fixture
def app(request, make_app):
    marker = request.node.get_closest_marker("plugins")
    plugins = list(marker.args) if marker else None
    return make_app(plugins)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(request, make_app):
    """Create a core User in the app built last in this test (or in the ``app`` fixture's app)."""

    def factory(role="parent", name=None, app=None, **fields):
        app = app or make_app.latest or request.getfixturevalue("app")
        with app.app_context():
            return User.create(display_name=name or f"Тест {role}", role=role, **fields)

    return factory


@pytest.fixture
def login():
    """Log ``client`` in as ``user`` by opening a real server-side session (as a provider would)."""

    def do(client, user, provider="test"):
        app = client.application
        with app.test_request_context():
            token = open_session(user, provider)
        with client.session_transaction() as sess:
            sess["_user_id"] = token
            sess["_fresh"] = True
        return token

    return do


@pytest.fixture
def hook_app(make_app):
    """An app with only the core and the test plugin that implements every hook."""
    from tests.core import hookplugin

    def factory(**kwargs):
        return make_app(["hooktester"], extra={"hooktester": hookplugin}, **kwargs)

    return factory


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium driven by Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    from tests.support import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def emulator_keys():
    """The ESIA emulator's signing keys (RSA and GOST), made once per session."""
    from plugins.auth_esia.keys import EmulatorKeys

    return EmulatorKeys.generate()


@pytest.fixture(scope="session")
def client_pair(tmp_path_factory):
    """A test information system's GOST key and self-signed certificate: ``(key, cert, folder)``."""
    from plugins.auth_esia import gost

    folder = tmp_path_factory.mktemp("client-keys")
    key = gost.PrivateKey.generate()
    cert = gost.self_signed_certificate(key, "ESCHOOL-TEST")
    (folder / "client.key").write_text(key.to_pem())
    (folder / "client.crt").write_text(cert.pem())
    return key, cert, folder
