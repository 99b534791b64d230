"""Journey 2: a teacher logs in with a password, fills the journal by keyboard and saves; the parent sees it.

Headless Chromium against the app on loopback. The teacher's hands never leave
the keyboard in the grid: focus a cell, type, Tab to the next lesson, arrow
keys to the next pupil. A second browser context is the mother, logged in
through the ESIA emulator.
"""

from __future__ import annotations

from babel.dates import format_date

from plugins.gradebook.models import Attendance, Mark
from tests.journeys.conftest import MOTHER_OID, login_with_gosuslugi, login_with_password


def cell(lesson, student) -> str:
    return f"#c-{lesson.id}-{student.id}"


def test_teacher_enters_marks_and_an_absence_by_keyboard_and_the_parent_sees_them(region, camera):
    world = region.world
    pupil, neighbour, third = world.a1, world.a2, world.a3  # rows 1–3 of 5А, by surname
    past = world.maths_lessons
    assert len(past) >= 6, "the journey needs three past maths lessons without marks"
    absent_on, four_on, five_on = past[-3], past[-2], past[-1]
    cam = camera("teacher")
    page = cam.page

    login_with_password(cam, region, region.logins["teacher"])
    assert "Математикова Анна" in page.locator(".account .who").inner_text()
    cam.look("home")

    page.locator(".main-nav").get_by_role("link", name="Журнал").click()
    page.wait_for_url("**/journal")
    cam.look("journal-index")
    row = page.locator("table.data tbody tr").filter(has_text="5А").filter(has_text="Математика")
    row.get_by_role("link", name="Математика").click()  # the subject opens it: in sight on a phone
    page.wait_for_url(f"**/journal/{world.maths_5a.id}")
    assert page.locator("h1").inner_text().startswith("Математика")
    cam.look("journal-grid")

    page.locator(cell(absent_on, pupil)).focus()
    page.keyboard.type("Н")
    page.keyboard.press("Tab")
    page.keyboard.type("4")
    page.keyboard.press("Tab")
    page.keyboard.type("5")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.id") == cell(five_on, neighbour)[1:]
    page.keyboard.type("3")
    page.keyboard.press("Enter")  # Enter moves down too, it does not send the form
    assert page.evaluate("document.activeElement.id") == cell(five_on, third)[1:]
    page.keyboard.type("ОП 4")
    page.keyboard.press("ArrowLeft")  # within the text the arrows move the caret…
    assert page.evaluate("document.activeElement.id") == cell(five_on, third)[1:]
    page.keyboard.press("Home")
    page.keyboard.press("ArrowLeft")  # …and at its start they move to the previous lesson
    assert page.evaluate("document.activeElement.id") == cell(four_on, third)[1:]
    assert page.url.endswith(f"/journal/{world.maths_5a.id}")
    page.screenshot(path=cam.folder / "teacher-typed-360.png", full_page=True)

    with page.expect_navigation():
        page.get_by_role("button", name="Сохранить журнал").click()
    assert "Журнал сохранён. Изменено ячеек: 5." in page.locator(".flash").inner_text()
    assert page.locator(cell(absent_on, pupil)).input_value() == "Н"
    assert page.locator(cell(five_on, third)).input_value() == "ОП 4"
    cam.look("journal-saved")

    with region.context():
        marks = {(m.lesson_id, m.student_id): m.value for m in Mark.select().where(
            Mark.lesson.in_([absent_on.id, four_on.id, five_on.id]))}
        codes = {(a.lesson_id, a.student_id): a.code for a in Attendance.select().where(
            Attendance.lesson.in_([absent_on.id, four_on.id, five_on.id]))}
    assert marks == {(four_on.id, pupil.id): "4", (five_on.id, pupil.id): "5",
                     (five_on.id, neighbour.id): "3", (five_on.id, third.id): "4"}
    assert codes == {(absent_on.id, pupil.id): "Н", (five_on.id, third.id): "ОП"}

    mother = camera("mother")
    login_with_gosuslugi(mother, region, MOTHER_OID)
    parent = mother.page
    parent.goto(f"{region.url}/progress/{pupil.id}")
    parent.locator("table.summary-table").get_by_role("link", name="Математика").click()  # opens in place
    maths = parent.locator("details.subject").filter(has=parent.locator("summary", has_text="Математика"))
    rows = {tuple(r) for r in (maths.locator("tbody tr").nth(i).locator("td").all_inner_texts()[:2]
                               for i in range(maths.locator("tbody tr").count()))}
    assert (format_date(four_on.date, "d MMM", locale="ru"), "4") in rows
    assert (format_date(five_on.date, "d MMM", locale="ru"), "5") in rows
    missed = maths.locator("dt", has_text="Пропущено уроков").locator("xpath=following-sibling::dd[1]")
    assert missed.inner_text() == "1"
    attendance = parent.locator("section.card", has=parent.locator("h2", has_text="Посещаемость за период"))
    assert "Н: 1" in attendance.inner_text()
    mother.look("progress-after-teacher")

    parent.goto(f"{region.url}/progress/{pupil.id}/diary?week={absent_on.date.isoformat()}")
    day = parent.locator("section.day", has_text=format_date(absent_on.date, "d MMMM", locale="ru"))
    assert day.locator(".badge").filter(has_text="Н").count() == 1
    mother.look("diary-absence")
