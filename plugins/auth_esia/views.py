"""The Gosuslugi login: send the browser to ESIA, take it back, prove the person, hand over to the core."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid

from flask import Blueprint, current_app, redirect, request, session, url_for

from core.api import (
    Identity,
    LoginRefused,
    audit,
    complete_login,
    public,
    refused_page,
    safe_next,
    settings,
    utcnow,
)
from plugins.auth_esia import messages
from plugins.auth_esia.models import EsiaLoginAttempt
from plugins.auth_esia.protocol import EsiaClient, EsiaError, EsiaRejected, EsiaUnavailable
from plugins.auth_esia.runtime import ConfigurationProblem, esia_config
from plugins.auth_esia.signers import SignerError

bp = Blueprint("auth_esia", __name__, url_prefix="/auth/esia")

BROWSER_KEY = "esia_browser"
ATTEMPTS_KEPT = dt.timedelta(days=1)


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def redirect_uri() -> str:
    return settings("auth_esia")["redirect_uri"] or url_for("auth_esia.callback", _external=True)


def refuse(message, code: str, status: int = 403, **details):
    """Show the login page with ``message``; record why in the audit log."""
    audit("login", "identity", "esia", result="refused", details={"code": code, **details})
    return refused_page(LoginRefused(str(message), code), status)


def _client_or_refusal():
    try:
        return EsiaClient(esia_config()), None
    except EsiaUnavailable as exc:
        current_app.logger.warning("ESIA unavailable: %s", exc)
        return None, refuse(messages.UNAVAILABLE, "unavailable", 503)
    except ConfigurationProblem as exc:
        current_app.logger.error("ESIA configuration: %s", exc)
        return None, refuse(messages.CONFIGURATION, "configuration", 503)


@bp.route("/start")
@public
def start():
    """Begin a login: a new state bound to this browser, then off to ESIA."""
    client, refusal = _client_or_refusal()
    if refusal is not None:
        return refusal
    browser = session.get(BROWSER_KEY) or secrets.token_urlsafe(32)
    session[BROWSER_KEY] = browser
    state = str(uuid.uuid4())
    EsiaLoginAttempt.delete().where(EsiaLoginAttempt.created_at < utcnow() - ATTEMPTS_KEPT).execute()
    EsiaLoginAttempt.create(state=state, browser_hash=_hash(browser),
                            next_url=safe_next(request.args.get("next")) or "")
    try:
        url = client.authorization_url(state, redirect_uri())
    except SignerError as exc:
        current_app.logger.error("ESIA signer: %s", exc)
        return refuse(messages.CONFIGURATION, "configuration", 503)
    return redirect(url)


def consume_state(state: str) -> EsiaLoginAttempt | None:
    """The attempt for ``state`` if it is fresh, unused and belongs to this browser; it is used up now."""
    browser = session.get(BROWSER_KEY)
    if not state or len(state) > 64 or not browser:
        return None
    ttl = dt.timedelta(seconds=settings("auth_esia")["state_ttl_seconds"])
    now = utcnow()
    taken = (
        EsiaLoginAttempt.update(used_at=now)
        .where((EsiaLoginAttempt.state == state) & EsiaLoginAttempt.used_at.is_null()
               & (EsiaLoginAttempt.browser_hash == _hash(browser)) & (EsiaLoginAttempt.created_at >= now - ttl))
        .execute()
    )
    return EsiaLoginAttempt.get(EsiaLoginAttempt.state == state) if taken == 1 else None


@bp.route("/callback")
@public
def callback():
    """ESIA sends the browser back here with ``code`` and ``state`` (or ``error``)."""
    attempt = consume_state(request.args.get("state", ""))
    if attempt is None:
        return refuse(messages.STATE_INVALID, "state_invalid")
    if "error" in request.args:
        error = EsiaError(request.args.get("error", ""), request.args.get("error_description", ""))
        return refuse(messages.for_esia_error(error.error, error.code), "esia_error",
                      error=error.error, esia_code=error.code)
    code = request.args.get("code", "")
    if not code:
        return refuse(messages.REJECTED, "rejected", reason="no code")
    client, refusal = _client_or_refusal()
    if refusal is not None:
        return refusal
    try:
        verified = client.exchange_code(code, redirect_uri())
        person = client.person(verified)
    except EsiaError as exc:
        return refuse(messages.for_esia_error(exc.error, exc.code), "esia_error", error=exc.error, esia_code=exc.code)
    except EsiaUnavailable as exc:
        current_app.logger.warning("ESIA unavailable: %s", exc)
        return refuse(messages.UNAVAILABLE, "unavailable", 503)
    except EsiaRejected as exc:
        current_app.logger.warning("ESIA answer rejected: %s", exc.reason)
        return refuse(messages.REJECTED, "rejected", reason=exc.reason)
    except SignerError as exc:
        current_app.logger.error("ESIA signer: %s", exc)
        return refuse(messages.CONFIGURATION, "configuration", 503)
    identity = Identity(
        provider="esia", subject=person.oid, snils=person.snils, birth_date=person.birth_date,
        last_name=person.last_name, first_name=person.first_name, middle_name=person.middle_name,
        confirmed=person.trusted, level=person.level, attributes={"kids": person.kids},
    )
    provider_data = {"oid": person.oid, "level": person.level,
                     "sid": verified["id_claims"].get("urn:esia:sid", "")}
    try:
        complete_login(identity, provider_data=provider_data)
    except LoginRefused as refused:
        return refused_page(refused)
    return redirect(attempt.next_url or url_for("core.index"))
