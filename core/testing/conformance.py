"""The checks every login provider must pass, as a test class to subclass in the provider's own package.

    from core.testing.conformance import LoginProviderConformance

    class TestMyLoginConformance(LoginProviderConformance):
        provider = "my_login"                        # the Identity.provider your method produces
        label = "Мой вход"                           # what the login page shows for it
        plugins = ["my_login"]                       # the region's plugins for these checks

        def sections(self, subjects):                # config that lets these people prove themselves
            return {"my_login": {...}}

        def submit(self, client, subject):           # log in over HTTP as the person `subject` would
            return client.post("/my-login", data={...})

        def submit_wrong(self, client):              # what a person with wrong credentials sends
            return client.post("/my-login", data={...})

Every check goes through the provider's own HTTP views and the core's real pipeline, on a fresh app and
database from the ``make_app`` fixture: a linked identity logs in as its user; an unknown one, a blocked user
and wrong credentials are refused in Russian with nothing started; a login rule's veto (as an age rule
refuses a young student) reaches the person; a session planted before the login is worthless after it;
logout ends the session server-side; the audit log has every outcome.
"""

from __future__ import annotations

import json
import re
import types
from typing import Any

import pytest
from flask.testing import FlaskClient

from core.models import AuditRecord, LoginIdentity, User, UserSession
from core.plugins import hookimpl
from core.types import Refusal

LINKED, UNKNOWN, BLOCKED, STUDENT = "kit-linked", "kit-unknown", "kit-blocked", "kit-student"
SUBJECTS = (LINKED, UNKNOWN, BLOCKED, STUDENT)
RULE_MESSAGE = "Вход не выполнен: учащимся младше 14 лет этот способ входа в регионе не разрешён (проверка набора)."
CYRILLIC = re.compile(r"[А-Яа-яЁё]")


def _rules_plugin(provider: str) -> types.ModuleType:
    """A region rule like age_policy's: a student may not use this provider (the person is told why)."""
    plugin = types.ModuleType("conformance_rules")

    @hookimpl
    def login_rules(identity, user):
        if identity.provider == provider and user.role == "student":
            return Refusal(RULE_MESSAGE, "kit_age_rule")
        return None

    plugin.login_rules = login_rules
    return plugin


class LoginProviderConformance:
    """Subclass with ``provider``, ``label``, ``plugins``, ``sections``, ``submit`` and ``submit_wrong``."""

    provider: str = ""
    plugins: list[str] = []
    label: str = ""  # what the login page shows for the method
    # The page a logged-in person can open and a visitor cannot (the core's «Мои сеансы»).
    private_page = "/account/sessions"

    def sections(self, subjects: tuple[str, ...]) -> dict[str, Any]:
        """Config sections that let each of ``subjects`` prove themselves through the provider."""
        return {}

    def submit(self, client: FlaskClient, subject: str):
        """Log in over HTTP as the person ``subject``; return the provider's last response (not followed)."""
        raise NotImplementedError

    def submit_wrong(self, client: FlaskClient):
        """Send what a person with wrong credentials would; return the response."""
        raise NotImplementedError

    # --- the app and the people -------------------------------------------------------------------------

    @pytest.fixture
    def provider_app(self, make_app):
        return make_app([*self.plugins, "conformance_rules"], sections=self.sections(SUBJECTS),
                        extra={"conformance_rules": _rules_plugin(self.provider)})

    def person(self, app, subject: str, role: str = "parent", **fields) -> User:
        with app.app_context():
            user = User.create(display_name=f"Проверка {subject}", role=role, **fields)
            LoginIdentity.create(user=user, provider=self.provider, subject=subject)
        return user

    def logged_in(self, client: FlaskClient) -> bool:
        response = client.get(self.private_page)
        assert response.status_code in (200, 302), response.status_code
        return response.status_code == 200

    def live_sessions(self, app, user: User) -> list[UserSession]:
        with app.app_context():
            return list(UserSession.select().where((UserSession.user == user.id)
                                                   & UserSession.revoked_at.is_null()))

    def audit(self, app, action: str) -> list[AuditRecord]:
        with app.app_context():
            return list(AuditRecord.select().where(AuditRecord.action == action).order_by(AuditRecord.id))

    def assert_refused(self, app, client, response, message: str | None = None) -> str:
        assert 400 <= response.status_code < 500, response.status_code
        text = response.get_data(as_text=True)
        assert CYRILLIC.search(text)
        if message is not None:
            assert message in text, text[:2000]
        assert not self.logged_in(client)
        return text

    # --- the checks -------------------------------------------------------------------------------------

    def test_login_page_offers_the_method(self, provider_app):
        page = provider_app.test_client().get("/login")
        assert page.status_code == 200
        assert self.label and self.label in page.get_data(as_text=True)

    def test_a_linked_identity_logs_in_as_its_user(self, provider_app):
        user = self.person(provider_app, LINKED)
        client = provider_app.test_client()

        response = self.submit(client, LINKED)

        assert response.status_code in (200, 302, 303), response.status_code
        assert self.logged_in(client)
        assert user.display_name in client.get(self.private_page).get_data(as_text=True)
        sessions = self.live_sessions(provider_app, user)
        assert [s.provider for s in sessions] == [self.provider]
        ok = [r for r in self.audit(provider_app, "login") if r.result == "ok"]
        assert [(r.user_id, json.loads(r.details)["provider"]) for r in ok] == [(user.id, self.provider)]

    def test_an_identity_linked_to_no_user_is_refused(self, provider_app):
        client = provider_app.test_client()
        self.assert_refused(provider_app, client, self.submit(client, UNKNOWN),
                            "не связана ни с одним пользователем")
        refused = [r for r in self.audit(provider_app, "login") if r.result == "refused"]
        assert [json.loads(r.details)["code"] for r in refused] == ["unknown_identity"]
        with provider_app.app_context():
            assert UserSession.select().count() == 0

    def test_wrong_credentials_are_refused_in_russian(self, provider_app):
        self.person(provider_app, LINKED)
        client = provider_app.test_client()
        self.assert_refused(provider_app, client, self.submit_wrong(client))
        with provider_app.app_context():
            assert UserSession.select().count() == 0

    def test_a_blocked_user_is_refused(self, provider_app):
        user = self.person(provider_app, BLOCKED, is_blocked=True)
        client = provider_app.test_client()
        self.assert_refused(provider_app, client, self.submit(client, BLOCKED), "заблокирована")
        assert self.live_sessions(provider_app, user) == []

    def test_a_login_rule_veto_such_as_an_age_rule_reaches_the_person(self, provider_app):
        student = self.person(provider_app, STUDENT, role="student")
        client = provider_app.test_client()

        self.assert_refused(provider_app, client, self.submit(client, STUDENT), RULE_MESSAGE)

        assert self.live_sessions(provider_app, student) == []
        refused = [r for r in self.audit(provider_app, "login") if r.result == "refused"]
        assert [json.loads(r.details)["code"] for r in refused] == ["kit_age_rule"]
        with provider_app.app_context():  # a veto undoes whatever the resolution linked on the way
            assert LoginIdentity.select().where(LoginIdentity.user == student.id).count() == 1

    def test_a_session_planted_before_the_login_is_worthless_after_it(self, provider_app):
        user = self.person(provider_app, LINKED)
        victim = provider_app.test_client()
        victim.get("/login")
        with victim.session_transaction() as planted:
            planted["planted_by_attacker"] = "yes"
        cookie = victim.get_cookie("eschool_session")
        assert cookie is not None
        attacker = provider_app.test_client()
        attacker.set_cookie("eschool_session", cookie.value)

        self.submit(victim, LINKED)

        assert self.logged_in(victim)
        assert not self.logged_in(attacker)
        with victim.session_transaction() as fresh:
            assert "planted_by_attacker" not in fresh
        assert len(self.live_sessions(provider_app, user)) == 1

    def test_logout_ends_the_session_on_the_server(self, provider_app):
        user = self.person(provider_app, LINKED)
        client = provider_app.test_client()
        self.submit(client, LINKED)
        copy = provider_app.test_client()
        copy.set_cookie("eschool_session", client.get_cookie("eschool_session").value)
        assert self.logged_in(copy)

        response = client.post("/logout")

        assert response.status_code in (302, 303)
        assert not self.logged_in(client)
        assert not self.logged_in(copy)  # a copied cookie stops working: the session ended server-side
        assert self.live_sessions(provider_app, user) == []
        assert [r.user_id for r in self.audit(provider_app, "logout")] == [user.id]
