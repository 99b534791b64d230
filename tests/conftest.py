"""The repo's own suite on top of the shipped test kit (``core.testing``, a pytest plugin).

The kit gives every fixture a plugin package gets too — ``make_app``, ``app``, ``client``, ``runner``,
``make_user``, ``actors``, ``login``, ``login_as`` — on a real SQLite file per app, or a new PostgreSQL
database per app when ``ESCHOOL_TEST_PG`` is an admin URL (``.ci/run`` starts a throwaway cluster and does
this), and it ignores ``DATABASE_URL``, ``ESCHOOL_CONFIG``, ``ESCHOOL_INSTANCE`` and ``SECRET_KEY`` from the
environment. This file adds what only this repo needs: the fixed school day, the built-in plugin list,
the hook tester, the browser and the ESIA keys.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest
import time_machine

from core.testing import PRODUCTION_ENVIRONMENT, refuse_foreign_database  # noqa: F401 (tests import them here)

# Every test runs on the same school day, so nothing depends on the date the suite happens to run:
# a Wednesday in the second quarter, 10:00 in Moscow. The clock ticks on from there.
SCHOOL_DAY = dt.datetime(2026, 11, 25, 7, 0, tzinfo=dt.UTC)

# The PostgreSQL server the kit creates its databases on, when the suite runs on PostgreSQL (tests that
# differ by database read it here).
PG_ADMIN_URL = os.environ.get("ESCHOOL_TEST_PG")

BUILTIN_PLUGINS = ["registries", "auth_local", "auth_esia", "age_policy", "gradebook", "infographic",
                   "absence_notes"]


def pytest_report_header(config):
    return [f"eschool clock: {SCHOOL_DAY.isoformat()} (time-machine)"]


@pytest.fixture(autouse=True, scope="session")
def school_day():
    """Travel to ``SCHOOL_DAY`` for the whole session (threads included; other processes keep real time)."""
    with time_machine.travel(SCHOOL_DAY, tick=True):
        yield


@pytest.fixture
def eschool_plugins():
    """``app`` without a ``plugins`` marker enables every built-in plugin."""
    return BUILTIN_PLUGINS


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
