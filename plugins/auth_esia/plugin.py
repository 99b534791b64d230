"""Hook implementations of the auth_esia plugin."""

from __future__ import annotations

from urllib.parse import quote_plus, urlencode, urlsplit

from flask import url_for

from core.api import (
    EsiaSignersService,
    LoginIdentity,
    LoginMethod,
    Refusal,
    _,
    hookimpl,
    migrations_from_package,
    service,
    settings,
)
from plugins.auth_esia import messages
from plugins.auth_esia.models import ESIA_MODELS, EsiaSessionToken
from plugins.auth_esia.schemas import Settings
from plugins.auth_esia.signers import SignerRegistry


@hookimpl
def config_schema():
    return Settings


@hookimpl
def plugin_requires():
    return ["registries"]


@hookimpl
def models():
    return ESIA_MODELS


@hookimpl
def migrations():
    return migrations_from_package("plugins.auth_esia.migrations")


@hookimpl
def blueprints():
    from plugins.auth_esia.views import bp

    return [bp]


@hookimpl
def services():
    signers: EsiaSignersService = SignerRegistry()
    return {"esia_signers": signers}


@hookimpl
def cli_commands():
    from plugins.auth_esia.emulator.cli import esia_emulator

    return [esia_emulator]


@hookimpl
def login_methods():
    return [LoginMethod(
        name="esia",
        label=_("Войти через Госуслуги"),
        url=url_for("auth_esia.start"),
        description=_("Для родителей и учащихся с подтверждённой учётной записью на Госуслугах."),
        order=10,
    )]


@hookimpl
def login_rules(identity, user):
    """Refuse unconfirmed accounts, a SNILS that contradicts the registry, and a second ESIA account.

    Child accounts (ESIA ``KD``) are left to the age policy.
    """
    if identity.provider != "esia":
        return None
    if identity.level != "child" and not identity.confirmed:
        return Refusal(str(messages.UNCONFIRMED), "esia_unconfirmed")
    registries = service("registries")
    if identity.snils and registries is not None and registries.snils_matches(user, identity.snils) is False:
        return Refusal(str(messages.SNILS_MISMATCH), "esia_snils_mismatch")
    first = (
        LoginIdentity.select()
        .where((LoginIdentity.user == user.id) & (LoginIdentity.provider == "esia"))
        .order_by(LoginIdentity.linked_at, LoginIdentity.id)
        .first()
    )
    if first is not None and first.subject != identity.subject:
        # The core rolls back the link this login just made, so the real account keeps working.
        return Refusal(str(messages.ANOTHER_ACCOUNT), "esia_another_account")
    return None


@hookimpl
def logout_url(actor, provider):
    """End the Gosuslugi session too: ESIA's logout, which sends the browser back to our login page."""
    if provider != "esia":
        return None
    if getattr(actor, "session", None) is not None:  # a long session's refresh token is of no use any more
        EsiaSessionToken.delete().where(EsiaSessionToken.session_id == actor.session.id).execute()
    cfg = settings("auth_esia")
    from plugins.auth_esia.runtime import base_url

    query = urlencode({"client_id": cfg["client_id"], "redirect_url": url_for("core.login", _external=True)},
                      quote_via=quote_plus)
    return f"{base_url(cfg)}/idp/ext/Logout?{query}"


@hookimpl
def form_action_sources():
    """The logout form ends on ESIA's logout endpoint (``logout_url``): the browser may follow it there."""
    from plugins.auth_esia.runtime import base_url

    parts = urlsplit(base_url(settings("auth_esia")))
    return [f"{parts.scheme}://{parts.netloc}"]


@hookimpl
def demo_data(demo):
    from plugins.auth_esia.demo import generate

    generate(demo)
