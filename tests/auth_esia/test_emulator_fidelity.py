"""The emulator refuses what real ESIA refuses: unapproved scopes, a reused state; refresh only for offline access."""

from __future__ import annotations

import json
import uuid

import requests

from core.models import AuditRecord
from plugins.auth_esia import gost
from plugins.auth_esia.protocol import esia_timestamp
from tests.auth_esia.conftest import MOTHER
from tests.auth_esia.test_emulator import fresh_code, post_token, token_form

SCOPE = "openid fullname birthdate gender snils"


def refresh_form(stand, client_pair, refresh_token, state=None, **changes):
    """A v2 refresh request: the code exchange's fields, signed without a code (as ilimurzin/esia signs it)."""
    key, cert, _ = client_pair
    state = state or str(uuid.uuid4())
    timestamp = esia_timestamp()
    redirect = stand.url + "/auth/esia/callback"
    signed = ("ESCHOOL-TEST" + SCOPE + timestamp + state + redirect).encode()
    form = {"client_id": "ESCHOOL-TEST", "refresh_token": refresh_token, "grant_type": "refresh_token",
            "state": state, "redirect_uri": redirect, "scope": SCOPE, "timestamp": timestamp, "token_type": "Bearer",
            "client_secret": gost.b64url(key.sign(signed)), "client_certificate_hash": cert.hash_hex}
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def test_a_scope_the_system_was_not_approved_for_is_refused_with_007019(stand):
    stand.made = stand.registry({MOTHER: "mother"})
    stand.client.scopes = {"openid", "fullname", "birthdate", "gender"}  # «snils» never approved
    browser = stand.browser()
    back = stand.begin(browser)  # the emulator sends the browser straight back with the error
    assert back.status_code == 302
    location = back.headers["Location"]
    assert location.startswith(stand.url + "/auth/esia/callback?") and "ESIA-007019" in location
    assert "error=access_denied" in location and "%5Bsnils%5D" in location
    page = stand.finish(browser, location)
    assert page.status_code == 403 and "ошибки настройки" in page.text
    assert stand.whoami(browser) is None
    with stand.app.app_context():
        refused = AuditRecord.select().where(AuditRecord.result == "refused").order_by(AuditRecord.id.desc()).first()
        assert json.loads(refused.details)["esia_code"] == "ESIA-007019"


def test_the_token_endpoint_checks_approved_scopes_too(stand, client_pair):
    code = fresh_code(stand)
    stand.client.scopes = {"openid", "fullname"}
    response = post_token(stand, token_form(stand, client_pair, code))
    assert response.status_code == 400 and response.json()["error_description"].startswith("ESIA-007019")


def test_a_token_request_reusing_the_authorization_state_is_refused(stand, client_pair):
    browser = stand.browser()
    callback = stand.callback_url(browser, MOTHER)
    code = callback.split("code=")[1].split("&")[0]
    authorization_state = callback.split("state=")[1].split("&")[0]
    reused = post_token(stand, token_form(stand, client_pair, code, signed_state=authorization_state))
    assert reused.status_code == 400 and reused.json()["error_description"].startswith("ESIA-007003")
    fresh = post_token(stand, token_form(stand, client_pair, code))  # the code was not spent by the refusal
    assert fresh.status_code == 200


def test_a_refresh_token_is_issued_only_for_offline_access(make_stand, client_pair):
    online = make_stand()
    assert "refresh_token" not in post_token(online, token_form(online, client_pair, fresh_code(online))).json()
    offline = make_stand(esia_section={"access_type": "offline"})
    body = post_token(offline, token_form(offline, client_pair, fresh_code(offline))).json()
    assert len(body["refresh_token"]) >= 32


def test_the_refresh_grant_gives_new_tokens_once_per_refresh_token(make_stand, client_pair):
    stand = make_stand(esia_section={"access_type": "offline"})
    first = post_token(stand, token_form(stand, client_pair, fresh_code(stand))).json()

    renewed = post_token(stand, refresh_form(stand, client_pair, first["refresh_token"]))
    assert renewed.status_code == 200, renewed.text
    body = renewed.json()
    assert body["refresh_token"] != first["refresh_token"] and "id_token" not in body
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    person = requests.get(f"{stand.esia_url}/rs/prns/{MOTHER}", timeout=5,
                          headers={"Authorization": f"Bearer {body['access_token']}"})
    assert person.status_code == 200 and person.json()["lastName"] == "Смирнова"
    assert len(stand.emulator.refreshes) == 1

    spent = post_token(stand, refresh_form(stand, client_pair, first["refresh_token"]))
    assert spent.status_code == 400 and spent.json()["error_description"].startswith("ESIA-007011")
    forged = post_token(stand, refresh_form(stand, client_pair, str(uuid.uuid4())))
    assert forged.json()["error_description"].startswith("ESIA-007011")
    unsigned = post_token(stand, refresh_form(stand, client_pair, body["refresh_token"],
                                              client_secret=gost.b64url(bytes(64))))
    assert unsigned.json()["error_description"].startswith("ESIA-007053")
    missing = post_token(stand, refresh_form(stand, client_pair, None))
    assert missing.json()["error_description"].startswith("ESIA-007014")
    assert len(stand.emulator.refreshes) == 1

    stand.emulator.revoke_refresh_tokens(MOTHER)  # the person withdrew the system's access at Gosuslugi
    revoked = post_token(stand, refresh_form(stand, client_pair, body["refresh_token"]))
    assert revoked.json()["error_description"].startswith("ESIA-007011")
