"""Journey 1: a parent logs in through Gosuslugi, picks a child, reads marks, averages, homework and the табель.

Headless Chromium against the app and the ESIA emulator on loopback; every page
is checked at 360 px and photographed into the test's tmp folder.
"""

from __future__ import annotations

import re

from plugins.gradebook.models import Mark
from tests.journeys.conftest import FIRST_QUARTER_GRADE, HOMEWORK, MOTHER_OID, login_with_gosuslugi


def weighted_average(marks) -> str:
    total = sum(int(m.value) * m.weight for m in marks)
    return f"{total / sum(m.weight for m in marks):.2f}"


def test_parent_logs_in_through_gosuslugi_and_reads_the_childs_progress_and_report_card(region, camera):
    world = region.world
    child, other_child = world.a1, world.b1
    with region.context():
        maths_marks = list(Mark.select().where((Mark.student_id == child.id)
                                               & (Mark.assignment_id == world.maths_5a.id)))
    assert len(maths_marks) == 3
    cam = camera("parent")
    page = cam.page

    login_with_gosuslugi(cam, region, MOTHER_OID)
    assert "Иванова Мария" in page.locator(".account .who").inner_text()
    cam.look("home")

    page.locator(".main-nav").get_by_role("link", name="Успеваемость").click()
    page.wait_for_url("**/progress")
    tiles = page.locator("a.tile")
    assert sorted(tiles.all_inner_texts()) == sorted([
        f"{child.full_name}, 5А класс", f"{other_child.full_name}, 5Б класс"])
    cam.look("children")

    tiles.filter(has_text=child.full_name).click()
    page.wait_for_url(f"**/progress/{child.id}")
    assert page.locator("h1").inner_text() == child.full_name
    page.locator("table.summary-table").get_by_role("link", name="Математика").click()  # opens in place
    maths = page.locator("details.subject").filter(has=page.locator("summary", has_text="Математика"))
    assert maths.get_attribute("open") is not None
    shown = maths.locator("td.mark").all_inner_texts()
    assert sorted(shown) == sorted(m.value for m in maths_marks)
    average = maths.locator("dt", has_text="Средний взвешенный балл").locator("xpath=following-sibling::dd[1]")
    assert average.inner_text().replace(",", ".") == weighted_average(maths_marks)
    assert maths.locator("svg").count() == 1  # the trend of the average
    homework = page.locator("ul.homework li")
    assert homework.count() == 1
    assert "Математика" in homework.inner_text() and HOMEWORK in homework.inner_text()
    cam.look("progress")

    page.locator("nav.tabs").get_by_role("link", name="Дневник").click()
    page.wait_for_url(f"**/progress/{child.id}/diary")
    assert HOMEWORK in page.locator("main").inner_text()
    cam.look("diary")

    page.locator("nav.tabs").get_by_role("link", name="Табель").click()
    page.wait_for_url(f"**/progress/{child.id}/report-card")
    assert page.locator("h1").inner_text() == "Табель успеваемости"
    subjects = page.locator("table.data tbody tr td:first-child").all_inner_texts()
    assert sorted(subjects) == ["Английский язык", "Математика", "Русский язык"]
    header = page.locator("table.data thead th").all_inner_texts()
    assert header[0] == "Предмет" and header[-1] == "Год"
    assert [h for h in header if re.fullmatch(r"[IV]+ четверть", h)] == [
        "I четверть", "II четверть", "III четверть", "IV четверть"]
    maths_row = page.locator("table.data tbody tr", has_text="Математика").locator("td").all_inner_texts()
    assert maths_row[1] == FIRST_QUARTER_GRADE  # I четверть
    cam.look("report-card")

    page.locator("nav.tabs").get_by_role("link", name="Калькулятор").click()
    page.wait_for_url(f"**/progress/{child.id}/calculator")
    page.select_option("#subject", label="Математика")
    page.select_option("#value-0", "5")
    page.get_by_role("button", name="Посчитать").click()
    page.wait_for_url("**/calculator?**")
    hoped = maths_marks + [type("Hoped", (), {"value": "5", "weight": 1})()]
    result = page.locator("dd.calc-result").all_inner_texts()
    assert result[0].replace(",", ".") == weighted_average(hoped)
    assert page.locator(".calc-needed li").count() == 2  # what it takes to reach «5» and «4»
    cam.look("calculator")

    page.locator("nav.tabs").get_by_role("link", name="Табель").click()
    page.wait_for_url(f"**/progress/{child.id}/report-card")
    page.emulate_media(media="print")
    page.screenshot(path=cam.folder / "parent-report-card-print.png", full_page=True)
    assert not page.locator("nav.tabs").is_visible()  # the print shows the card, not the page's navigation
