"""Helpers for the infographic tests: apps built from the real region files."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

REGIONS = Path(__file__).resolve().parents[2] / "regions"


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
