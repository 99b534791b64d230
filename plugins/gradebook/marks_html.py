"""A subject's marks as table rows, written in one pass: the progress page's largest part.

A family's progress page lists every mark of the period — about 150 rows of date, mark, kind of work,
weight and comment. Written by the template, each row costs some seventy Python calls (an escape and a
lookup for each of its seven values); written here it costs about ten. The markup is the template's,
unchanged; every stored text is escaped, and the page it goes into is cleared of control characters as
every page is (``core.web.PrintableTemplate``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from markupsafe import Markup, escape

from core.api import format_day, format_number, region_language


def mark_rows(marks: Iterable, fresh: Mapping[int, str], badges: Mapping[str, str], weight_word: str) -> Markup:
    """The ``<tr>`` rows of :class:`~plugins.gradebook.queries.MarkView` marks.

    ``fresh``: mark id → ``"new"`` / ``"changed"`` since the reader's previous visit; ``badges``: the
    translated word for each; ``weight_word``: «вес», translated once for the page.
    """
    language = region_language()
    weight = escape(weight_word)
    badge = {kind: Markup(' <span class="badge badge-new">%s</span>') % word for kind, word in badges.items()}
    rows = []
    for m in marks:
        new = badge[fresh[m.id]] if m.id in fresh else ""
        comment = Markup('<span class="comment">%s</span>') % m.comment if m.comment else ""
        value = escape(m.value)
        rows.append(f'<tr><td class="date">{format_day(m.date, "d MMM", language=language)}{new}</td>'
                    f'<td class="mark mark-{value}">{value}</td><td class="work">{escape(m.work_type)} '
                    f'<span class="weight">· {weight} {format_number(m.weight, language=language)}</span>'
                    f'{comment}</td></tr>')
    return Markup("".join(rows))
