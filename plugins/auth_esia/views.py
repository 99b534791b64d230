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
    core_settings,
    current_actor,
    public,
    refused_page,
    safe_next,
    settings,
    utcnow,
)
from plugins.auth_esia import messages
from plugins.auth_esia.models import EsiaLoginAttempt, EsiaSessionToken
from plugins.auth_esia.protocol import EsiaClient, EsiaError, EsiaRejected, EsiaUnavailable
from plugins.auth_esia.runtime import ConfigurationProblem, esia_config
from plugins.auth_esia.signers import SignerError

bp = Blueprint("auth_esia", __name__, url_prefix="/auth/esia")

BROWSER_KEY = "esia_browser"
ATTEMPTS_KEPT = dt.timedelta(days=1)
RENEW_MARGIN = dt.timedelta(minutes=5)  # renew a little before the access token runs out
RETRY_UNAVAILABLE = dt.timedelta(minutes=1)  # ESIA down: the session goes on, the renewal is tried again


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
    if settings("auth_esia")["long_sessions"] and verified.get("refresh_token"):
        keep_refresh_token(person.oid, verified)
    return redirect(attempt.next_url or url_for("core.index"))


# --- long sessions: the refresh grant ------------------------------------------------------------


def _renew_after(expires_in: int) -> dt.datetime:
    return utcnow() + max(dt.timedelta(seconds=expires_in) - RENEW_MARGIN, dt.timedelta(seconds=30))


def keep_refresh_token(oid: str, verified: dict) -> None:
    """Bind the refresh token to the session just opened (server side only); forget those of old sessions."""
    oldest = utcnow() - dt.timedelta(hours=core_settings()["session_hours"]) - ATTEMPTS_KEPT
    EsiaSessionToken.delete().where(EsiaSessionToken.created_at < oldest).execute()
    EsiaSessionToken.create(session_id=current_actor().session.id, oid=oid, refresh_token=verified["refresh_token"],
                            renew_after=_renew_after(verified["expires_in"]))


def end_esia_session(row: EsiaSessionToken, reason: str, **details):
    """ESIA no longer vouches for this session: it admits nothing more; the browser is sent to log in again."""
    EsiaSessionToken.update(ended_at=utcnow(), refresh_token="").where(EsiaSessionToken.id == row.id).execute()
    audit("session.end", "identity", "esia", result="refused", details={"code": "esia_session_ended",
                                                                      "reason": reason, **details})
    return session_ended_page()


def session_ended_page():
    session.clear()
    return refused_page(LoginRefused(str(messages.SESSION_ENDED), "esia_session_ended"), 401)


@bp.before_app_request
def renew_long_session():
    """For an ESIA session of a region with long sessions: renew ESIA's tokens when due; end it if refused."""
    actor = current_actor()
    if not actor.is_authenticated or actor.provider != "esia" or actor.session is None:
        return None
    if request.endpoint == "static" or (request.endpoint or "").endswith(".static"):
        return None
    if not settings("auth_esia")["long_sessions"]:
        return None
    row = EsiaSessionToken.get_or_none(EsiaSessionToken.session_id == actor.session.id)
    if row is None:
        return None
    if row.ended_at is not None:
        return session_ended_page()
    now = utcnow()
    if row.renew_after > now:
        return None
    # One request renews (the refresh token is single use); the others meanwhile go on with the live session.
    claimed = (EsiaSessionToken.update(renew_after=now + RETRY_UNAVAILABLE)
               .where((EsiaSessionToken.id == row.id) & (EsiaSessionToken.renew_after <= now)
                      & EsiaSessionToken.ended_at.is_null()).execute())
    if claimed != 1:
        return None
    try:
        client = EsiaClient(esia_config())
        renewal = client.refresh(row.refresh_token, redirect_uri(), row.oid)
    except EsiaError as exc:
        return end_esia_session(row, "refresh refused", esia_code=exc.code)
    except EsiaRejected as exc:
        current_app.logger.warning("ESIA refresh answer rejected: %s", exc.reason)
        return end_esia_session(row, exc.reason)
    except (EsiaUnavailable, ConfigurationProblem, SignerError) as exc:
        current_app.logger.warning("ESIA refresh postponed: %s", exc)  # the session goes on, tried again soon
        return None
    EsiaSessionToken.update(refresh_token=renewal["refresh_token"], renew_after=_renew_after(renewal["expires_in"]),
                            renewals=EsiaSessionToken.renewals + 1).where(EsiaSessionToken.id == row.id).execute()
    return None
