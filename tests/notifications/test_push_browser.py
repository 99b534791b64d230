"""Web Push from the «Уведомления» page in Debian's headless Chromium (issue 15, item 5).

What this can and cannot show. Chromium's ``PushManager.subscribe`` asks the browser's own push service
(Google's FCM) for an endpoint; with loopback-only networking (and in a headless browser) it never answers —
neither resolves nor rejects. So Chromium is driven through everything up to that call and past it:

* the page offers the button with the platform's VAPID key; the push service worker (served with the
  platform's name put in by the view, no Russian in the script) registers at ``/notifications/`` and is
  active; the notifications permission is granted; ``subscribe`` is called — and after the page's bounded
  wait it says in Russian that the browser's push service did not answer; nothing is stored;
* the page's own script (``eschoolPush.store``, the step after ``subscribe``) hands a subscription of the
  loopback push service (``tests/notifications/receivers.PushService``, real P-256 keys) to the platform with
  the page's CSRF token: it is stored for this parent, push is switched on, the page lists the browser; a
  mark the teacher saves then arrives at that endpoint, VAPID-signed, and decrypts with the keys.

Not shown: a subscription minted by Chromium itself, and Chromium's service worker receiving a push.
"""

from __future__ import annotations

import pytest

from plugins.notifications.models import Preference, PushSubscription
from tests.gradebook.factories import user_of
from tests.notifications.test_end_to_end import _lesson, _save
from tests.support import CHROMIUM, CHROMIUM_ARGS, serve

NO_SERVICE = "Браузер не ответил: его служба уведомлений недоступна"
ACTIVE = """async () => {
  const registration = await navigator.serviceWorker.getRegistration('/notifications/');
  return registration && registration.active ? [registration.scope, registration.active.scriptURL] : null;
}"""


@pytest.fixture
def parent_page(app, world, login, tmp_path):
    """Chromium with a profile on disk (Chromium refuses the Push API in incognito, Playwright's default),
    logged in as the mother (her server-side session's cookie), with notifications allowed for the site."""
    from playwright.sync_api import sync_playwright

    client = app.test_client()
    with app.app_context():
        login(client, user_of(world.parent))
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    server, url = serve(app)
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(tmp_path / "profile", executable_path=CHROMIUM,
                                                        args=CHROMIUM_ARGS, locale="ru-RU")
        try:
            context.set_default_timeout(30_000)
            context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": url}])
            context.grant_permissions(["notifications"], origin=url)
            page = context.pages[0] if context.pages else context.new_page()
            page.goto(url + "/notifications/")
            assert page.url == url + "/notifications/", page.url
            yield page, url
        finally:
            context.close()
            server.shutdown()
            server.server_close()


def test_subscribing_in_chromium_goes_up_to_the_push_service_and_says_when_there_is_none(app, world,
                                                                                           parent_page):
    page, url = parent_page
    button = page.get_by_role("button", name="Получать уведомления в этом браузере")
    with app.app_context():
        from plugins.notifications.worker import vapid_key

        assert button.get_attribute("data-key") == vapid_key().application_server_key
    worker = page.request.get(url + "/notifications/sw.js")
    assert worker.ok and '"Электронная школа"' in worker.text() and "DEFAULT_TITLE" not in worker.text()

    page.evaluate("document.getElementById('push-subscribe').dataset.wait = '2'")  # the page's 20 s, shortened
    button.click()
    status = page.locator("#push-status")
    page.wait_for_function(f"() => document.getElementById('push-status').textContent.startsWith({NO_SERVICE!r})")
    assert status.get_attribute("role") == "status" and button.is_enabled()
    assert page.evaluate("Notification.permission") == "granted"
    assert page.evaluate(ACTIVE) == [url + "/notifications/", url + "/notifications/sw.js"]
    with app.app_context():
        assert PushSubscription.select().count() == 0  # nothing half-made is stored


def test_the_pages_script_stores_a_subscription_and_a_saved_mark_reaches_it(app, world, as_, parent_page,
                                                                             push_service, run_worker):
    page, _url = parent_page
    browser = push_service.browser("chromium")
    subscription = browser.subscription()
    with page.expect_navigation():  # the script reloads the page once the platform has stored it
        assert page.evaluate("(s) => window.eschoolPush.store(s)", subscription) is True
    assert page.get_by_role("button", name="Отключить").is_visible()
    with app.app_context():
        [stored] = PushSubscription.select()
        assert (stored.user_id, stored.endpoint, stored.p256dh, stored.auth) == (
            world.parent.user_id, subscription["endpoint"], subscription["keys"]["p256dh"],
            subscription["keys"]["auth"])
        assert Preference.get(Preference.user_id == world.parent.user_id).push_on is True

    _save(as_(world.teacher), world, _lesson(world), world.a1, "5")
    run_worker()
    [push] = push_service.received
    assert "новая отметка 5" in push["payload"]["body"] and push["payload"]["url"] == f"/progress/{world.a1.id}"
