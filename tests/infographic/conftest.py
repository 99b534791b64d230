"""Helpers for the infographic tests: apps built from the real region files, and a live server."""

from __future__ import annotations

import threading
import tomllib
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import make_server

REGIONS = Path(__file__).resolve().parents[2] / "regions"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


def read_region(name: str) -> dict:
    with open(REGIONS / name, "rb") as fh:
        return tomllib.load(fh)


@pytest.fixture
def region_app(make_app):
    """An app built from a region file in ``regions/`` (its plugins, its sections), on the test database."""

    def build(name: str, plugins: list[str] | None = None):
        raw = read_region(name)
        core = {k: v for k, v in raw["eschool"].items() if k in ("region_name", "region_code")}
        enabled = raw["eschool"]["plugins"] if plugins is None else plugins
        sections = {k: v for k, v in raw.items() if k != "eschool" and k in enabled}
        return make_app(enabled, sections=sections, core=core)

    return build


@contextmanager
def live_server(app):
    """Serve ``app`` on 127.0.0.1 (a free port) in a thread; yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture
def browser():
    """Debian's headless Chromium driven by Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
