"""Issue 15 item 1: the child's page on a phone — «Что нового», one compact summary, details on tap.

Headless Chromium at 360 px and 1366 px: nothing on the page scrolls sideways (the document and every
element, with every subject's details open and closed), the summary table starts within the first screen,
a subject opens and closes in place, and the mother switches to her other child in one tap. Screenshots
of each width are written to the test's tmp folder (the path is printed).
"""

from __future__ import annotations

from plugins.gradebook import journal
from tests.journeys.conftest import MOTHER_OID, login_with_gosuslugi

WIDTHS = ({"width": 360, "height": 740}, {"width": 1366, "height": 900})

# Every element of the page's content that sticks out of the viewport or scrolls/clips its content sideways
# (the core's header and menu above it are checked by test_header_and_logout.py), and the document itself.
OVERFLOWING = """() => {
  const limit = window.innerWidth + 0.5, found = [];
  for (const el of document.querySelectorAll('main, main *')) {
    const style = getComputedStyle(el);
    if (style.display === 'none' || el.closest('.visually-hidden, .skip-link')) continue;
    const box = el.getBoundingClientRect();
    if (box.width && box.right > limit) found.push(`${el.tagName}.${el.className} sticks out to ${box.right}`);
    if ((['auto', 'scroll', 'hidden'].includes(style.overflowX) || ['TD', 'TH'].includes(el.tagName))
        && el.scrollWidth > el.clientWidth + 1)
      found.push(`${el.tagName}.${el.className} scrolls ${el.scrollWidth} > ${el.clientWidth}`);
  }
  const doc = document.documentElement;
  if (doc.scrollWidth > window.innerWidth) found.push(`document ${doc.scrollWidth} > ${window.innerWidth}`);
  return found;
}"""


def test_childs_page_on_a_phone_opens_with_whats_new_and_a_summary_without_sideways_scroll(region, camera):
    world = region.world
    child, other = world.a1, world.b1
    cam = camera("family")
    page = cam.page
    login_with_gosuslugi(cam, region, MOTHER_OID)
    page.goto(f"{region.url}/progress/{child.id}")  # the first visit: the reference for «new»
    assert "Это первый просмотр" in page.locator(".whats-new").inner_text()
    with region.context():
        journal.set_mark(world.maths_lessons[-1], child.id, "3", world.teacher.user_id)  # entered after the visit
    page.reload()

    news = page.locator(".whats-new")
    assert news.locator("h2").inner_text() == "Что нового"
    assert "1 новая или изменённая отметка:" in news.inner_text() and "Математика 3" in news.inner_text()
    summary = page.locator("table.summary-table")
    head = summary.locator("thead th").all_inner_texts()
    assert head == ["Предмет", "Средний балл", "За период", "Пропуски"]
    maths_row = summary.locator("tbody tr", has_text="Математика").locator("th, td").all_inner_texts()
    assert "+1 новая" in maths_row[0] and "," in maths_row[1]  # one new mark; the average with a decimal comma
    assert maths_row[2].startswith("≈") and maths_row[3] == "0"  # the rule's grade today; no absences
    # «Что нового» sits above the summary
    assert news.bounding_box()["y"] < summary.bounding_box()["y"]

    details = page.locator("details.subject").filter(has=page.locator("summary", has_text="Математика"))
    for size in WIDTHS:
        page.set_viewport_size(size)
        page.evaluate("window.scrollTo(0, 0)")
        assert summary.bounding_box()["y"] < size["height"], f"the summary is below the first screen at {size}"
        assert page.evaluate(OVERFLOWING) == [], size
        page.screenshot(path=cam.folder / f"family-summary-{size['width']}.png")
        page.screenshot(path=cam.folder / f"family-summary-{size['width']}-full.png", full_page=True)

        assert details.get_attribute("open") is None
        summary.get_by_role("link", name="Математика").click()  # opens in place, no page load
        assert details.get_attribute("open") is not None
        assert details.locator("table.marks td.mark").count() == 4
        # the chart: dates on the axis, the school's bands, labels at least 10 px tall on screen
        chart = details.locator("svg.trend")
        assert chart.locator("text.date").count() >= 2 and chart.locator("rect.band").count() == 4
        smallest = chart.evaluate("svg => Math.min(...[...svg.querySelectorAll('text')]"
                                  ".map(t => t.getBoundingClientRect().height))")
        assert smallest >= 10, f"chart labels {smallest} px tall at {size}"
        page.evaluate("document.querySelectorAll('details.subject').forEach(d => d.open = true)")
        assert page.evaluate(OVERFLOWING) == [], f"with details open at {size}"
        page.screenshot(path=cam.folder / f"family-details-{size['width']}.png", full_page=True)
        page.evaluate("document.querySelectorAll('details.subject').forEach(d => d.open = false)")
        details.locator("summary").click()
        assert details.get_attribute("open") is not None
        details.locator("summary").click()  # closes again
        assert details.get_attribute("open") is None
    assert cam.problems == []

    page.set_viewport_size(WIDTHS[0])
    switch = page.locator("nav.children-switch a")
    assert switch.count() == 2
    switch.filter(has_text=other.first_name).click()  # one tap to the other child
    page.wait_for_url(f"**/progress/{other.id}")
    assert page.locator("h1").inner_text() == other.full_name
    assert page.evaluate(OVERFLOWING) == []
    page.screenshot(path=cam.folder / "family-other-child-360.png", full_page=True)
    print(f"screenshots in {cam.folder}")


def test_the_calculators_answer_appears_where_the_parent_is_looking(region, camera):
    child = region.world.a1
    cam = camera("calculator")
    page = cam.page
    login_with_gosuslugi(cam, region, MOTHER_OID)
    page.goto(f"{region.url}/progress/{child.id}/calculator")
    page.select_option("#subject", label="Математика")
    page.select_option("#value-0", "2")
    page.get_by_role("button", name="Посчитать").click()
    page.wait_for_url("**/calculator?**#result")
    sentence = page.locator(".calc-sentence")
    assert sentence.inner_text().startswith("С этими отметками выйдет «")
    assert "чтобы вышла «" in sentence.inner_text() or "выйдет «5»" in sentence.inner_text()
    box, height = sentence.bounding_box(), page.evaluate("window.innerHeight")
    assert 0 <= box["y"] and box["y"] + box["height"] <= height, f"the answer is out of sight: {box}"
    assert page.evaluate(OVERFLOWING) == []
    page.screenshot(path=cam.folder / "calculator-answer-360.png")
    assert cam.problems == []


def test_the_other_family_pages_do_not_scroll_sideways_on_a_phone(region, camera):
    child = region.world.a1
    cam = camera("family-pages")
    page = cam.page
    login_with_gosuslugi(cam, region, MOTHER_OID)
    found = {}
    for name, path in (("diary", "diary"), ("report-card", "report-card"), ("calculator", "calculator")):
        page.goto(f"{region.url}/progress/{child.id}/{path}")
        for size in WIDTHS:
            page.set_viewport_size(size)
            if problems := page.evaluate(OVERFLOWING):
                found[f"{name} at {size['width']}"] = problems
            page.screenshot(path=cam.folder / f"family-{name}-{size['width']}.png", full_page=True)
    assert found == {}
    assert cam.problems == []
