"""One "today" for every plugin: the region's date (``core.api.region_today``), not the server's."""

import datetime as dt
import re
from pathlib import Path

import time_machine

from core.api import region_today

ROOT = Path(__file__).resolve().parents[2]


def test_today_is_the_regions_date_whatever_the_servers_clock_says(make_app):
    evening_in_utc = dt.datetime(2026, 11, 24, 20, 30, tzinfo=dt.UTC)
    with time_machine.travel(evening_in_utc, tick=False):
        for zone, today in (("Asia/Vladivostok", dt.date(2026, 11, 25)), ("Europe/Kaliningrad", dt.date(2026, 11, 24)),
                            ("Europe/Moscow", dt.date(2026, 11, 24))):
            app = make_app([], core={"timezone": zone})
            with app.app_context():
                assert region_today() == today


def test_no_plugin_asks_the_server_for_the_date():
    server_date = re.compile(r"\bdate\.today\(|\bdatetime\.now\(\)|\bdatetime\.today\(|\btime\.localtime\(")
    found = [f"{p.relative_to(ROOT)}:{n}" for base in ("core", "plugins") for p in sorted((ROOT / base).rglob("*.py"))
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if server_date.search(line)]
    assert found == [], "use core.api.region_today() (or utcnow() for a moment):\n" + "\n".join(found)
