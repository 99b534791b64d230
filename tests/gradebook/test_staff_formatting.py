"""Issue 15 item 2 on the staff's side: every page a teacher, a deputy, a school admin and the municipality
reach from their home page writes numbers as Russians do — «3,82», «95,9 %» — never «3.82» or «95.9%».

The crawl follows every link of the platform from each person's home page (GET only, no downloads), so a
page added later is checked without being listed here.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from tests.gradebook.test_russian_numbers import POINT_DECIMAL, visible_text

# a percent glued to its number («95%», «95,9%»): Russian puts a (no-break) space before the sign
GLUED_PERCENT = re.compile(r"\d%")
# the journal's column heads are days written «06.11» (day.month, both with two digits): not decimals
DAY_MONTH = re.compile(r"(0[1-9]|[12]\d|3[01])\.(0[1-9]|1[0-2])")
SKIP = ("/logout", "/static/", "/api/", "/account/sessions", "/__", "/progress/manifest", "/progress/sw.js")
LIMIT = 150
CODE = re.compile(r"<(textarea|pre|code)\b.*?</\1>", re.S)


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href and "download" not in dict(attrs):
            self.found.append(href)


def crawl(client) -> dict[str, str]:
    """Every HTML page reachable from ``/`` by links (at most LIMIT): {path: visible text of its <main>}."""
    seen: dict[str, str] = {}
    queue = ["/"]
    while queue and len(seen) < LIMIT:
        path = queue.pop(0)
        if path in seen:
            continue
        answer = client.get(path)
        if answer.status_code != 200 or not answer.mimetype == "text/html":
            seen[path] = ""
            continue
        html = answer.get_data(as_text=True)
        shown = CODE.sub(" ", html)  # an embed snippet to copy (width="100%") is code, not a figure
        seen[path] = visible_text(shown) if "<main" in shown else ""
        parser = Links()
        parser.feed(html)
        for href in parser.found:
            parts = urlsplit(urljoin("http://localhost" + path, href))
            if parts.netloc != "localhost" or parts.path.startswith(SKIP):
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if target not in seen and target not in queue:
                queue.append(target)
    return seen


def test_staff_pages_write_decimal_commas_and_spaced_percents(app, world, as_):
    everything, failures = {}, []
    for who in ("teacher", "class_teacher", "deputy", "admin", "municipal"):
        pages = crawl(as_(getattr(world, who)))
        assert len(pages) > 3, (who, list(pages))
        for path, text in pages.items():
            bad = [n for n in POINT_DECIMAL.findall(text) if not DAY_MONTH.fullmatch(n)] + GLUED_PERCENT.findall(text)
            if bad:
                failures.append(f"{who} {path}: {bad}")
            everything[f"{who} {path}"] = text
    assert failures == [], "\n".join(failures)
    joined = "\n".join(everything.values())
    assert re.search(r"\b\d,\d{2}\b", joined), "no average was written at all"  # e.g. «3,82» in the journal
    assert re.search(r"\d+(,\d)?\u00a0%", joined), "no percent was written at all"  # «95,9 %»


def test_settings_accept_a_decimal_comma(app, world, as_):
    from decimal import Decimal

    from plugins.gradebook import journal
    from plugins.gradebook.models import WorkType

    client = as_(world.admin)
    answer = client.post("/gradebook/admin/work_type", data={"name": "Проект", "short_name": "П", "weight": "1,5"})
    assert answer.status_code == 302
    data = {"threshold_5": "4,6", "threshold_4": "3,55", "threshold_3": "2.5", "min_marks": "3",
            "attendance_days": "0", "topic_days": "0", "homework_days": "0", "mark_days": "3", "written_mark_days": "7"}
    assert client.post("/gradebook/admin/local_act", data=data).status_code == 302
    assert client.post("/gradebook/admin/work_type",
                       data={"name": "Эссе", "weight": "1,5,5"}).status_code == 422  # not a number
    with app.app_context():
        assert str(WorkType.get(WorkType.name == "Проект").weight.normalize()) == "1.5"
        act = journal.local_act_for(world.school.id)
        assert (Decimal(act.threshold_5), Decimal(act.threshold_4)) == (Decimal("4.6"), Decimal("3.55"))
    page = client.get("/gradebook/admin").get_data(as_text=True)
    assert "Проект (П), вес 1,5" in page and 'value="4,6"' in page


def test_exports_keep_figures_numeric_and_write_decimal_commas_in_csv(app):
    from decimal import Decimal
    from io import BytesIO

    from openpyxl import load_workbook

    from core.api import Workbook, csv_bytes

    with app.test_request_context():
        book = Workbook()
        sheet = book.sheet("Итоги")
        sheet.append(["5А", Decimal("3.80"), Decimal("95.9"), 12])
        cells = list(load_workbook(BytesIO(book.to_bytes())).active.iter_rows(values_only=False))[0]
        assert [c.value for c in cells] == ["5А", 3.8, 95.9, 12]
        assert [c.data_type for c in cells[1:]] == ["n", "n", "n"]
        assert (cells[1].number_format, cells[2].number_format) == ("0.00", "0.0")
        text = csv_bytes(["Класс", "Средний", "Доля", "Число"],
                         [["5А", Decimal("3.80"), Decimal("1234.5"), 12]]).decode("utf-8-sig")
    assert text.splitlines()[1] == "5А;3,8;1234,5;12"  # Russian Excel reads «3,8» as a number
