"""Issue 16 item 7: a teacher takes the roll call of a lesson from a phone (360 px), one tap per student.

Headless Chromium. The teacher opens the journal, taps a date and «Перекличка» (or today's lesson on the
journal page), and taps the students: each tap is saved at once by a fetch POST without a page load (a marker
set on the page survives), the database has it, and a reload shows it. Nothing on the page scrolls sideways.
Screenshots go to the test's tmp folder (the path is printed).
"""

from __future__ import annotations

from core.api import region_today
from plugins.gradebook import journal
from plugins.gradebook.models import Attendance
from tests.journeys.conftest import PASSWORD, login_with_password
from tests.journeys.test_family_phone import OVERFLOWING


def codes_of(region, lesson) -> dict[int, str]:
    with region.context():
        return {a.student_id: a.code for a in Attendance.select().where(Attendance.lesson == lesson.id)}


def test_a_teacher_marks_attendance_from_a_phone_one_tap_per_student(region, camera):
    world = region.world
    lesson = world.maths_lessons[-1]
    absent, late = world.a2, world.a3
    cam = camera("roll-call")
    page = cam.page  # 360 × 740
    login_with_password(cam, region, region.logins["teacher"])

    page.goto(f"{region.url}/journal/{world.maths_5a.id}")
    page.locator(f'button.lesson-date[popovertarget="lp-{lesson.id}"]').evaluate(
        "el => el.scrollIntoView({inline: 'center', block: 'nearest'})")
    page.locator(f'button.lesson-date[popovertarget="lp-{lesson.id}"]').click()
    page.screenshot(path=cam.folder / "roll-call-01-grid-popover-360.png")
    page.locator(f"#lp-{lesson.id}").get_by_role("link", name="Перекличка").click()
    page.wait_for_url(f"**/journal/{world.maths_5a.id}/lesson/{lesson.id}/roll-call")
    assert page.locator("h1").inner_text().startswith("Перекличка")
    assert page.locator("ol.roll-call > li").count() == 3
    assert page.evaluate(OVERFLOWING) == []
    page.screenshot(path=cam.folder / "roll-call-02-list-360.png", full_page=True)

    page.evaluate("window.rollCallMarker = 'still here'")  # gone if a tap reloaded the page
    row = page.locator(f"#s-{absent.id}")
    row.get_by_role("button", name="Н — Отсутствовал").click()
    row.locator('button[value="Н"][aria-pressed="true"]').wait_for()
    assert page.locator("#roll-status").inner_text() == f"{absent.full_name}: Н — сохранено."
    late_row = page.locator(f"#s-{late.id}")
    late_row.get_by_role("button", name="ОП — Опоздал").click()
    late_row.locator('button[value="ОП"][aria-pressed="true"]').wait_for()
    assert page.locator("#roll-status").inner_text() == f"{late.full_name}: ОП — сохранено."
    assert page.evaluate("window.rollCallMarker") == "still here"
    assert row.locator('button[aria-pressed="true"]').count() == 1
    assert codes_of(region, lesson) == {absent.id: "Н", late.id: "ОП"}
    assert page.evaluate(OVERFLOWING) == []
    page.screenshot(path=cam.folder / "roll-call-03-tapped-360.png", full_page=True)

    # the absent one comes in after all: one more tap back to «На уроке»
    row.get_by_role("button", name="На уроке").click()
    page.locator("#roll-status").filter(has_text=f"{absent.full_name}: на уроке — сохранено.").wait_for()
    assert codes_of(region, lesson) == {late.id: "ОП"}

    page.reload()
    assert page.locator(f"#s-{late.id} button[aria-pressed='true']").inner_text().startswith("ОП")
    assert page.locator(f"#s-{absent.id} button[aria-pressed='true']").inner_text() == "На уроке"
    assert page.evaluate(OVERFLOWING) == []
    page.screenshot(path=cam.folder / "roll-call-04-reloaded-360.png", full_page=True)

    # quick taps on one row (a slip of the finger corrected at once): the last tap is what stays
    first = page.locator(f"#s-{world.a1.id}")
    for name in ("Н — Отсутствовал", "Б — Болел", "ОП — Опоздал"):
        first.get_by_role("button", name=name).click()
    page.locator(f"#s-{world.a1.id}:not([aria-busy]) button[value='ОП'][aria-pressed='true']").wait_for()
    assert codes_of(region, lesson) == {late.id: "ОП", world.a1.id: "ОП"}
    assert first.locator("button[aria-pressed='true']").count() == 1
    assert cam.problems == [], cam.problems
    print(f"screenshots in {cam.folder}")


def test_todays_lesson_on_the_journal_page_opens_its_roll_call_and_works_without_the_script(region, browser,
                                                                                               tmp_path):
    world = region.world
    with region.context():
        lesson = journal.add_lesson(world.maths_5a, world.teacher.user_id, {
            "date": region_today(), "number": 11, "starts_at": None, "ends_at": None, "room": ""})
    context = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False,
                                  locale="ru-RU")
    try:
        page = context.new_page()
        page.goto(region.url + "/login")
        page.fill("#auth-local-login", region.logins["teacher"])
        page.fill("#auth-local-password", PASSWORD)
        page.locator("#auth-local-password").press("Enter")
        page.wait_for_url(region.url + "/")
        page.goto(region.url + "/journal")
        today = page.locator("section.todays-lessons")
        assert "Уроки сегодня" in today.inner_text()
        page.screenshot(path=tmp_path / "roll-call-nojs-01-journal-360.png", full_page=True)
        today.locator("li", has_text="Урок 11").get_by_role("link", name="Перекличка").click()
        page.wait_for_url(f"**/lesson/{lesson.id}/roll-call")
        page.locator(f"#s-{world.a1.id}").get_by_role("button", name="Б — Болел").click()  # a plain form post
        page.wait_for_url(f"**/lesson/{lesson.id}/roll-call#s-{world.a1.id}")
        assert codes_of(region, lesson) == {world.a1.id: "Б"}
        assert page.locator(f"#s-{world.a1.id} button[aria-pressed='true']").inner_text().startswith("Б")
        wide, window = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert wide <= window
        page.screenshot(path=tmp_path / "roll-call-nojs-02-saved-360.png", full_page=True)
    finally:
        context.close()
    print(f"screenshots in {tmp_path}")
