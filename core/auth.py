"""Authentication: the login pipeline, server-side sessions, and route access marks.

The pipeline, as in Plone's PluggableAuthService but with nothing swallowed:
a provider plugin proves an ``Identity`` → ``resolve_identity`` finds the User
→ ``login_rules`` may veto → a fresh session starts and the login is audited.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Flask,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import LoginManager, current_user, login_user, logout_user

from core import audit
from core.db import database, utcnow
from core.i18n import gettext as _
from core.models import ApiToken, LoginIdentity, User, UserSession
from core.prepared import Param, prepared
from core.types import Actor, AnonymousActor, Identity, LoginRefused

ACCESS_ATTR = "_eschool_access"
SIGNED_ATTR = "_eschool_signed_link"
LAST_SEEN_RESOLUTION = dt.timedelta(minutes=1)


# --- marks on views ---------------------------------------------------------


def public(view: Callable) -> Callable:
    """Mark a view as open to everyone, logged in or not."""
    setattr(view, ACCESS_ATTR, "public")
    return view


def signed_link(view: Callable) -> Callable:
    """Mark a public view whose POST is proven by a signed token in its URL, not by a CSRF form token.

    For links that leave the site (one-click unsubscribe, RFC 8058: the mail client
    posts without any form). The view itself must refuse a token it did not sign.
    """
    setattr(view, SIGNED_ATTR, True)
    return view


def login_required(view: Callable) -> Callable:
    """Mark a view as needing a logged-in actor; further checks belong to the policy."""
    setattr(view, ACCESS_ATTR, "login")
    return view


def roles_required(*roles: str) -> Callable[[Callable], Callable]:
    """Mark a view as open only to actors with one of ``roles``."""

    def mark(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if current_user.role not in roles:
                audit.record("route.denied", "endpoint", request.endpoint, result="denied")
                abort(403)
            return view(*args, **kwargs)

        setattr(wrapper, ACCESS_ATTR, "roles")
        return wrapper

    return mark


def access_of(app: Flask, endpoint: str | None) -> str | None:
    """``public``, ``login``, ``roles`` or None (unmarked) for an endpoint."""
    if endpoint is None:
        return None
    if endpoint == "static" or endpoint.endswith(".static"):
        return "public"
    view = app.view_functions.get(endpoint)
    return getattr(view, ACCESS_ATTR, None)


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _guard_route():
    """Default deny: an unmarked view is refused; a guarded one needs a live session."""
    access = access_of(current_app, request.endpoint)
    if request.endpoint is None or access == "public":
        return None
    if access is None:
        abort(403)
    if not current_user.is_authenticated:
        if wants_json():
            return jsonify({"error": "unauthorized", "message": _("Требуется вход в систему")}), 401
        return redirect(url_for("core.login", next=request.full_path.rstrip("?")))
    return None


# --- sessions ----------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(user: User, provider: str, provider_data: dict[str, Any] | None = None) -> str:
    """Create a server-side session for ``user`` and return its secret token."""
    token = secrets.token_urlsafe(32)
    hours = current_app.extensions["eschool"].core_settings["session_hours"]
    UserSession.create(
        token_hash=_hash(token),
        user=user,
        provider=provider,
        expires_at=utcnow() + dt.timedelta(hours=hours),
        ip=audit.client_ip(),
        user_agent=(request.user_agent.string or "")[:300],
        provider_data=json.dumps(provider_data or {}),
    )
    return token


@prepared
def _live_session():
    return (UserSession.select(UserSession, User).join(User)
            .where((UserSession.token_hash == Param("token_hash")) & UserSession.revoked_at.is_null()).limit(1))


@prepared
def _live_api_token():
    return (ApiToken.select(ApiToken, User).join(User)
            .where((ApiToken.token_hash == Param("token_hash")) & ApiToken.revoked_at.is_null()).limit(1))


def load_actor(token: str) -> Actor | None:
    """The actor for a session token, or None if the session ended, expired or the user is blocked."""
    now = utcnow()
    row = _live_session.first(token_hash=_hash(token))
    if row is None or row.expires_at <= now or row.user.is_blocked:
        return None
    if now - row.last_seen_at > LAST_SEEN_RESOLUTION:
        UserSession.update(last_seen_at=now).where(UserSession.id == row.id).execute()
    return Actor(row.user, row, token)


def create_api_token(user: User, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    """Issue a bearer token for ``user``; the plain token is returned once and never stored."""
    token = "esk_" + secrets.token_urlsafe(32)
    expires = utcnow() + dt.timedelta(days=days) if days else None
    row = ApiToken.create(user=user, name=name[:100], token_hash=_hash(token), expires_at=expires)
    audit.record("api_token.create", "api_token", row.id, details={"name": name})
    return row, token


def list_api_tokens(user: User | int) -> list[ApiToken]:
    """A user's tokens, newest first, revoked ones included (their hashes are never shown)."""
    user_id = user if isinstance(user, int) else user.id
    return list(ApiToken.select().where(ApiToken.user == user_id).order_by(ApiToken.created_at.desc(),
                                                                            ApiToken.id.desc()))


def revoke_api_token(token_id: int, user: User | int) -> bool:
    """Revoke one of ``user``'s tokens; False if there is no such live token of theirs."""
    user_id = user if isinstance(user, int) else user.id
    changed = ApiToken.update(revoked_at=utcnow()).where(
        (ApiToken.id == token_id) & (ApiToken.user == user_id) & ApiToken.revoked_at.is_null()
    ).execute()
    if changed:
        audit.record("api_token.revoke", "api_token", token_id)
    return bool(changed)


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def load_bearer_actor(req) -> Actor | None:
    """Flask-Login request loader: an ``Authorization: Bearer`` token on ``/api/`` paths."""
    token = bearer_token()
    if token is None or not req.path.startswith("/api/"):
        return None
    now = utcnow()
    row = _live_api_token.first(token_hash=_hash(token))
    if row is None or row.user.is_blocked or (row.expires_at is not None and row.expires_at <= now):
        return None
    if row.last_used_at is None or now - row.last_used_at > LAST_SEEN_RESOLUTION:
        ApiToken.update(last_used_at=now).where(ApiToken.id == row.id).execute()
    actor = Actor(row.user, None, "")
    actor.api_token = row
    return actor


def _csrf_guard() -> None:
    """CSRF on every state-changing request, except bearer-token API calls (no cookie, no CSRF)."""
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    if bearer_token() is not None and request.path.startswith("/api/"):
        return
    if getattr(current_app.view_functions.get(request.endpoint or ""), SIGNED_ATTR, False):
        return
    current_app.extensions["csrf"].protect()


def revoke_sessions(user: User | int, *, except_token: str | None = None) -> int:
    """End every live session of a user (password change, reset, blocking); return how many."""
    user_id = user if isinstance(user, int) else user.id
    query = UserSession.update(revoked_at=utcnow()).where(
        (UserSession.user == user_id) & UserSession.revoked_at.is_null()
    )
    if except_token:
        query = query.where(UserSession.token_hash != _hash(except_token))
    return query.execute()


def live_sessions(user: User | int) -> list[UserSession]:
    """The user's sessions that still work (not ended, not expired), newest activity first."""
    user_id = user if isinstance(user, int) else user.id
    return list(UserSession.select().where(
        (UserSession.user == user_id) & UserSession.revoked_at.is_null() & (UserSession.expires_at > utcnow())
    ).order_by(UserSession.last_seen_at.desc(), UserSession.id.desc()))


def revoke_session(user: User | int, session_id: int) -> bool:
    """End one of ``user``'s own sessions; False if it is not theirs or already ended."""
    user_id = user if isinstance(user, int) else user.id
    changed = UserSession.update(revoked_at=utcnow()).where(
        (UserSession.id == session_id) & (UserSession.user == user_id) & UserSession.revoked_at.is_null()
    ).execute()
    if changed:
        audit.record("session.end", "user_session", session_id)
    return bool(changed)


def block_user(user: User, reason: str) -> None:
    """Block an account: it cannot log in, and its live sessions end at once."""
    User.update(is_blocked=True).where(User.id == user.id).execute()
    revoke_sessions(user)
    audit.record("user.block", "user", user.id, details={"reason": reason})


def unblock_user(user: User) -> None:
    """Let a blocked account log in again (its old sessions stay ended)."""
    User.update(is_blocked=False).where(User.id == user.id).execute()
    audit.record("user.unblock", "user", user.id)


def link_identity(user: User, identity: Identity) -> LoginIdentity:
    """Remember that ``identity`` belongs to ``user``; the next login resolves through it."""
    return LoginIdentity.create(user=user, provider=identity.provider, subject=identity.subject)


# --- the pipeline ------------------------------------------------------------


def resolve(identity: Identity) -> User:
    """Identity → User through the plugins (``resolve_identity``, then ``login_rules``), or ``LoginRefused``.

    The login pipeline without the session: a channel that receives an already
    proven identity (a portal application) asks it the same question a login asks.
    A resolver may link the identity on the way; run it in a transaction to undo that.
    """
    pm = current_app.extensions["eschool"].pm
    user = pm.hook.resolve_identity(identity=identity)
    if user is None:
        raise LoginRefused(
            _("Вход не выполнен: эта учётная запись не связана ни с одним пользователем "
              "электронной школы. Обратитесь к администратору вашей школы."),
            "unknown_identity",
        )
    if user.is_blocked:
        raise LoginRefused(_("Учётная запись заблокирована. Обратитесь к администратору школы."), "blocked")
    refusals = [r for r in pm.hook.login_rules(identity=identity, user=user) if r is not None]
    if refusals:
        raise LoginRefused(" ".join(str(r.message) for r in refusals), refusals[0].code)
    return user


def complete_login(identity: Identity, provider_data: dict[str, Any] | None = None) -> User:
    """Run the whole pipeline and start a fresh session; raise ``LoginRefused`` otherwise.

    Nothing from the session before login is carried over (the Flask session is
    cleared, a new server-side token is issued), which defeats session fixation.
    """
    try:
        # A resolver may link the identity on the way; a later veto must undo that too.
        with database.atomic():
            user = resolve(identity)
    except LoginRefused as refused:
        audit.record("login", "identity", identity.provider, result="refused",
                     actor=AnonymousActor(), details={"code": refused.code})
        raise
    previous = (UserSession.select().where(UserSession.user == user)
                .order_by(UserSession.created_at.desc(), UserSession.id.desc()).first())
    session.clear()
    token = open_session(user, identity.provider, provider_data)
    actor = load_actor(token)
    login_user(actor)
    g._login_user = actor
    LoginIdentity.update(last_login_at=utcnow()).where(
        (LoginIdentity.user == user) & (LoginIdentity.provider == identity.provider)
        & (LoginIdentity.subject == identity.subject)
    ).execute()
    audit.record("login", "user", user.id, actor=actor, details={"provider": identity.provider})
    if previous is not None:
        announce_previous_login(previous)
    return user


def announce_previous_login(previous: UserSession) -> None:
    """Tell the person when and from where their account was last entered, so a stranger's login shows."""
    from core.formatting import local_time

    flash(_("Предыдущий вход в вашу учётную запись: %(at)s, с адреса %(ip)s. Если это были не вы, смените "
            "пароль и завершите чужие сеансы в разделе «Мои сеансы».", at=local_time(previous.created_at),
            ip=previous.ip or "—"), "info")


def rotate_session() -> None:
    """End every session of the current actor's account and give this browser a fresh one.

    For a password change: copied cookies stop working, the person stays logged in,
    and no login rules run again (nothing about who they are has changed).
    """
    actor = current_user._get_current_object()
    provider_data = json.loads(actor.session.provider_data or "{}")
    revoke_sessions(actor.user)
    session.clear()
    token = open_session(actor.user, actor.provider, provider_data)
    fresh = load_actor(token)
    login_user(fresh)
    g._login_user = fresh
    audit.record("session.rotate", "user", actor.id, actor=fresh)


def end_session() -> str:
    """Log the current actor out, revoke their session server-side; return the provider name."""
    actor = current_user
    provider = ""
    if actor.is_authenticated:
        provider = actor.provider
        UserSession.update(revoked_at=utcnow()).where(UserSession.id == actor.session.id).execute()
        audit.record("logout", "user", actor.id)
    logout_user()
    session.clear()
    return provider


def safe_next(target: str | None) -> str | None:
    """Accept only a path on this site as a redirect target (no scheme, no host, no ``//``)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def refused_page(refusal: LoginRefused, status: int = 403):
    """Render the login page with a refusal's message, as every provider should on failure."""
    flash(refusal.message, "error")
    return render_template("core/login.html", **login_page_context()), status


def login_page_context() -> dict[str, Any]:
    pm = current_app.extensions["eschool"].pm
    methods = [m for group in pm.hook.login_methods() for m in (group or [])]
    methods.sort(key=lambda m: (m.order, m.name))
    return {"methods": methods, "next": safe_next(request.args.get("next")) or ""}


def init_app(app: Flask) -> None:
    manager = LoginManager()
    manager.anonymous_user = AnonymousActor
    manager.session_protection = None  # the server-side session is the protection
    manager.init_app(app)
    manager.user_loader(load_actor)
    manager.request_loader(load_bearer_actor)

    @manager.unauthorized_handler
    def _unauthorized():
        return redirect(url_for("core.login", next=request.full_path.rstrip("?")))

    app.config["WTF_CSRF_CHECK_DEFAULT"] = False  # checked by _csrf_guard, which knows bearer tokens
    app.before_request(_csrf_guard)
    app.before_request(_guard_route)
