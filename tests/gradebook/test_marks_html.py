"""The progress page's mark rows, written in one pass, are the rows the template used to write."""

import datetime as dt
from decimal import Decimal

from plugins.gradebook.marks_html import mark_rows
from plugins.gradebook.queries import MarkView

# The rows as the template wrote them before (the reference the fast writer must match).
TEMPLATE_ROWS = (
    '{% for m in marks %}<tr><td class="date">{{ m.date|ru_day("d MMM") }}{% if fresh.get(m.id) %} '
    '<span class="badge badge-new">{{ badges[fresh[m.id]] }}</span>{% endif %}</td>'
    '<td class="mark mark-{{ m.value }}">{{ m.value }}</td><td class="work">{{ m.work_type }} '
    '<span class="weight">· {{ weight }} {{ m.weight|ru_number }}</span>'
    '{% if m.comment %}<span class="comment">{{ m.comment }}</span>{% endif %}</td></tr>{% endfor %}'
)

MOMENT = dt.datetime(2026, 11, 2, 10, 0)
MARKS = [
    MarkView(1, 10, dt.date(2026, 11, 2), "5", "Контрольная работа", Decimal("2"), "", MOMENT, False),
    MarkView(2, 11, dt.date(2026, 11, 3), "4", "Ответ <у доски>", Decimal("1.5"), 'Молодец & "умница"', MOMENT,
             False),
    MarkView(3, 12, dt.date(2026, 12, 1), "н", "Самостоятельная", Decimal("1"), "<script>alert(1)</script>",
             MOMENT, True, MOMENT),
]
BADGES = {"new": "новая", "changed": "изменена"}


def test_the_rows_match_the_template_and_escape_every_stored_text(app):
    with app.test_request_context():
        for fresh in ({}, {2: "new", 3: "changed"}):
            expected = app.jinja_env.from_string(TEMPLATE_ROWS).render(
                marks=MARKS, fresh=fresh, badges=BADGES, weight="вес")
            assert str(mark_rows(MARKS, fresh, BADGES, "вес")) == expected
        html = str(mark_rows(MARKS, {3: "changed"}, BADGES, "вес"))
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;у доски&gt;" in html
    assert "вес 1,5" in html and "2 нояб." in html  # figures and days as the region writes them
    assert html.count("badge-new") == 1 and "изменена" in html


def test_a_control_character_stored_long_ago_never_reaches_the_page(app):
    """The fragment goes through the page's ``finalize`` like any other output."""
    bad = [MarkView(4, 13, dt.date(2026, 11, 5), "3", "Диктант", Decimal("1"), "пло\x07хо", MOMENT, False)]
    with app.test_request_context():
        page = app.jinja_env.from_string("{{ rows }}").render(rows=mark_rows(bad, {}, BADGES, "вес"))
    assert "\x07" not in page and "плохо" in page
