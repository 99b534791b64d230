"""The login-provider conformance kit catches providers that skip the pipeline or refuse badly.

The kit itself passes on the example package (examples/eschool-auth-demo/tests); here it is run against two
broken providers, to show its checks can fail.
"""

import types

import pytest
from flask import Blueprint, request, session
from flask_login import login_user

from core.api import Identity, LoginMethod, LoginRefused, complete_login, hookimpl, public, refused_page
from core.auth import load_actor, open_session
from core.models import LoginIdentity
from core.testing import conformance


def provider_module(name: str, view) -> types.ModuleType:
    bp = Blueprint(name, __name__, url_prefix=f"/{name}")
    bp.add_url_rule("/login", "login", public(view), methods=["POST"])
    module = types.ModuleType(name)
    module.blueprints = hookimpl(lambda: [bp])
    module.login_methods = hookimpl(lambda: [LoginMethod(name, f"Вход {name}", url=f"/{name}/login")])
    return module


def skips_the_pipeline():
    """Finds the user itself and opens a session: no login rules, no blocking, no fresh session, no audit."""
    link = LoginIdentity.get_or_none(provider="shortcut", subject=request.form["subject"])
    if link is None:
        return refused_page(LoginRefused("Вход не выполнен: не связана ни с одним пользователем.", "x"))
    token = open_session(link.user, "shortcut")
    session["_user_id"] = token
    login_user(load_actor(token))
    return "", 302


def refuses_in_english():
    """Uses the pipeline, but a wrong code is a 200 page in English."""
    if request.form["subject"] == "wrong":
        return "wrong code", 200
    try:
        complete_login(Identity(provider="english", subject=request.form["subject"]))
    except LoginRefused as refused:
        return refused_page(refused)
    return "", 302


class BrokenProviderKit(conformance.LoginProviderConformance):
    def submit(self, client, subject):
        return client.post(f"/{self.provider}/login", data={"subject": subject})

    def submit_wrong(self, client):
        return client.post(f"/{self.provider}/login", data={"subject": "wrong"})


def kit_and_app(make_app, name, view):
    kit = BrokenProviderKit()
    kit.provider, kit.label, kit.plugins = name, f"Вход {name}", [name]
    app = make_app([name, "conformance_rules"], extra={name: provider_module(name, view),
                                                        "conformance_rules": conformance._rules_plugin(name)})
    return kit, app


@pytest.mark.parametrize("check", ["test_a_login_rule_veto_such_as_an_age_rule_reaches_the_person",
                                   "test_a_blocked_user_is_refused",
                                   "test_a_session_planted_before_the_login_is_worthless_after_it",
                                   "test_a_linked_identity_logs_in_as_its_user"])
def test_a_provider_that_skips_the_pipeline_fails_the_kit(make_app, check):
    kit, app = kit_and_app(make_app, "shortcut", skips_the_pipeline)
    with pytest.raises(AssertionError):
        getattr(kit, check)(app)


def test_a_provider_that_refuses_in_english_with_200_fails_the_kit(make_app):
    kit, app = kit_and_app(make_app, "english", refuses_in_english)
    with pytest.raises(AssertionError):
        kit.test_wrong_credentials_are_refused_in_russian(app)
    _, sound = kit_and_app(make_app, "english", refuses_in_english)
    kit.test_a_linked_identity_logs_in_as_its_user(sound)  # the rest of it is sound
