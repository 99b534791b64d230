"""This session's staff pages in headless Chromium: each opens, works, and fits 360 px without sideways scroll.

The teacher adds an extra lesson (one wrong field first), moves it to another room and reads the history;
the school admin opens the attainment and timeliness reports, and downloads a class's journal from the
journals' archive. Every page goes through ``Camera.look``.
"""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import load_workbook

from plugins.gradebook.models import Lesson
from tests.journeys.conftest import login_with_password


def test_teacher_adds_and_moves_a_lesson_and_the_admin_reads_the_reports(region, camera):
    world = region.world
    cam = camera("staff")
    page = cam.page

    login_with_password(cam, region, region.logins["teacher"])
    page.goto(f"{region.url}/journal/{world.maths_5a.id}")
    page.get_by_role("link", name="Добавить урок").click()
    page.wait_for_url("**/lessons/new")
    cam.look("lesson-new")
    page.fill("#f-number", "13")
    page.get_by_role("button", name="Сохранить").click()
    assert page.locator("#err-number").inner_text() == "Номер урока от 0 до 12."
    cam.look("lesson-new-error")
    page.fill("#f-number", "7")
    page.fill("#f-room", "Актовый зал")
    page.get_by_role("button", name="Сохранить").click()
    page.wait_for_url("**/lesson/*")
    with region.context():
        added = Lesson.get((Lesson.assignment == world.maths_5a.id) & (Lesson.number == 7))
    assert page.url.endswith(f"/lesson/{added.id}") and "Актовый зал" in page.locator("h2").inner_text()
    cam.look("lesson-added")

    page.get_by_role("link", name="Перенести урок: дата, время, кабинет").click()
    page.wait_for_url("**/schedule")
    cam.look("lesson-schedule")
    page.fill("#f-room", "214")
    page.get_by_role("button", name="Сохранить").click()
    page.wait_for_url(f"**/lesson/{added.id}")
    page.locator("nav.tabs").get_by_role("link", name="История изменений").click()
    history = page.locator("table.data tbody").inner_text()
    assert "Урок добавлен" in history and "Кабинет" in history and "214" in history
    cam.look("history")

    admin = camera("admin")
    login_with_password(admin, region, region.logins["admin"])
    admin.page.locator(".main-nav").get_by_role("link", name="Успеваемость").click()
    admin.page.wait_for_url("**/attainment")
    assert "Качество знаний, %" in admin.page.locator("table.data thead").inner_text()
    assert admin.page.locator("#period option:checked").inner_text() == world.period.name  # the school's own name
    admin.look("attainment")
    admin.page.locator(".main-nav").get_by_role("link", name="Своевременность").click()
    admin.page.wait_for_url("**/timeliness")
    admin.look("timeliness")
    admin.page.locator(".main-nav").get_by_role("link", name="Архив журналов").click()
    admin.page.wait_for_url("**/journal/archive")
    admin.look("archive")
    row = admin.page.locator("table.data tbody tr").filter(has_text=world.class_5a.name)
    row.get_by_role("link", name="Скачать XLSX").click()  # the archive is built as a job
    admin.page.wait_for_url("**/jobs/*")
    result = admin.page.get_by_role("link", name="Открыть результат")
    result.wait_for(state="visible", timeout=60_000)  # the job page polls its progress until the result is kept
    admin.look("archive-job")
    with admin.page.expect_download() as download:
        result.click()
    book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert book.sheetnames[0] == "Сводная ведомость" and "Математика" in book.sheetnames
