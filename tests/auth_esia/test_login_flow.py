"""A parent logs in «через Госуслуги» through the emulator, over real HTTP, and each refusal is explained."""

from __future__ import annotations

import json
import time

import pytest

from core.models import AuditRecord, LoginIdentity
from tests.auth_esia.conftest import FATHER, MOTHER, STRANGER, UNCONFIRMED


def test_login_page_offers_gosuslugi_first(stand):
    page = stand.browser().get(stand.url + "/login").text
    assert "Войти через Госуслуги" in page
    assert 'href="/auth/esia/start"' in page
    assert page.index("login-esia") < page.index("login-local")


def test_a_parent_logs_in_through_the_emulator_and_lands_logged_in(stand):
    made = stand.registry({MOTHER: "mother", FATHER: "father"})
    browser = stand.browser()
    assert stand.whoami(browser) is None

    landed = stand.login(browser, MOTHER, next_url="/probe/me")

    assert landed.status_code == 302 and landed.headers["Location"] == "/probe/me"
    me = stand.whoami(browser)
    assert me["user_id"] == made["users"][MOTHER] and me["role"] == "parent" and me["provider"] == "esia"
    assert json.loads(me["provider_data"])["oid"] == str(MOTHER)
    with stand.app.app_context():
        record = AuditRecord.get((AuditRecord.action == "login") & (AuditRecord.result == "ok"))
        assert record.user_id == made["users"][MOTHER] and json.loads(record.details)["provider"] == "esia"
        assert LoginIdentity.get(LoginIdentity.subject == str(MOTHER)).user_id == made["users"][MOTHER]


def test_both_parents_of_one_child_log_in_each_with_their_own_account(stand):
    made = stand.registry({MOTHER: "mother", FATHER: "father"})
    mother, father = stand.browser(), stand.browser()
    stand.login(mother, MOTHER)
    stand.login(father, FATHER)
    assert stand.whoami(mother)["user_id"] == made["users"][MOTHER]
    assert stand.whoami(father)["user_id"] == made["users"][FATHER]


def test_second_login_resolves_through_the_linked_oid(stand):
    made = stand.registry({MOTHER: "mother"})
    stand.login(stand.browser(), MOTHER)
    again = stand.browser()
    stand.login(again, MOTHER)
    assert stand.whoami(again)["user_id"] == made["users"][MOTHER]


def refusal_text(response) -> str:
    assert response.status_code in (403, 503), response.status_code
    return response.text


def test_an_unconfirmed_account_is_refused_with_how_to_confirm_it(stand):
    stand.registry({UNCONFIRMED: "mother"})
    browser = stand.browser()
    page = refusal_text(stand.login(browser, UNCONFIRMED))
    assert "учётная запись на Госуслугах не подтверждена" in page and "МФЦ" in page
    assert stand.whoami(browser) is None


def test_a_parent_missing_from_the_registry_is_told_what_the_school_must_enter(stand):
    stand.registry({MOTHER: "mother"})
    page = refusal_text(stand.login(stand.browser(), STRANGER))
    assert "реестр «Родители»" in page and "шаг 2" in page


def test_declining_at_gosuslugi_is_a_normal_outcome_with_its_own_message(stand):
    stand.registry({MOTHER: "mother"})
    browser = stand.browser()
    callback = stand.choose(browser, stand.begin(browser), decline=True)
    assert "error=access_denied" in callback and "ESIA-007004" in callback
    page = refusal_text(stand.finish(browser, callback))
    assert "Вход через Госуслуги отменён" in page
    assert stand.whoami(browser) is None


def test_esia_unreachable_says_try_later_and_keeps_the_school_login(stand):
    stand.registry({MOTHER: "mother"})
    browser = stand.browser()
    callback = stand.callback_url(browser, MOTHER)
    stand.stop_emulator()
    response = stand.finish(browser, callback)
    assert response.status_code == 503
    assert "попробуйте позже" in response.text
    assert 'id="login-local"' in response.text
    assert stand.whoami(browser) is None


@pytest.mark.parametrize("fault,expected", [
    ("wrong_certificate", "ошибки настройки подключения"),
    ("clock", "расхождения времени"),
    ("unknown_redirect", None),
])
def test_esia_error_codes_are_mapped_to_russian_messages(make_stand, client_pair, fault, expected):
    from plugins.auth_esia import gost

    other = gost.self_signed_certificate(gost.PrivateKey.generate(), "someone else")
    stand = make_stand(registered_cert=other if fault == "wrong_certificate" else None)
    stand.registry({MOTHER: "mother"})
    if fault == "clock":
        stand.emulator.clock = lambda: time.time() + 3600
    if fault == "unknown_redirect":
        stand.client.redirect_uris.clear()
    browser = stand.browser()
    answer = stand.begin(browser)
    if fault == "unknown_redirect":
        # ESIA cannot send the browser back to an unregistered address: it shows its own page.
        assert answer.status_code == 400 and "ESIA-007023" in answer.text
        return
    assert answer.status_code == 302
    page = refusal_text(stand.finish(browser, answer.headers["Location"]))
    assert expected in page


def test_logout_ends_the_esia_session_too(stand):
    stand.registry({MOTHER: "mother"})
    browser = stand.browser()
    stand.login(browser, MOTHER)
    out = browser.post(stand.url + "/logout", allow_redirects=False)
    assert out.status_code == 302 and out.headers["Location"].startswith(stand.esia_url + "/idp/ext/Logout?")
    assert "redirect_url=" in out.headers["Location"] and "client_id=ESCHOOL-TEST" in out.headers["Location"]
    back = browser.get(out.headers["Location"], allow_redirects=False)
    assert back.status_code == 302 and back.headers["Location"] == stand.url + "/login"
    assert [entry["client_id"] for entry in stand.emulator.logouts] == ["ESCHOOL-TEST"]
    assert stand.whoami(browser) is None


def test_protocol_v1_with_detached_pkcs7_logs_in_too(make_stand):
    stand = make_stand(protocol="v1")
    made = stand.registry({MOTHER: "mother"})
    browser = stand.browser()
    to_esia = browser.get(stand.url + "/auth/esia/start", allow_redirects=False).headers["Location"]
    assert "/aas/oauth2/ac?" in to_esia and "client_certificate_hash" not in to_esia
    stand.login(browser, MOTHER)
    assert stand.whoami(browser)["user_id"] == made["users"][MOTHER]


def test_esia_tokens_signed_with_gost_are_verified_and_accepted(make_stand):
    stand = make_stand(jwt_alg="GOST3410_2012_256")
    made = stand.registry({MOTHER: "mother"})
    browser = stand.browser()
    stand.login(browser, MOTHER)
    assert stand.whoami(browser)["user_id"] == made["users"][MOTHER]
