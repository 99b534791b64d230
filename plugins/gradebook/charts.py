"""Server-rendered SVG charts (no JavaScript): the trend of a student's weighted average.

The chart draws the running weighted average over the period's dates on a 2–5 axis, the school's own
period-grade thresholds (its local act) as coloured bands, dates on the horizontal axis, and carries a
text alternative (``<title>``/``<desc>`` plus a visually hidden list) for screen readers. Sizes are in
the viewBox's units, which are CSS pixels when the chart is shown at 320 px wide, so labels stay
readable on a 360 px phone.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache

from markupsafe import Markup, escape

from core.api import _, format_average, format_day, region_language

WIDTH, HEIGHT = 320, 150
LEFT, RIGHT, TOP, BOTTOM = 34, 10, 8, 24
BANDS = {"5": "#e3f4e8", "4": "#eaf1ff", "3": "#fff6dc", "2": "#fde8e6"}
FONT = 'font-size="12" fill="#3a4250"'


def _number(value: Decimal, language: str) -> str:
    return format_average(value, language=language)


def _y(value: float) -> float:
    """The vertical place of an average on the 2–5 axis (clamped to it)."""
    return TOP + INNER_H * (5.0 - min(max(value, 2.0), 5.0)) / 3.0


INNER_W, INNER_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM


@lru_cache(maxsize=256)
def _frame(thresholds: tuple[Decimal, Decimal, Decimal] | None) -> str:
    """The chart's frame — the local act's bands and the 2–5 grid lines: the same for every chart of a school."""
    parts = []
    if thresholds is not None:  # the local act's bands: [t5, 5] → «5», [t4, t5) → «4», [t3, t4) → «3», below → «2»
        t5, t4, t3 = (float(t) for t in thresholds)
        for grade, top, bottom in (("5", 5.0, t5), ("4", t5, t4), ("3", t4, t3), ("2", t3, 2.0)):
            y1, y2 = _y(top), _y(bottom)
            parts.append(f'<rect class="band band-{grade}" x="{LEFT}" y="{y1:.1f}" width="{INNER_W}" '
                         f'height="{max(y2 - y1, 0):.1f}" fill="{BANDS[grade]}"/>')
            parts.append(f'<text x="{WIDTH - RIGHT - 2}" y="{(y1 + y2) / 2 + 4:.1f}" text-anchor="end" '
                         f'font-size="11" fill="#5a6472">«{grade}»</text>')
    for grade in (5, 4, 3, 2):
        y = _y(grade)
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#c9d1dc"/>'
                     f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" {FONT}>{grade}</text>')
    return "".join(parts)


def trend_svg(points: list[tuple[dt.date, Decimal]], label: str, rule=None) -> Markup:
    """A line chart of the running weighted average on a 2–5 axis with the rule's bands; empty for < 2 points.

    ``rule``: the school's :class:`~plugins.gradebook.rules.GradeRule` (its thresholds for 5, 4 and 3)."""
    if len(points) < 2:
        return Markup("")
    language = region_language()  # asked once for the chart's dates and figures
    first, last = points[0][0], points[-1][0]
    span = max((last - first).days, 1)

    def x_of(day: dt.date) -> float:
        return LEFT + INNER_W * (day - first).days / span

    parts = [_frame((rule.threshold_5, rule.threshold_4, rule.threshold_3) if rule is not None else None)]
    ticks = [first, last] if span < 14 else [first, first + dt.timedelta(days=span // 2), last]
    for index, day in enumerate(ticks):
        anchor = "start" if index == 0 else ("end" if day == last else "middle")
        parts.append(f'<text class="date" x="{x_of(day):.1f}" y="{HEIGHT - 6}" text-anchor="{anchor}" {FONT}>'
                     f'{escape(format_day(day, "d MMM", language=language))}</text>')
    at = [(f"{x_of(d):.1f}", f"{_y(float(v)):.1f}") for d, v in points]  # each point placed once, drawn twice
    line = " ".join(f"{x},{y}" for x, y in at)
    parts.append(f'<polyline points="{line}" fill="none" stroke="#0d4cd3" stroke-width="2.5"/>')
    parts.extend(f'<circle cx="{x}" cy="{y}" r="3.5" fill="#0d4cd3"/>' for x, y in at)
    point = _("%(day)s — %(avg)s")  # translated once per chart, filled in per point
    described = "; ".join(point % {"day": format_day(d, "d MMMM", language=language), "avg": _number(v, language)}
                          for d, v in points)
    if rule is not None:
        bands = _("«5» — от %(t5)s, «4» — от %(t4)s, «3» — от %(t3)s", t5=_number(rule.threshold_5, language),
                  t4=_number(rule.threshold_4, language), t3=_number(rule.threshold_3, language))
        desc = _("Средний балл по датам: %(points)s. Отметка за период по правилу школы: %(bands)s.",
                 points=described, bands=bands)
    else:
        desc = _("Средний балл по датам: %(points)s.", points=described)
    title, desc = escape(label), escape(desc)
    caption = escape(_("Линия — средний балл после каждой отметки; полосы — отметка за период, которую "
                       "по правилу школы даёт такой средний балл."))
    return Markup(
        f'<figure class="trend-figure"><svg class="trend" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{title}" xmlns="http://www.w3.org/2000/svg"><title>{title}</title><desc>{desc}</desc>'
        f'{"".join(parts)}</svg><figcaption class="muted chart-legend">{caption}</figcaption>'
        f'<p class="visually-hidden">{desc}</p></figure>'
    )
