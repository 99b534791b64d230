"""Signed one-click unsubscribe links: the link itself proves whose e-mail it is, no login needed."""

from __future__ import annotations

from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from core.api import settings

SALT = "notifications.unsubscribe"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=SALT)


def unsubscribe_token(user_id: int) -> str:
    return _serializer().dumps({"u": user_id, "c": "email"})


def unsubscribe_url(user_id: int) -> str:
    """The absolute address of the unsubscribe page for this user's e-mails."""
    base = settings("notifications")["public_url"].rstrip("/")
    return f"{base}/notifications/unsubscribe/{unsubscribe_token(user_id)}"


def read_token(token: str) -> dict[str, Any] | None:
    """The token's content, or None if it was not signed by this platform."""
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    return data if isinstance(data, dict) and isinstance(data.get("u"), int) else None
