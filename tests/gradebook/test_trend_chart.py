"""Issue 15 item 3: the trend chart has dates on its axis, the local act's thresholds as bands, a text alternative."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from plugins.gradebook import charts
from plugins.gradebook.rules import GradeRule

POINTS = [(dt.date(2026, 11, 6), Decimal("5")), (dt.date(2026, 11, 9), Decimal("4.5")),
          (dt.date(2026, 12, 2), Decimal("3.82"))]


def test_chart_draws_the_schools_own_bands_dates_and_a_text_alternative(app):
    rule = GradeRule(Decimal("4.6"), Decimal("3.6"), Decimal("2.6"), 3)
    with app.test_request_context():
        svg = str(charts.trend_svg(POINTS, "Динамика среднего балла: Математика", rule))
    bands = dict(re.findall(r'class="band band-(\d)" x="\d+" y="([\d.]+)"', svg))
    assert set(bands) == {"5", "4", "3", "2"}
    # the «5» band starts at the top (5.0) and the «4» band at the school's threshold of 4.6, not 4.5
    top, bottom = charts.TOP, charts.HEIGHT - charts.BOTTOM
    expected_4 = top + (bottom - top) * (5 - 4.6) / 3
    assert abs(float(bands["4"]) - expected_4) < 0.11 and float(bands["5"]) == top
    dates = re.findall(r'<text class="date"[^>]*>([^<]+)</text>', svg)
    assert dates[0] == "6 нояб." and dates[-1] == "2 дек."
    desc = re.search(r"<desc>(.*?)</desc>", svg).group(1)
    assert "6 ноября — 5,00" in desc and "2 декабря — 3,82" in desc and "«5» — от 4,60" in desc
    assert '<p class="visually-hidden">' in svg and "<figcaption" in svg
    assert re.search(r'font-size="(\d+)"', svg) and min(int(n) for n in re.findall(r'font-size="(\d+)"', svg)) >= 11


def test_a_single_point_draws_no_chart(app):
    with app.test_request_context():
        assert str(charts.trend_svg(POINTS[:1], "x")) == ""
