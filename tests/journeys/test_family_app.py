"""Issue 15 item 4: the family pages install as a web app and open offline, never after a logout.

Chromium's own installability check through the DevTools protocol (``Page.getInstallabilityErrors``);
the service worker caches the pages the mother opened, serves them offline with «Нет связи: данные на …»,
and after she logs out the cached copy is gone.
"""

from __future__ import annotations

import pytest

from tests.journeys.conftest import MOTHER_OID, PHONE, Camera, login_with_gosuslugi, login_with_password
from tests.support import CHROMIUM, CHROMIUM_ARGS

CONTROLLED = "async () => { await navigator.serviceWorker.ready; return !!navigator.serviceWorker.controller; }"
CACHED_PAGES = ("async () => (await caches.keys()).includes('eschool-pages') ? "
                "(await (await caches.open('eschool-pages')).keys()).length : 0")


class Profile:
    """A browser with a profile on disk (installability is refused in incognito, Playwright's default):
    ``new_context`` hands the camera the profile's one context."""

    def __init__(self, context):
        self.context = context

    def new_context(self, **_options):
        return self.context


@pytest.fixture
def profile(tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            tmp_path / "profile", executable_path=CHROMIUM, args=CHROMIUM_ARGS, viewport=PHONE,
            device_scale_factor=1, locale="ru-RU")
        try:
            yield Profile(context)
        finally:
            context.close()


def test_family_pages_install_open_offline_and_are_gone_after_logout(region, profile, tmp_path):
    child = region.world.a1
    cam = Camera(profile, tmp_path, "app")
    page = cam.page
    login_with_gosuslugi(cam, region, MOTHER_OID)
    url = f"{region.url}/progress/{child.id}"
    page.goto(url)
    page.evaluate("async () => { await navigator.serviceWorker.ready; }")
    page.reload()  # now controlled by the worker, which caches the page as it loads
    assert page.evaluate(CONTROLLED) is True
    page.wait_for_function("async () => !!(await (await caches.open('eschool-pages')).match(location.href))")

    cdp = page.context.new_cdp_session(page)
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    assert errors == [], errors
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["url"].endswith("/progress/manifest.webmanifest") and not manifest["errors"]

    assert not page.locator(".offline-note").is_visible()
    page.context.set_offline(True)
    page.goto(url)
    assert page.locator("h1").inner_text() == child.full_name  # the last seen marks, at once
    note = page.locator(".offline-note")
    assert note.is_visible() and note.inner_text().startswith("Нет связи: данные на ")
    page.screenshot(path=cam.folder / "app-offline-360.png")
    page.context.set_offline(False)

    page.goto(url)
    with page.expect_navigation(url=region.url + "/login"):  # by way of Gosuslugi's logout
        page.get_by_role("button", name="Выйти").click()
    page.goto(url)
    assert "/login" in page.url, page.url  # logged out
    cam.problems.clear()
    assert page.evaluate(CACHED_PAGES) == 0
    page.context.set_offline(True)
    page.goto(url)
    assert child.full_name not in page.content()  # nothing of the child survives the logout
    assert "Нет связи" in page.content()
    page.context.set_offline(False)


def test_a_page_cached_for_one_user_is_not_served_to_the_next(region, profile, tmp_path):
    """The mother's session ends without a logout (her cookie is gone, as when it expires); a teacher logs in
    on the same browser, goes offline and opens the child's page: the worker has nothing of the mother's."""
    child = region.world.a1
    cam = Camera(profile, tmp_path, "switch")
    page = cam.page
    login_with_gosuslugi(cam, region, MOTHER_OID)
    url = f"{region.url}/progress/{child.id}"
    page.goto(url)
    page.evaluate("async () => { await navigator.serviceWorker.ready; }")
    page.reload()
    assert page.evaluate(CONTROLLED) is True
    page.wait_for_function("async () => !!(await (await caches.open('eschool-pages')).match(location.href))")

    page.context.clear_cookies()  # no «Выйти»: logout.js never ran
    login_with_password(cam, region, region.logins["teacher"])
    page.wait_for_function("() => document.documentElement.dataset.cacheCleared === '1'")
    assert page.evaluate(CACHED_PAGES) == 0
    page.context.set_offline(True)
    page.goto(url)
    assert child.full_name not in page.content()  # the worker has no copy of the mother's page
    assert "Нет связи" in page.content()
    page.context.set_offline(False)
