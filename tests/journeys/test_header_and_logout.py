"""The core's header on a phone, and logging out of a Gosuslugi session in a real browser.

* At 360 px the header (brand, the account's name and place, «Мои сеансы», «Выйти») and the main menu wrap
  onto more lines instead of scrolling sideways — for a parent, a teacher and a school admin, whose menus
  are the longest; neither the page nor any element of the header scrolls or sticks out.
* The logout form of an ESIA session ends the platform session and then sends Chromium on to Gosuslugi's
  logout (the emulator's ``/idp/ext/Logout``), which sends it back to our login page: the CSP's
  ``form-action`` names ESIA's origin (hook ``form_action_sources``), so the redirect is not blocked.
"""

from __future__ import annotations

import json
import urllib.request

import pytest

from tests.journeys.conftest import MOTHER_OID, PHONE, login_with_gosuslugi, login_with_password

# Every element of the header that sticks out of the viewport or scrolls/clips its content sideways,
# and the document itself.
HEADER_OVERFLOW = """() => {
  const limit = window.innerWidth + 0.5, found = [];
  for (const el of document.querySelectorAll('header.site-header, header.site-header *')) {
    const style = getComputedStyle(el);
    if (style.display === 'none') continue;
    const box = el.getBoundingClientRect();
    if (box.width && (box.right > limit || box.left < -0.5))
      found.push(`${el.tagName}.${el.className} sticks out: ${box.left}..${box.right}`);
    if (el.scrollWidth > el.clientWidth + 1 && style.display !== 'inline')
      found.push(`${el.tagName}.${el.className} scrolls ${el.scrollWidth} > ${el.clientWidth}`);
  }
  const doc = document.documentElement;
  if (doc.scrollWidth > window.innerWidth) found.push(`document ${doc.scrollWidth} > ${window.innerWidth}`);
  return found;
}"""


def check_header(cam, who: str) -> int:
    """The header at 360 px: no sideways scroll; every menu item visible within the width; returns their count."""
    page = cam.page
    page.set_viewport_size(PHONE)
    assert page.evaluate(HEADER_OVERFLOW) == [], who
    items = page.locator(".main-nav li a")
    count = items.count()
    for i in range(count):
        assert items.nth(i).is_visible(), (who, items.nth(i).inner_text())
    page.screenshot(path=cam.folder / f"header-{who}-360.png")
    return count


def test_header_wraps_at_360_px_for_parent_teacher_and_admin(region, camera):
    parent = camera("parent")
    login_with_gosuslugi(parent, region, MOTHER_OID)
    teacher = camera("teacher")
    login_with_password(teacher, region, region.logins["teacher"])
    admin = camera("admin")
    login_with_password(admin, region, region.logins["admin"])
    counts = {}
    for who, cam in (("parent", parent), ("teacher", teacher), ("admin", admin)):
        counts[who] = check_header(cam, who)
        cam.look(f"home-{who}")
    # the admin's menu is long enough to need more than one line at 360 px: it wraps rather than scrolls
    menu = admin.page.locator(".main-nav ul")
    tops = admin.page.locator(".main-nav li").evaluate_all("items => items.map(i => i.getBoundingClientRect().top)")
    assert counts["admin"] >= 4 and len(set(tops)) > 1, (counts, tops)
    assert menu.evaluate("m => getComputedStyle(m).flexWrap") == "wrap"


def emulator_logouts(region) -> list[dict]:
    with urllib.request.urlopen(region.esia_url + "/__emulator__/logouts", timeout=5) as answer:
        return json.load(answer)


@pytest.mark.covers_hook("form_action_sources")
def test_logging_out_of_an_esia_session_reaches_gosuslugi_logout(region, camera):
    cam = camera("logout")
    page = cam.page
    login_with_gosuslugi(cam, region, MOTHER_OID)
    csp = page.request.get(region.url + "/").headers["content-security-policy"]
    assert f"form-action 'self' {region.esia_url}" in csp, csp
    assert emulator_logouts(region) == []

    visited: list[str] = []
    page.on("request", lambda r: visited.append(r.url) if r.is_navigation_request() else None)
    with page.expect_navigation(url=region.url + "/login"):
        page.get_by_role("button", name="Выйти").click()
    assert any(u.startswith(region.esia_url + "/idp/ext/Logout?") for u in visited), visited
    logouts = emulator_logouts(region)
    assert len(logouts) == 1 and logouts[0]["redirect_url"] == region.url + "/login", logouts
    assert page.get_by_role("link", name="Войти через Госуслуги").is_visible()
    cam.look("after-logout")  # no console error: a CSP violation would be one
    page.goto(region.url + "/progress")
    assert "/login" in page.url, page.url  # the platform session ended too
