"""The school admin's screens in headless Chromium at 1366 px (a laptop) and 768 px (a tablet) — issue 16,
item 5: the header names the school and the municipality, the home page is grouped by task with the readiness
steps first, blocking a teacher goes through a confirmation page, and the access log shows the block in Russian.
Each page is photographed at both widths into the test's tmp folder (the artefacts) and must not scroll sideways.
"""

from __future__ import annotations

from core.api import User
from tests.core.test_access_log import ENGLISH_KEY
from tests.journeys.conftest import login_with_password

WIDTHS = ({"width": 1366, "height": 900}, {"width": 768, "height": 1024})


def shoot(cam, name: str) -> None:
    page = cam.page
    page.wait_for_load_state("load")
    for size in WIDTHS:
        page.set_viewport_size(size)
        path = cam.folder / f"{cam.who}-{name}-{size['width']}.png"
        page.screenshot(path=path, full_page=True)
        cam.shots.append(path)
        wide, window = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert wide <= window, f"{name} scrolls sideways at {size['width']} px: {wide} px wide"
        place = page.locator("header .where")
        assert place.is_visible() and place.inner_text() == "Школа № 1 · Тестовый район"
    assert cam.problems == [], cam.problems


def test_the_school_admin_sees_where_they_are_works_by_task_and_confirms_a_block(region, camera):
    world = region.world
    cam = camera("admin-home")
    page = cam.page
    login_with_password(cam, region, region.logins["admin"])
    shoot(cam, "home")
    headings = page.locator("main section.home-group h2").all_inner_texts()
    assert headings[:4] == ["Подготовка к услуге", "Люди", "Журнал", "Отчёты"]
    for size in WIDTHS:  # the readiness steps come first on the page, before any tile
        page.set_viewport_size(size)
        first_step = page.locator("ol.home-steps li").first.bounding_box()
        first_tile = page.locator("main a.tile").first.bounding_box()
        assert first_step["y"] < first_tile["y"]
        assert page.locator("ol.home-steps progress").count() == 5

    page.locator("main section.home-group").nth(1).get_by_role("link", name="Сотрудники").click()
    page.wait_for_url("**/registries/staff")
    assert page.locator("main button.danger").count() == 0
    shoot(cam, "staff")
    page.locator("li.card", has_text="Математикова").get_by_role("link", name="Заблокировать…").click()
    page.wait_for_url(f"**/registries/staff/{world.teacher.id}/block")
    shoot(cam, "block-confirm")
    with region.context():
        assert not User.get_by_id(world.teacher.user_id).is_blocked
    page.get_by_role("link", name="Отмена").click()
    page.wait_for_url("**/registries/staff")
    page.locator("li.card", has_text="Математикова").get_by_role("link", name="Заблокировать…").click()
    page.fill("#reason", "уволена")
    page.get_by_role("button", name="Заблокировать и завершить сеансы").click()
    page.wait_for_url("**/registries/staff")
    assert "заблокирована" in page.locator("li.card", has_text="Математикова").inner_text()
    with region.context():
        assert User.get_by_id(world.teacher.user_id).is_blocked
    shoot(cam, "staff-blocked")

    # the access log, reached from «Отчёты»: Russian labels and names, no English key, and the export link
    page.goto(region.url + "/")
    page.locator("main section.home-group").nth(3).get_by_role("link", name="Журнал доступа").click()
    page.wait_for_url("**/admin/audit")
    shoot(cam, "access-log")
    cells = page.locator("table.access-log td").all_inner_texts()
    assert any("блокировка учётной записи" in c for c in cells) and any("Математикова" in c for c in cells)
    for cell in cells:
        assert not ENGLISH_KEY.search(cell), cell
    assert page.get_by_role("link", name="Скачать эти записи (XLSX)").get_attribute("href") == "/admin/audit/export"
    assert len(cam.shots) == 10
