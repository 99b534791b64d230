"""The emulator's person picker with a region's worth of test persons: search, pages, and a phone-sized screen."""

from __future__ import annotations

import re

from plugins.auth_esia.emulator.persons import persons_from_list
from tests.auth_esia.conftest import MOTHER, PERSONS

MANY = 872


def crowd(stand) -> None:
    """872 more test persons, as the demo region's parents make them."""
    stand.emulator.persons.update(persons_from_list([
        {"oid": 100000 + i, "last_name": f"Родителева{i:03d}", "first_name": "Анна", "birth_date": "1985-01-01",
         "gender": "F", "snils": None, "level": "confirmed"} for i in range(MANY)
    ]))


def radios(page) -> list[str]:
    return re.findall(r'name="oid" value="(\d+)"', page.text)


def search(browser, picker, **args):
    pending = re.search(r'name="request" value="([^"]+)"', picker.text).group(1)
    return browser.get(picker.url.split("?")[0], params={"request": pending, **args}, allow_redirects=False)


def test_the_picker_shows_one_page_at_a_time_and_finds_people_by_name_oid_or_snils(stand):
    crowd(stand)
    everyone = MANY + len(PERSONS)
    browser = stand.browser()
    page = stand.begin(browser)
    assert page.status_code == 200
    assert len(radios(page)) == 20 and f"всего {everyone}" in page.text and "страница 1 из 44" in page.text
    second = search(browser, page, page="2")
    assert len(radios(second)) == 20 and not set(radios(second)) & set(radios(page))
    last = search(browser, page, page="9999")
    assert "страница 44 из 44" in last.text and len(radios(last)) == everyone - 43 * 20
    assert "страница 1 из 44" in search(browser, page, page="abc").text

    by_name = search(browser, page, q="смирнова ЕЛЕНА")
    assert sorted(radios(by_name)) == ["2001", "2005"] and f"найдено 2 из {everyone}" in by_name.text
    assert radios(search(browser, page, q="Кузнецова")) == ["2003"]
    assert radios(search(browser, page, q="2004")) == ["2004"]
    assert sorted(radios(search(browser, page, q="112-233-445 95"))) == ["2001", "2005"]
    nobody = search(browser, page, q="Несуществующий")
    assert radios(nobody) == [] and "Никого не нашлось" in nobody.text
    assert re.search(r'class="primary"\s+disabled', nobody.text)

    # the choice made on a search result page logs the person in
    made = stand.registry({MOTHER: "mother"})
    callback = stand.choose(browser, by_name, MOTHER)
    stand.finish(browser, callback)
    assert stand.whoami(browser)["user_id"] == made["users"][MOTHER]


def test_a_stale_picker_request_is_a_clear_error(stand):
    browser = stand.browser()
    response = browser.get(stand.esia_url + "/aas/oauth2/v2/ac", params={"request": "gone", "q": "x"})
    assert response.status_code == 400 and "устарел" in response.text


def test_on_a_phone_the_search_and_the_buttons_are_on_the_first_screen(stand, browser):
    crowd(stand)
    made = stand.registry({MOTHER: "mother"})
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        page.goto(stand.url + "/auth/esia/start")
        page.wait_for_url(stand.esia_url + "/**")
        allow = page.get_by_role("button", name="Предоставить")
        box = allow.bounding_box()
        assert box is not None and box["y"] + box["height"] <= 844  # sticky at the bottom, no scrolling
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
        assert page.locator('input[name="oid"]').count() == 20
        page.get_by_label("Найти тестового пользователя").fill("Смирнова Елена")
        page.get_by_role("button", name="Найти").click()
        page.wait_for_load_state()
        assert page.locator('input[name="oid"]').count() == 2
        page.locator(f'input[name="oid"][value="{MOTHER}"]').check()
        page.get_by_role("button", name="Предоставить").click()
        page.wait_for_url(stand.url + "/**")
        me = page.goto(stand.url + "/probe/me")
        assert me.json()["user_id"] == made["users"][MOTHER]
    finally:
        context.close()
