"""Issue 15 item 2: the family's pages write numbers and dates as Russians do (Babel): «4,75», «2 декабря»."""

from __future__ import annotations

import re

from plugins.gradebook.models import WorkType

# a decimal written with a point (4.75, 3.8) that is not a part of a date such as 25.11.2026
POINT_DECIMAL = re.compile(r"(?<![\d.])\d+\.\d+(?![\d.])")


def visible_text(html: str) -> str:
    body = html[html.index("<main"):html.index("</main>")]
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    body = re.sub(r"<svg\b.*?</svg>", lambda m: " ".join(re.findall(r">([^<]+)<", m.group(0))), body, flags=re.S)
    return re.sub(r"<[^>]+>", " ", body)


def test_family_pages_write_no_decimal_point_and_name_days_in_russian(app, world, as_):
    client = as_(world.parent)
    child = world.a1.id
    with app.app_context():
        test_work = WorkType.get((WorkType.school_id == world.school.id) & (WorkType.name == "Контрольная работа"))
    pages = {
        "progress": f"/progress/{child}?period={world.period.id}",
        "calculator": f"/progress/{child}/calculator?period={world.period.id}&subject={world.maths.id}"
                      f"&value=2&work_type={test_work.id}",
        "diary": f"/progress/{child}/diary?week={world.maths_lessons[-1].date.isoformat()}",
        "report card": f"/progress/{child}/report-card",
    }
    texts = {}
    for name, url in pages.items():
        answer = client.get(url)
        assert answer.status_code == 200, name
        texts[name] = visible_text(answer.get_data(as_text=True))
        assert POINT_DECIMAL.findall(texts[name]) == [], f"{name}: {POINT_DECIMAL.findall(texts[name])}"
    assert "4,75" in texts["progress"] and "3,83" in texts["calculator"]
    assert "«5» — от 4,50" in texts["progress"]  # the chart's text alternative names the school's thresholds
    assert re.search(r"(Понедельник|Вторник|Среда|Четверг|Пятница|Суббота), \d{1,2} (ноября|декабря)",
                     texts["diary"])
    assert re.search(r"\d{1,2} нояб\.", texts["progress"])  # mark dates: «25 нояб.»
