"""The emulator answers like ESIA: error codes, single-use codes, Bearer checks, /kids, persons files."""

from __future__ import annotations

import datetime as dt
import time
import uuid

import pytest
import requests

from plugins.auth_esia import gost
from plugins.auth_esia.emulator.persons import DEMO_PERSONS, PersonsError, load_persons
from plugins.auth_esia.protocol import EsiaClient, esia_timestamp
from tests.auth_esia.conftest import MOTHER


def token_form(stand, client_pair, code, signed_state=None, **changes):
    key, cert, _ = client_pair
    state = signed_state or str(uuid.uuid4())
    timestamp = esia_timestamp()
    redirect = stand.url + "/auth/esia/callback"
    scope = "openid fullname birthdate gender snils"
    signed = ("ESCHOOL-TEST" + scope + timestamp + state + redirect + code).encode()
    form = {"client_id": "ESCHOOL-TEST", "code": code, "grant_type": "authorization_code", "state": state,
            "redirect_uri": redirect, "scope": scope, "timestamp": timestamp, "token_type": "Bearer",
            "client_secret": gost.b64url(key.sign(signed)), "client_certificate_hash": cert.hash_hex}
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def fresh_code(stand):
    browser = stand.browser()
    callback = stand.callback_url(browser, MOTHER)
    return callback.split("code=")[1].split("&")[0]


def post_token(stand, form):
    return requests.post(stand.esia_url + "/aas/oauth2/v3/te", data=form, timeout=5)


def test_token_endpoint_issues_esia_shaped_tokens_once_per_code(stand, client_pair):
    code = fresh_code(stand)
    first = post_token(stand, token_form(stand, client_pair, code))
    assert first.status_code == 200
    body = first.json()
    assert {"access_token", "id_token", "state", "token_type", "expires_in"} <= set(body)
    assert "refresh_token" not in body  # the platform asks for access_type=online by default
    from plugins.auth_esia.tokens import unverified_claims, unverified_header

    header, claims = unverified_header(body["id_token"]), unverified_claims(body["id_token"])
    assert header["sbt"] == "id" and header["alg"] == "RS256" and len(header["x5t#St256"]) == 64
    assert claims["aud"] == "ESCHOOL-TEST" and claims["sub"] == MOTHER
    assert claims["urn:esia:sbj"]["urn:esia:sbj:is_tru"] is True and claims["urn:esia:sbj"]["urn:esia:sbj:lvl"] == "PR"
    access = unverified_claims(body["access_token"])
    assert access["urn:esia:sbj_id"] == MOTHER and f"snils?oid={MOTHER}" in access["scope"]

    again = post_token(stand, token_form(stand, client_pair, code))
    assert again.status_code == 400 and again.json()["error_description"].startswith("ESIA-007011")


@pytest.mark.parametrize("change,expected", [
    ({"client_certificate_hash": None}, "ESIA-007014"),
    ({"state": None}, "ESIA-007014"),
    ({"client_secret": gost.b64url(bytes(64))}, "ESIA-007053"),
    ({"client_certificate_hash": "00" * 32}, "ESIA-007053"),
    ({"timestamp": "2020.01.01 00:00:00 +0000"}, "ESIA-007015"),
    ({"timestamp": "2026-01-01T00:00:00Z"}, "ESIA-007015"),
    ({"grant_type": "password"}, "ESIA-007012"),
    ({"client_id": "NOBODY"}, "ESIA-007005"),
])
def test_token_endpoint_answers_esia_error_codes(stand, client_pair, change, expected):
    response = post_token(stand, token_form(stand, client_pair, fresh_code(stand), **change))
    assert response.status_code == 400
    assert response.json()["error_description"].startswith(expected)


def test_a_code_expires_after_240_seconds(stand, client_pair):
    code = fresh_code(stand)
    stand.emulator.clock = lambda: time.time() + 241
    form = token_form(stand, client_pair, code)
    form["timestamp"] = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=241)).strftime("%Y.%m.%d %H:%M:%S %z")
    key, _, _ = client_pair
    signed = (form["client_id"] + form["scope"] + form["timestamp"] + form["state"] + form["redirect_uri"] + code)
    form["client_secret"] = gost.b64url(key.sign(signed.encode()))
    response = post_token(stand, form)
    assert response.json()["error_description"].startswith("ESIA-007011")


def test_person_data_needs_the_bearer_token_of_that_person(stand, client_pair):
    body = post_token(stand, token_form(stand, client_pair, fresh_code(stand))).json()
    url = f"{stand.esia_url}/rs/prns/{MOTHER}"
    assert requests.get(url, timeout=5).status_code == 401
    assert requests.get(url, headers={"Authorization": "Bearer forged"}, timeout=5).status_code == 401
    other = requests.get(f"{stand.esia_url}/rs/prns/2002", timeout=5,
                         headers={"Authorization": f"Bearer {body['access_token']}"})
    assert other.status_code == 401
    person = requests.get(url, headers={"Authorization": f"Bearer {body['access_token']}"}, timeout=5).json()
    assert person["snils"] == "112-233-445 95" and person["birthDate"] == "12.04.1984" and person["trusted"] is True


def test_the_client_reads_kids_when_the_region_enables_them(make_stand):
    stand = make_stand(esia_section={"fetch_kids": True})
    browser = stand.browser()
    to_esia = browser.get(stand.url + "/auth/esia/start", allow_redirects=False).headers["Location"]
    assert "kid_snils" in to_esia
    page = browser.get(to_esia, allow_redirects=False)
    callback = stand.choose(browser, page, MOTHER)
    code = callback.split("code=")[1].split("&")[0]
    with stand.app.test_request_context():
        from plugins.auth_esia.runtime import esia_config

        client = EsiaClient(esia_config())
        verified = client.exchange_code(code, stand.url + "/auth/esia/callback")
        person = client.person(verified)
    assert person.level == "confirmed" and person.snils == "112-233-445 95"
    assert [(k["lastName"], k["birthDate"], k["snils"]) for k in person.kids] == [
        ("Смирнов", "20.05.2013", "456-789-012 38")]


def test_the_demo_persons_file_has_every_case_the_demo_needs():
    persons = load_persons(DEMO_PERSONS)
    today = dt.date.today()

    def age(p):
        b = p.birth_date
        return today.year - b.year - ((today.month, today.day) < (b.month, b.day))

    confirmed_parents = [p for p in persons.values() if p.confirmed and p.kids]
    assert len(confirmed_parents) == 2
    assert confirmed_parents[0].kids[0].snils == confirmed_parents[1].kids[0].snils
    assert any(not p.confirmed and p.level != "child" for p in persons.values())
    assert any("нет в реестре" in p.note for p in persons.values())
    assert {13, 15} <= {age(p) for p in persons.values()}
    assert any(p.level == "child" and age(p) == 13 for p in persons.values())


def test_a_broken_persons_file_is_reported_with_the_person_and_field(tmp_path):
    path = tmp_path / "persons.toml"
    path.write_text('[[person]]\noid = 1\nlast_name = "А"\nfirst_name = "Б"\nbirth_date = 2000-01-01\nlevel = "vip"\n')
    with pytest.raises(PersonsError, match="person 1: level"):
        load_persons(path)
    path.write_text('[[person]]\noid = 1\nlast_name = "А"\n')
    with pytest.raises(PersonsError, match="person 1: missing first_name"):
        load_persons(path)
    json_path = tmp_path / "persons.json"
    json_path.write_text('{"person": [{"oid": 7, "last_name": "А", "first_name": "Б", "birth_date": "01.02.2003",'
                         ' "snils": "11223344595", "level": "child"}]}')
    person = load_persons(json_path)[7]
    assert person.snils == "112-233-445 95" and person.esia_level == "KD" and not person.confirmed
