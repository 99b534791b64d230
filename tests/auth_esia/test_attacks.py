"""Attacks on the Gosuslugi login, each over real HTTP against the app and a misbehaving emulator: none accepted.

An attack is "accepted" if the attacker's browser ends up with a session
(the guarded probe page answers) or is sent off-site.
"""

from __future__ import annotations

import datetime as dt
import json
import time

import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from core.models import AuditRecord, LoginIdentity
from plugins.auth_esia import gost
from plugins.auth_esia.models import EsiaLoginAttempt
from tests.auth_esia.conftest import DUPLICATE, FATHER, MOTHER


def outcome(stand, browser, response) -> tuple[bool, str]:
    """(accepted?, what the person saw)."""
    location = response.headers.get("Location", "")
    if location.startswith("http") and not location.startswith(stand.url):
        return True, f"redirected off-site to {location}"
    if stand.whoami(browser) is not None:
        return True, "logged in"
    with stand.app.app_context():
        last = AuditRecord.select().where(AuditRecord.result == "refused").order_by(AuditRecord.id.desc()).first()
    why = json.loads(last.details) if last is not None else {}
    reason = why.get("reason") or why.get("esia_code") or why.get("code", "")
    text = response.text
    for marker in ("Попытка входа устарела", "не прошёл проверку подлинности", "уже использован или устарел",
                   "СНИЛС в вашей учётной записи", "уже привязана другая учётная запись", "ошибки настройки"):
        if marker in text:
            return False, f"{response.status_code}: «{marker}…» [{reason}]"
    return False, f"{response.status_code}"


def tampered_state(stand):
    browser = stand.browser()
    callback = stand.callback_url(browser, MOTHER)
    state = callback.split("state=")[1].split("&")[0]
    forged = callback.replace(state, state[:-1] + ("0" if state[-1] != "0" else "1"))
    return outcome(stand, browser, stand.finish(browser, forged))


def replayed_state(stand):
    browser = stand.browser()
    callback = stand.callback_url(browser, MOTHER)
    copy = requests.Session()
    copy.cookies.update(browser.cookies)  # the same browser session, kept by the attacker
    stand.finish(browser, callback)
    browser.post(stand.url + "/logout", allow_redirects=False)
    return outcome(stand, copy, stand.finish(copy, callback))


def state_from_another_session(stand):
    victim, attacker = stand.browser(), stand.browser()
    callback = stand.callback_url(victim, MOTHER)
    stand.begin(attacker)  # the attacker has a session of their own
    return outcome(stand, attacker, stand.finish(attacker, callback))


def state_without_any_session(stand):
    victim = stand.browser()
    callback = stand.callback_url(victim, MOTHER)
    attacker = stand.browser()
    return outcome(stand, attacker, stand.finish(attacker, callback))


def expired_state(stand):
    browser = stand.browser()
    callback = stand.callback_url(browser, MOTHER)
    with stand.app.app_context():
        state = callback.split("state=")[1].split("&")[0]
        old = dt.datetime.utcnow() - dt.timedelta(hours=1)
        EsiaLoginAttempt.update(created_at=old).where(EsiaLoginAttempt.state == state).execute()
    return outcome(stand, browser, stand.finish(browser, callback))


def replayed_code(stand):
    victim = stand.browser()
    callback = stand.callback_url(victim, MOTHER)
    stand.finish(victim, callback)
    code = callback.split("code=")[1].split("&")[0]
    attacker = stand.browser()
    own = stand.callback_url(attacker, FATHER)  # a valid state of the attacker's own attempt…
    forged = own.split("?")[0] + f"?code={code}&state=" + own.split("state=")[1].split("&")[0]
    return outcome(stand, attacker, stand.finish(attacker, forged))  # …with the victim's used code


def misbehaving(change):
    """An attack where the emulator hands out tokens changed by ``change(kind, claims, sign)``."""

    def attack(stand):
        stand.emulator.misbehave = change
        browser = stand.browser()
        try:
            return outcome(stand, browser, stand.login(browser, MOTHER))
        finally:
            stand.emulator.misbehave = None

    return attack


def wrong_issuer(kind, claims, sign):
    return sign({**claims, "iss": "http://esia.evil.example/"})


def wrong_audience(kind, claims, sign):
    return sign({**claims, "aud": "OTHER01"} if kind == "id" else claims)


def another_client(kind, claims, sign):
    return sign({**claims, "aud": "OTHER01"} if kind == "id" else {**claims, "client_id": "OTHER01"})


def access_token_of_another_client(kind, claims, sign):
    return sign({**claims, "client_id": "OTHER01"} if kind == "access" else claims)


def expired_token(kind, claims, sign):
    past = int(time.time()) - 7200
    return sign({**claims, "iat": past, "nbf": past, "auth_time": past, "exp": past + 3600})


def token_from_the_future(kind, claims, sign):
    later = int(time.time()) + 7200
    return sign({**claims, "iat": later, "nbf": later, "exp": later + 3600})


FOREIGN_RSA = rsa.generate_private_key(public_exponent=65537, key_size=2048)
FOREIGN_GOST = gost.PrivateKey.generate()


def bad_rsa_signature(kind, claims, sign):
    return sign(claims, key=FOREIGN_RSA)


def bad_gost_signature(kind, claims, sign):
    return sign(claims, alg="GOST3410_2012_256", key=FOREIGN_GOST)


def alg_none(kind, claims, sign):
    return sign(claims, header={"ver": 1, "typ": "JWT", "sbt": kind, "alg": "none"})


def hs256_with_public_certificate(kind, claims, sign):
    import hashlib
    import hmac

    real = sign(claims)
    head = gost.b64url(b'{"ver":1,"typ":"JWT","sbt":"%s","alg":"HS256"}' % kind.encode())
    body = real.split(".")[1]
    cert = stand_holder["stand"].emulator.keys.rsa_certificate.pem().encode()
    mac = hmac.new(cert, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{gost.b64url(mac)}"


def string_nbf(kind, claims, sign):
    return sign({**claims, "nbf": str(claims["nbf"])})


def crash_is_not_a_refusal(attack):
    """A 5xx is not a refusal: the person gets an error page instead of an explanation."""

    def checked(stand):
        browser = stand.browser()
        stand.emulator.misbehave = attack
        try:
            response = stand.login(browser, MOTHER)
        finally:
            stand.emulator.misbehave = None
        if response.status_code >= 500:
            return True, f"{response.status_code} (a crash, not a refusal)"
        return outcome(stand, browser, response)

    return checked


def tokens_for_different_persons(kind, claims, sign):
    return sign({**claims, "sub": FATHER} if kind == "id" else claims)


def state_echo_mismatch(stand):
    stand.emulator.misbehave_response = lambda body: {**body, "state": "00000000-0000-4000-8000-000000000000"}
    browser = stand.browser()
    try:
        return outcome(stand, browser, stand.login(browser, MOTHER))
    finally:
        stand.emulator.misbehave_response = None


def oid_linked_to_another_user(stand):
    """Father's account was (wrongly) linked to oid 2005, whose SNILS is the mother's: no way in as the father."""
    with stand.app.app_context():
        link = LoginIdentity.create(user=stand.made["users"][FATHER], provider="esia", subject=str(DUPLICATE))
    browser = stand.browser()
    try:
        return outcome(stand, browser, stand.login(browser, DUPLICATE))
    finally:
        with stand.app.app_context():
            link.delete_instance()


def second_esia_account_for_a_linked_user(stand):
    stand.login(stand.browser(), MOTHER)  # the mother's real account is linked first
    browser = stand.browser()
    return outcome(stand, browser, stand.login(browser, DUPLICATE))  # another oid with her SNILS


def open_redirect_after_login(stand):
    browser = stand.browser()
    response = stand.login(browser, MOTHER, next_url="//evil.example/")
    accepted = not response.headers.get("Location", "").startswith("/") or "evil" in response.headers["Location"]
    browser.post(stand.url + "/logout", allow_redirects=False)
    return accepted, f"{response.status_code} → {response.headers.get('Location')}"


stand_holder: dict = {}

ATTACKS = [
    ("tampered state", tampered_state),
    ("replayed state (same browser session)", replayed_state),
    ("state from another session", state_from_another_session),
    ("state without any session (login CSRF)", state_without_any_session),
    ("expired state", expired_state),
    ("replayed authorization code", replayed_code),
    ("token response state mismatch", state_echo_mismatch),
    ("wrong issuer", misbehaving(wrong_issuer)),
    ("wrong audience (id_token aud)", misbehaving(wrong_audience)),
    ("tokens issued to another client_id", misbehaving(another_client)),
    ("access token issued to another client_id", misbehaving(access_token_of_another_client)),
    ("expired tokens", misbehaving(expired_token)),
    ("tokens not yet valid", misbehaving(token_from_the_future)),
    ("bad RS256 signature (foreign key)", misbehaving(bad_rsa_signature)),
    ("bad GOST signature (foreign key)", misbehaving(bad_gost_signature)),
    ("alg=none", misbehaving(alg_none)),
    ("HS256 keyed with ESIA's public certificate", misbehaving(hs256_with_public_certificate)),
    ("id_token and access token for different persons", misbehaving(tokens_for_different_persons)),
    ("validly signed tokens with a string nbf", crash_is_not_a_refusal(string_nbf)),
    ("oid already linked to another user", oid_linked_to_another_user),
    ("second ESIA account for an already linked user", second_esia_account_for_a_linked_user),
    ("open redirect through next=", open_redirect_after_login),
]


def test_no_attack_on_the_gosuslugi_login_is_accepted(stand):
    stand.made = stand.registry({MOTHER: "mother", FATHER: "father"})
    stand_holder["stand"] = stand
    rows = []
    for name, attack in ATTACKS:
        accepted, seen = attack(stand)
        rows.append((name, "ACCEPTED" if accepted else "refused", seen))
    width = max(len(r[0]) for r in rows)
    print(f"\n{'attack':<{width}}  result    what the browser got")
    for name, result, seen in rows:
        print(f"{name:<{width}}  {result:<8}  {seen}")
    accepted = [r for r in rows if r[1] == "ACCEPTED"]
    print(f"{len(rows)} attacks, {len(accepted)} accepted")
    assert len(rows) >= 12
    assert accepted == []
    # and the honest login still works after all that
    browser = stand.browser()
    stand.login(browser, FATHER)
    assert stand.whoami(browser)["user_id"] == stand.made["users"][FATHER]
