"""Login with a school-issued login and password: hashing, forced change, sessions, enumeration."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from argon2 import PasswordHasher

from core.api import ConfigError
from core.models import AuditRecord, UserSession
from plugins.auth_local import passwords
from plugins.auth_local.models import LocalCredential
from plugins.auth_local.schemas import Settings
from tests.age_policy.support import (
    FAST_HASHING,
    PLUGINS,
    School,
    fake_esia,
    issue_login,
    local_login,
    logged_in,
    region_today,
    years_ago,
)


@pytest.fixture
def app(make_app):
    return make_app(PLUGINS, sections={"auth_local": FAST_HASHING}, extra={"fake_esia": fake_esia})


@pytest.fixture
def kid(app):
    school = School(app)
    return school.student(years_ago(region_today(app), 10), school.school_class())


def change_password(client, current, new, again=None):
    return client.post("/local/password", data={
        "current_password": current, "new_password": new, "new_password_again": again or new})


def flash_text(response) -> str:
    found = re.search(r'class="flash flash-error"[^>]*>(.*?)</div>', response.get_data(as_text=True), re.S)
    return found.group(1).strip() if found else ""


def credential_of(app, login) -> LocalCredential:
    with app.app_context():
        return LocalCredential.get(LocalCredential.login == login)


# --- hashing ---------------------------------------------------------------------


def test_production_defaults_meet_the_owasp_argon2id_minimum():
    defaults = Settings().load({})
    memory, time_cost, parallelism = passwords.hasher_parameters(defaults)
    assert passwords.meets_owasp_minimum(memory, time_cost, parallelism)
    assert (memory, time_cost, parallelism) == (65536, 2, 1)
    assert memory >= 19456 and time_cost >= 2 and parallelism >= 1  # OWASP: 19 MiB, t=2, p=1
    assert not passwords.meets_owasp_minimum(19455, 2, 1)
    assert not passwords.meets_owasp_minimum(19456, 1, 1)


def test_a_production_region_refuses_to_start_with_weak_hashing(make_app, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "k" * 20 + "abcdefghijklmnopqrstuvwxyz")
    with pytest.raises(ConfigError, match="below the OWASP minimum"):
        make_app(PLUGINS, sections={"auth_local": FAST_HASHING}, extra={"fake_esia": fake_esia},
                 core={"production": True}, migrate=False)


def test_stored_passwords_are_argon2id_hashes_never_plaintext(app, kid):
    login, password = issue_login(app, kid)
    stored = credential_of(app, login).password_hash
    assert stored.startswith("$argon2id$v=19$m=1024,t=1,p=1$")
    assert password not in stored


def test_a_hash_with_old_parameters_is_upgraded_at_the_next_successful_login(app, kid):
    login, password = issue_login(app, kid)
    old = PasswordHasher(memory_cost=512, time_cost=1, parallelism=1).hash(password)
    with app.app_context():
        LocalCredential.update(password_hash=old, is_temporary=False).where(LocalCredential.login == login).execute()
    assert local_login(app.test_client(), login, "wrong-password").status_code == 401
    assert credential_of(app, login).password_hash == old  # a failed login changes nothing
    assert local_login(app.test_client(), login, password).status_code == 302
    upgraded = credential_of(app, login).password_hash
    assert upgraded.startswith("$argon2id$v=19$m=1024,t=1,p=1$")
    assert PasswordHasher().verify(upgraded, password)


# --- login, logout, the same answer for unknown logins ------------------------------


def test_login_page_offers_the_school_login_form(app):
    page = app.test_client().get("/login?next=/local/password").get_data(as_text=True)
    assert "Вход по логину и паролю" in page
    assert 'action="/local/login"' in page
    assert 'name="next" value="/local/password"' in page


def test_unknown_login_and_wrong_password_get_the_same_answer(app, kid):
    login, _password = issue_login(app, kid)
    wrong = local_login(app.test_client(), login, "not-the-password")
    unknown = local_login(app.test_client(), "nobody1234", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    assert flash_text(wrong) == flash_text(unknown)
    assert "Неверный логин или пароль" in flash_text(wrong)


def test_unknown_login_and_wrong_password_do_the_same_hashing_work(app, kid, monkeypatch):
    """The timing side channel, checked by counting work instead of timing it (a busy machine cannot fail it):
    an unknown login verifies against a dummy hash with the region's parameters, exactly like a wrong
    password for a real login; nothing else on either path hashes."""
    import argon2

    login, _password = issue_login(app, kid)
    local_login(app.test_client(), "warm-up", "x")  # the per-process dummy hash is made once, before counting
    work: list[tuple[str, object]] = []
    real_verify, real_hash = argon2.PasswordHasher.verify, argon2.PasswordHasher.hash

    def verify(self, stored, password):
        work.append(("verify", argon2.extract_parameters(stored)))
        return real_verify(self, stored, password)

    def hash_(self, password, *args, **kwargs):
        work.append(("hash", (self.time_cost, self.memory_cost, self.parallelism)))
        return real_hash(self, password, *args, **kwargs)

    monkeypatch.setattr(argon2.PasswordHasher, "verify", verify)
    monkeypatch.setattr(argon2.PasswordHasher, "hash", hash_)
    answers, done = [], []
    for name in (login, "nobody1234", login, "nobody5678"):
        work.clear()
        answers.append(local_login(app.test_client(), name, "not-the-password").status_code)
        done.append(list(work))
    assert answers == [401] * 4
    assert [len(w) for w in done] == [1, 1, 1, 1]
    assert done[0] == done[1] == done[2] == done[3]
    assert done[0][0][0] == "verify"


def test_a_successful_login_is_audited_and_a_failed_one_too(app, kid):
    login, password = issue_login(app, kid)
    local_login(app.test_client(), login, "bad-password")
    local_login(app.test_client(), login, password)
    with app.app_context():
        results = [(r.action, r.result) for r in AuditRecord.select().where(AuditRecord.action == "login")]
        stored = [r.details for r in AuditRecord.select()]
    assert ("login", "failed") in results and ("login", "ok") in results
    assert not any(password in d or "bad-password" in d for d in stored)


def test_logout_ends_the_session_and_a_copied_cookie_stops_working(app, kid):
    login, password = issue_login(app, kid)
    client = app.test_client()
    local_login(client, login, password)
    change_password(client, password, "синий кот ест суп")
    copy = app.test_client()
    copy.set_cookie("eschool_session", client.get_cookie("eschool_session").value)
    assert logged_in(copy)
    client.post("/logout")
    assert not logged_in(client)
    assert not logged_in(copy)


def test_next_is_followed_only_to_a_path_on_this_site(app, kid):
    login, password = issue_login(app, kid)
    client = app.test_client()
    local_login(client, login, password)
    change_password(client, password, "синий кот ест суп")
    client.post("/logout")
    assert local_login(client, login, "синий кот ест суп", "//evil.example/").headers["Location"] == "/"
    client.post("/logout")
    assert local_login(client, login, "синий кот ест суп", "/local/password").headers["Location"] == "/local/password"


# --- temporary passwords ----------------------------------------------------------


def test_first_login_with_a_temporary_password_forces_a_change(app, kid):
    login, password = issue_login(app, kid)
    client = app.test_client()
    response = local_login(client, login, password, "/admin/audit")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/local/password")
    # every other page sends the student back to the change page
    blocked = client.get("/")
    assert blocked.status_code == 302 and blocked.headers["Location"].startswith("/local/password")
    page = client.get("/local/password").get_data(as_text=True)
    assert "временным паролем" in page


def test_a_temporary_password_cannot_be_used_after_the_forced_change(app, kid):
    login, temporary = issue_login(app, kid)
    client = app.test_client()
    local_login(client, login, temporary)
    response = change_password(client, temporary, "синий кот ест суп")
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # the change page no longer holds the student
    assert not credential_of(app, login).is_temporary
    fresh = app.test_client()
    assert local_login(fresh, login, temporary).status_code == 401
    assert not logged_in(fresh)
    assert local_login(fresh, login, "синий кот ест суп").status_code == 302
    assert fresh.get("/").status_code == 200


def test_a_copied_session_cookie_fails_after_a_password_change(app, kid):
    login, temporary = issue_login(app, kid)
    client = app.test_client()
    local_login(client, login, temporary)
    change_password(client, temporary, "синий кот ест суп")
    thief = app.test_client()
    thief.set_cookie("eschool_session", client.get_cookie("eschool_session").value)
    assert logged_in(thief)
    other_device = app.test_client()
    local_login(other_device, login, "синий кот ест суп")
    assert change_password(client, "синий кот ест суп", "зелёный слон пьёт чай").status_code == 302
    assert not logged_in(thief)
    assert not logged_in(other_device)
    assert logged_in(client)  # the browser that changed the password got a fresh session
    with app.app_context():
        live = UserSession.select().where(UserSession.user == kid.user_id, UserSession.revoked_at.is_null())
        assert live.count() == 1


def test_a_weak_or_mismatched_new_password_is_refused_next_to_the_field(app, kid):
    login, temporary = issue_login(app, kid)
    client = app.test_client()
    local_login(client, login, temporary)
    cases = [
        (("wrong", "синий кот ест суп"), "Текущий пароль введён неверно."),
        ((temporary, "short"), "не короче 8 символов"),
        ((temporary, "qwerty123"), "слишком распространён"),
        ((temporary, login), "не должен совпадать с логином"),
        ((temporary, temporary), "должен отличаться от текущего"),
    ]
    for (current, new), message in cases:
        response = change_password(client, current, new)
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
    mismatch = change_password(client, temporary, "синий кот ест суп", "синий кот ест борщ")
    assert "Пароли не совпадают." in mismatch.get_data(as_text=True)
    assert credential_of(app, login).is_temporary


def test_common_passwords_are_refused_deep_in_the_breach_list_and_on_either_keyboard_layout():
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    from plugins.auth_local.passwords import is_common

    ranked = [p for p in FREQUENCY_LISTS["passwords"] if len(p) >= 8]
    assert len(ranked) > 3000  # ASVS 6.2.4: at least the top 3,000 that fit the length rule
    assert all(is_common(p) for p in ranked[2990:3000] + ranked[-10:])
    assert is_common("Qwerty123") and is_common("  PASSWORD1 ")
    assert is_common("йцукенгшщз")  # «qwertyuiop» typed with the Russian layout on
    assert is_common("gfhjkm123")  # «пароль123» typed with the Latin layout on
    assert is_common("пароль123")
    assert not is_common("синий кот ест суп") and not is_common("vk7-Lomonosov-trava")


def test_a_temporary_password_expires(app, kid):
    login, temporary = issue_login(app, kid)
    with app.app_context():
        LocalCredential.update(expires_at=dt.datetime(2020, 1, 1)).where(LocalCredential.login == login).execute()
    client = app.test_client()
    response = local_login(client, login, temporary)
    assert response.status_code == 403
    assert "Срок действия временного пароля истёк" in flash_text(response)
    assert not logged_in(client)


def test_a_temporary_password_lasts_the_configured_number_of_days(make_app):
    app = make_app(PLUGINS, sections={"auth_local": {**FAST_HASHING, "temporary_password_days": 3}},
                   extra={"fake_esia": fake_esia})
    kid = School(app).student(years_ago(region_today(app), 10))
    before = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    login, _password = issue_login(app, kid)
    expires = credential_of(app, login).expires_at
    assert dt.timedelta(days=3) <= expires - before < dt.timedelta(days=3, minutes=1)


def test_a_post_without_the_csrf_token_is_refused(app, kid):
    app.config["WTF_CSRF_ENABLED"] = True
    login, temporary = issue_login(app, kid)
    response = local_login(app.test_client(), login, temporary)
    assert response.status_code == 400
    with app.app_context():
        assert not AuditRecord.select().where(AuditRecord.action == "login").exists()
