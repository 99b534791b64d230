"""Where a region asks for long sessions, the plugin renews ESIA's tokens with the refresh grant, and a refusal
from ESIA ends the eschool session. Over real HTTP against the emulator; time is moved by editing the stored
renewal moment, never by waiting."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import parse_qs, urlsplit

import requests

from core.models import AuditRecord
from plugins.auth_esia.models import EsiaSessionToken
from tests.auth_esia.conftest import MOTHER

LONG = {"long_sessions": True}


def due_now(stand) -> EsiaSessionToken:
    """Make the stored ESIA access token due for renewal, as an hour of use would."""
    with stand.app.app_context():
        EsiaSessionToken.update(renew_after=dt.datetime.utcnow() - dt.timedelta(seconds=1)).execute()
        return EsiaSessionToken.get()


def stored(stand) -> EsiaSessionToken:
    with stand.app.app_context():
        return EsiaSessionToken.get()


def logged_in(stand, made):
    browser = stand.browser()
    page = stand.begin(browser)
    ac_query = parse_qs(urlsplit(page.url).query)
    stand.finish(browser, stand.choose(browser, page, MOTHER))
    assert stand.whoami(browser)["user_id"] == made["users"][MOTHER]
    return browser, ac_query


def test_without_long_sessions_the_plugin_asks_for_online_access_and_keeps_no_refresh_token(stand):
    made = stand.registry({MOTHER: "mother"})
    _, ac_query = logged_in(stand, made)
    assert ac_query["access_type"] == ["online"]
    with stand.app.app_context():
        assert EsiaSessionToken.select().count() == 0


def test_a_long_session_is_renewed_with_the_refresh_grant_when_its_token_runs_out(make_stand):
    stand = make_stand(esia_section=LONG)
    made = stand.registry({MOTHER: "mother"})
    browser, ac_query = logged_in(stand, made)
    assert ac_query["access_type"] == ["offline"]
    first = stored(stand)
    assert first.oid == str(MOTHER) and first.renew_after > dt.datetime.utcnow() + dt.timedelta(minutes=50)
    assert first.refresh_token not in browser.cookies.get("session", "")

    for _ in range(3):  # not yet due: no call to ESIA
        assert stand.whoami(browser) is not None
    assert stand.emulator.refreshes == []

    due_now(stand)
    assert stand.whoami(browser)["user_id"] == made["users"][MOTHER]
    assert len(stand.emulator.refreshes) == 1
    renewed = stored(stand)
    assert renewed.renewals == 1 and renewed.refresh_token != first.refresh_token
    assert renewed.renew_after > dt.datetime.utcnow() + dt.timedelta(minutes=50)
    assert stand.whoami(browser) is not None and len(stand.emulator.refreshes) == 1

    due_now(stand)  # and again an hour later, with the rotated refresh token
    assert stand.whoami(browser) is not None and len(stand.emulator.refreshes) == 2


def test_when_esia_refuses_the_refresh_the_session_ends_with_an_explanation(make_stand):
    stand = make_stand(esia_section=LONG)
    made = stand.registry({MOTHER: "mother"})
    browser, _ = logged_in(stand, made)
    copy = requests.Session()
    copy.cookies.update(browser.cookies)  # the same session cookie, kept elsewhere
    stand.emulator.revoke_refresh_tokens(MOTHER)  # access withdrawn at Gosuslugi
    due_now(stand)

    page = browser.get(stand.url + "/probe/me", allow_redirects=False)
    assert page.status_code == 401 and "Сеанс входа через Госуслуги завершён" in page.text
    assert stand.whoami(browser) is None
    ended = stored(stand)
    assert ended.ended_at is not None and ended.refresh_token == ""
    assert copy.get(stand.url + "/probe/me", allow_redirects=False).status_code == 401  # no way back in
    with stand.app.app_context():
        record = AuditRecord.get(AuditRecord.action == "session.end")
        details = json.loads(record.details)
        assert details["esia_code"] == "ESIA-007011" and record.result == "refused"
    stand.login(browser, MOTHER)  # logging in again works
    assert stand.whoami(browser)["user_id"] == made["users"][MOTHER]


def test_while_esia_is_down_a_long_session_goes_on_and_the_renewal_waits(make_stand):
    stand = make_stand(esia_section=LONG)
    made = stand.registry({MOTHER: "mother"})
    browser, _ = logged_in(stand, made)
    stand.stop_emulator()
    due_now(stand)
    assert stand.whoami(browser)["user_id"] == made["users"][MOTHER]
    postponed = stored(stand)
    assert postponed.ended_at is None and postponed.renewals == 0
    assert postponed.renew_after > dt.datetime.utcnow()  # tried again later, not at every request


def test_logging_out_forgets_the_refresh_token(make_stand):
    stand = make_stand(esia_section=LONG)
    made = stand.registry({MOTHER: "mother"})
    browser, _ = logged_in(stand, made)
    page = browser.get(stand.url + "/account/sessions")
    token = __import__("re").search(r'name="csrf_token" value="([^"]+)"', page.text)
    browser.post(stand.url + "/logout", data={"csrf_token": token.group(1)} if token else {}, allow_redirects=False)
    assert stand.whoami(browser) is None
    with stand.app.app_context():
        assert EsiaSessionToken.select().count() == 0


def test_a_refreshed_token_for_another_person_ends_the_session(make_stand):
    stand = make_stand(esia_section=LONG)
    made = stand.registry({MOTHER: "mother"})
    browser, _ = logged_in(stand, made)
    stand.emulator.misbehave = lambda kind, claims, sign: sign({**claims, "urn:esia:sbj_id": 2002})
    due_now(stand)
    page = browser.get(stand.url + "/probe/me", allow_redirects=False)
    assert page.status_code == 401 and stand.whoami(browser) is None
    with stand.app.app_context():
        details = json.loads(AuditRecord.get(AuditRecord.action == "session.end").details)
        assert details["reason"] == "refreshed token names another person"
