"""The eschool pytest plugin (entry point ``pytest11: eschool``): fixtures for testing plugins on the platform.

Fixtures:
- ``make_app(plugins=[...], sections={...}, extra={name: module}, core={...}, region=path, share_with=app)``
  — a fresh app on a throwaway database (SQLite file per app; a new PostgreSQL database per app when
  ``ESCHOOL_TEST_PG`` is an admin URL), migrated; ``make_app.latest`` is the last one built;
- ``app`` — an app with the plugins named by ``@pytest.mark.plugins(...)``, or ``eschool_plugins``;
- ``eschool_plugins`` — the default plugin list: the ini option ``eschool_plugins``, else the built-ins;
- ``client``, ``runner`` (the ``eschool`` CLI of ``app``);
- ``make_user(role, name=None, app=None, **fields)`` — a core ``User`` in the latest app;
- ``actors`` — one user of every role in ``core.testing.ROLES`` (``actors["teacher"]``);
- ``login(client, user, provider="test")`` — a real server-side session for ``user`` (no login rules);
- ``login_as(client, identity)`` — a login through the core's pipeline (resolution, rules, audit).

Before any test runs the plugin removes ``DATABASE_URL``, ``ESCHOOL_CONFIG``, ``ESCHOOL_INSTANCE`` and
``SECRET_KEY`` from the environment, so a suite run on a production server cannot reach its region.
"""

from __future__ import annotations

import os

import pytest

from core.testing import harness

IGNORED_ENVIRONMENT: list[str] = []


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    IGNORED_ENVIRONMENT[:] = harness.forget_production_environment()


def pytest_addoption(parser):
    parser.addini("eschool_plugins", "plugins the `app` fixture enables when a test names none "
                  "(default: eschool's built-in plugins)", type="args", default=None)


def pytest_configure(config):
    config.addinivalue_line("markers", "plugins(names): the plugins the app under test enables")


def pytest_report_header(config):
    pg = os.environ.get("ESCHOOL_TEST_PG")
    lines = [f"eschool database: {'PostgreSQL ' + pg if pg else 'SQLite (file per app)'}"]
    if IGNORED_ENVIRONMENT:
        lines.append(f"eschool: ignored from the environment: {', '.join(IGNORED_ENVIRONMENT)}")
    return lines


@pytest.fixture
def eschool_plugins(pytestconfig) -> list[str]:
    """The plugins of ``app`` when the test has no ``plugins`` marker (override it in a conftest)."""
    return pytestconfig.getini("eschool_plugins") or harness.builtin_plugins()


@pytest.fixture
def make_app(tmp_path, eschool_plugins):
    factory = harness.AppFactory(tmp_path, eschool_plugins, os.environ.get("ESCHOOL_TEST_PG"))
    yield factory
    factory.close()


@pytest.fixture
def app(request, make_app):
    marker = request.node.get_closest_marker("plugins")
    return make_app(list(marker.args) if marker else None)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(request, make_app):
    """Create a core User in the app built last in this test (or in the ``app`` fixture's app)."""
    from core.models import User

    def factory(role="parent", name=None, app=None, **fields):
        app = app or make_app.latest or request.getfixturevalue("app")
        with app.app_context():
            return User.create(display_name=name or f"Тест {role}", role=role, **fields)

    return factory


@pytest.fixture
def actors(make_user) -> dict:
    """One user of every role (``core.testing.ROLES``), named «Тест <role>», in the latest app."""
    return {role: make_user(role) for role in harness.ROLES}


@pytest.fixture
def login():
    """Log ``client`` in as ``user`` by opening a real server-side session (as a provider would)."""
    return harness.open_test_session


@pytest.fixture
def login_as():
    """Log ``client`` in with an ``Identity`` through the core's whole login pipeline; returns the user."""
    return harness.log_in_through_pipeline
