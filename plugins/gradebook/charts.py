"""Server-rendered SVG charts (no JavaScript): the trend of a student's weighted average."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from markupsafe import Markup, escape

WIDTH, HEIGHT, PAD = 300, 80, 6
LOW, HIGH = Decimal(2), Decimal(5)


def trend_svg(points: list[tuple[dt.date, Decimal]], label: str) -> Markup:
    """A small line chart of the running weighted average on a 2–5 axis; empty markup for < 2 points."""
    if len(points) < 2:
        return Markup("")
    first, last = points[0][0], points[-1][0]
    span = max((last - first).days, 1)

    def xy(day: dt.date, value: Decimal) -> str:
        x = PAD + (WIDTH - 2 * PAD) * (day - first).days / span
        y = PAD + (HEIGHT - 2 * PAD) * float((HIGH - value) / (HIGH - LOW))
        return f"{x:.1f},{y:.1f}"

    grid = "".join(
        f'<line x1="{PAD}" x2="{WIDTH - PAD}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d8dee6" stroke-width="1"/>'
        f'<text x="0" y="{y + 3:.1f}" font-size="8" fill="#5a6472">{grade}</text>'
        for grade in (5, 4, 3, 2)
        for y in [PAD + (HEIGHT - 2 * PAD) * (5 - grade) / 3]
    )
    line = " ".join(xy(day, value) for day, value in points)
    dots = "".join(f'<circle cx="{xy(d, v).split(",")[0]}" cy="{xy(d, v).split(",")[1]}" r="2.5" fill="#0d4cd3"/>'
                   for d, v in points)
    title = escape(label)
    return Markup(
        f'<svg class="trend" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" '
        f'aria-label="{title}" xmlns="http://www.w3.org/2000/svg"><title>{title}</title>{grid}'
        f'<polyline points="{line}" fill="none" stroke="#0d4cd3" stroke-width="2"/>{dots}</svg>'
    )
