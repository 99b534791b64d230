"""Issue 16 item 1: the teacher's journal grid fits the screen at 1366×768 (a laptop) and 768×1024 (a tablet).

Headless Chromium. The grid is one scroll container: after it is scrolled sideways (and down), every name
cell still lines up with the «Ученик» header and every header cell with the cells of its column (their
bounding boxes are compared); the average, the rule's grade and the period grade stay inside the viewport
without the page scrolling sideways; a tap on a date shows the lesson's topic and homework, and so does
Enter on it. Screenshots of each width go to the test's tmp folder (the path is printed).
"""

from __future__ import annotations

from plugins.gradebook import journal, queries
from tests.journeys.conftest import HOMEWORK, login_with_password

SIZES = ({"width": 1366, "height": 768}, {"width": 768, "height": 1024})
EXTRA_NUMBER = 9  # a second lesson on each day of the period, so the grid is wider than any screen here

# The boxes of the grid: the scroll container, the header cells, and per body row its cells, as
# [left, right, top, bottom] rounded to a tenth of a pixel.
BOXES = """() => {
  const box = el => { const r = el.getBoundingClientRect();
    return [r.left, r.right, r.top, r.bottom].map(v => Math.round(v * 10) / 10); };
  const scroller = document.querySelector('[data-journal-scroll]');
  const table = scroller.querySelector('table');
  return {
    scroller: box(scroller), scrollLeft: scroller.scrollLeft, scrollTop: scroller.scrollTop,
    head: [...table.tHead.rows[0].cells].map(box),
    rows: [...table.tBodies[0].rows].map(tr => [...tr.cells].map(box)),
    page: [document.documentElement.scrollWidth, window.innerWidth],
  };
}"""


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1


def check_aligned(boxes: dict, where: str) -> None:
    """Every cell of every row has its header cell's left and right edges; the names sit at the left edge."""
    head = boxes["head"]
    for number, row in enumerate(boxes["rows"]):
        assert len(row) == len(head)
        for column, (cell, top) in enumerate(zip(row, head, strict=True)):
            assert _close(cell[0], top[0]) and _close(cell[1], top[1]), \
                f"{where}: row {number}, column {column} at {cell[:2]}, its header at {top[:2]}"
        assert _close(row[0][0], boxes["scroller"][0] + 1), f"{where}: the name of row {number} left its place"


def check_summary_in_sight(boxes: dict, width: int, where: str) -> None:
    """The last three columns (average, rule, period grade) lie inside the scroller and the viewport."""
    left, right = boxes["scroller"][:2]
    assert right <= width
    for row in [boxes["head"], *boxes["rows"]]:
        for cell in row[-3:]:
            assert left <= cell[0] and cell[1] <= right + 0.5, f"{where}: {cell} outside {left}–{right}"
        assert row[-3][0] > row[0][1], f"{where}: the average overlaps the name"


def test_the_grid_keeps_names_headers_and_grades_in_place_while_scrolling(region, camera):
    world = region.world
    with region.context():
        period = queries.period_on(world.year, world.maths_lessons[-1].date)
        days = sorted({lesson.date for lesson in world.maths_5a.lessons
                       if period.starts_on <= lesson.date <= period.ends_on})
        for day in days:
            journal.add_lesson(world.maths_5a, world.teacher.user_id, {
                "date": day, "number": EXTRA_NUMBER, "starts_at": None, "ends_at": None, "room": ""})
        journal.set_mark(world.maths_lessons[-1], world.a1.id, "5", world.teacher.user_id)
        journal.set_mark(world.maths_lessons[-2], world.a1.id, "4", world.teacher.user_id)
    topic_lesson = world.maths_lessons[-1]  # «Сложение дробей» with HOMEWORK (tests/journeys/conftest.py)
    cam = camera("teacher-grid")
    page = cam.page
    login_with_password(cam, region, region.logins["teacher"])
    url = f"{region.url}/journal/{world.maths_5a.id}?period={period.id}"

    for size in SIZES:
        width = size["width"]
        page.set_viewport_size(size)
        page.goto(url)
        scroller = page.locator("[data-journal-scroll]")
        start = page.evaluate(BOXES)
        assert start["page"][0] <= start["page"][1], f"the page scrolls sideways at {width}: {start['page']}"
        wide, shown = scroller.evaluate("el => [el.scrollWidth, el.clientWidth]")
        assert wide > shown + 300, f"at {width} the grid must be wider than its box for this test: {wide}, {shown}"
        check_aligned(start, f"{width} before scrolling")
        check_summary_in_sight(start, width, f"{width} before scrolling")
        page.screenshot(path=cam.folder / f"grid-{width}-start.png")

        for share in (0.5, 1.0):  # halfway, then to the end: the same boxes must hold
            scroller.evaluate(f"el => {{ el.scrollLeft = (el.scrollWidth - el.clientWidth) * {share}; }}")
            moved = page.evaluate(BOXES)
            assert moved["scrollLeft"] > 0 and moved["page"][0] <= moved["page"][1]
            assert moved["head"][1][0] < start["head"][1][0]  # the lesson columns did move…
            check_aligned(moved, f"{width} scrolled {share:.0%}")  # …and the names and headers with them
            check_summary_in_sight(moved, width, f"{width} scrolled {share:.0%}")
            for kept in (0, -3, -2, -1):  # the name and the three summary columns did not move
                assert all(_close(a, b) for a, b in zip(moved["head"][kept][:2], start["head"][kept][:2], strict=True))
        page.screenshot(path=cam.folder / f"grid-{width}-scrolled.png")

        # focus moving into a lesson cell half under a sticky column (the name, the average) scrolls it clear
        for scroll, cover in ((0, -3), (250, 0)):
            scroller.evaluate(f"el => {{ el.scrollLeft = {scroll}; }}")
            row = page.evaluate(BOXES)["rows"][0]
            under = [i for i in range(1, len(row) - 3)
                     if row[i][1] > row[cover][0] + 1 and row[i][0] < row[cover][1] - 1]
            assert under, f"{width}: no lesson cell under column {cover} at scrollLeft {scroll}"
            field = page.locator("[data-journal] tbody tr").first.locator("td, th").nth(under[0]).locator("input")
            field.focus()
            box = field.bounding_box()
            cell, covering = (box["x"], box["x"] + box["width"]), page.evaluate(BOXES)["rows"][0][cover]
            clear = cell[1] <= covering[0] + 1 if cover < 0 else cell[0] >= covering[1] - 1
            assert clear, f"{width}: the focused cell {cell[:2]} is under the sticky column {covering[:2]}"
        scroller.evaluate("el => { el.scrollLeft = 0; }")

        # scrolled down in a short box, the header row stays on top of its cells
        scroller.evaluate("el => { el.style.maxHeight = '180px'; el.scrollTop = el.scrollHeight; }")
        down = page.evaluate(BOXES)
        assert down["scrollTop"] > 0
        assert _close(down["head"][0][2], down["scroller"][2] + 1), "the header row left the top while scrolling"
        check_aligned(down, f"{width} scrolled down")
        page.screenshot(path=cam.folder / f"grid-{width}-scrolled-down.png")
        scroller.evaluate("el => { el.style.maxHeight = ''; el.scrollTop = 0; }")

        # a tap on the date shows the lesson's topic and homework
        date = page.locator(f'button.lesson-date[popovertarget="lp-{topic_lesson.id}"]')
        date.evaluate("el => el.scrollIntoView({inline: 'center', block: 'nearest'})")
        popover = page.locator(f"#lp-{topic_lesson.id}")
        assert not popover.is_visible()
        date.click()
        assert popover.is_visible()
        assert popover.locator(".pop-topic").inner_text() == "Сложение дробей"
        assert popover.locator(".pop-homework").inner_text() == HOMEWORK
        assert popover.get_by_role("link", name="Перекличка").is_visible()
        shown_box = popover.bounding_box()
        assert 0 <= shown_box["x"] and shown_box["x"] + shown_box["width"] <= width
        assert 0 <= shown_box["y"] and shown_box["y"] + shown_box["height"] <= size["height"]
        page.screenshot(path=cam.folder / f"grid-{width}-date-popover.png")
        page.keyboard.press("Escape")
        assert not popover.is_visible()
        date.focus()  # by keyboard: Enter on the date opens it too, and the close button closes it
        page.keyboard.press("Enter")
        assert popover.is_visible()
        popover.get_by_role("button", name="Закрыть").click()
        assert not popover.is_visible()
        # a lesson without a topic says so
        bare = next(lesson for lesson in world.maths_lessons if not lesson.topic)
        page.locator(f'button.lesson-date[popovertarget="lp-{bare.id}"]').evaluate("el => el.click()")
        assert page.locator(f"#lp-{bare.id} .pop-topic").inner_text() == "Тема не указана"
        assert page.locator(f"#lp-{bare.id} .pop-homework").inner_text() == "Не задано"
        page.keyboard.press("Escape")
    assert cam.problems == [], cam.problems
    print(f"screenshots in {cam.folder}; {len(days) * 2} lessons in the period's grid")


def test_the_grid_on_a_phone_keeps_the_names_and_the_period_grade(region, camera):
    """Below 600 px only the period grade sticks on the right (the names wrap), and nothing else scrolls."""
    world = region.world
    cam = camera("teacher-grid-phone")
    page = cam.page
    login_with_password(cam, region, region.logins["teacher"])
    with region.context():
        period = queries.period_on(world.year, world.maths_lessons[-1].date)
    page.goto(f"{region.url}/journal/{world.maths_5a.id}?period={period.id}")
    boxes = page.evaluate(BOXES)
    assert boxes["page"][0] <= boxes["page"][1]
    page.locator("[data-journal-scroll]").evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    moved = page.evaluate(BOXES)
    check_aligned(moved, "360 scrolled")
    right = moved["scroller"][1]
    for row in [moved["head"], *moved["rows"]]:
        assert row[-1][1] <= right + 0.5 and row[-1][0] > row[0][1]
    page.screenshot(path=cam.folder / "grid-360-scrolled.png", full_page=True)
    assert cam.problems == [], cam.problems
