"""The core's own tables: users, their login identities, live sessions, and the audit log."""

from __future__ import annotations

import peewee

from core.db import BaseModel, utcnow


class User(BaseModel):
    """An account of the platform («Пользователь»).

    The core knows only what every account has: a name to show, a role, and
    whether it may log in. Which person it belongs to is kept by the plugin
    that keeps people (registries), which links its records to this table.
    """

    display_name = peewee.CharField(max_length=300)
    role = peewee.CharField(max_length=40, index=True)
    is_blocked = peewee.BooleanField(default=False)
    created_at = peewee.DateTimeField(default=utcnow)

    @property
    def is_active(self) -> bool:
        return not self.is_blocked


class LoginIdentity(BaseModel):
    """A proven external identity linked to a user (an ESIA oid, a local login)."""

    user = peewee.ForeignKeyField(User, backref="identities", on_delete="CASCADE")
    provider = peewee.CharField(max_length=40)
    subject = peewee.CharField(max_length=200)
    linked_at = peewee.DateTimeField(default=utcnow)
    last_login_at = peewee.DateTimeField(null=True)

    class Meta:
        indexes = ((("provider", "subject"), True),)


class UserSession(BaseModel):
    """A server-side session; the cookie holds a random token whose hash is kept here."""

    token_hash = peewee.CharField(max_length=64, unique=True)
    user = peewee.ForeignKeyField(User, backref="sessions", on_delete="CASCADE")
    provider = peewee.CharField(max_length=40)
    created_at = peewee.DateTimeField(default=utcnow)
    expires_at = peewee.DateTimeField()
    last_seen_at = peewee.DateTimeField(default=utcnow)
    revoked_at = peewee.DateTimeField(null=True, index=True)
    ip = peewee.CharField(max_length=64, default="")
    user_agent = peewee.CharField(max_length=300, default="")
    provider_data = peewee.TextField(default="{}")


class ApiToken(BaseModel):
    """A bearer token a user created for a mobile app or an integration; only its hash is kept."""

    user = peewee.ForeignKeyField(User, backref="api_tokens", on_delete="CASCADE")
    name = peewee.CharField(max_length=100)
    token_hash = peewee.CharField(max_length=64, unique=True)
    created_at = peewee.DateTimeField(default=utcnow)
    expires_at = peewee.DateTimeField(null=True)
    last_used_at = peewee.DateTimeField(null=True)
    revoked_at = peewee.DateTimeField(null=True)


class AuditRecord(BaseModel):
    """Who read or changed whose personal data, when, from where, and with what result."""

    at = peewee.DateTimeField(default=utcnow, index=True)
    user_id = peewee.IntegerField(null=True, index=True)
    role = peewee.CharField(max_length=40, default="anonymous")
    ip = peewee.CharField(max_length=64, default="")
    action = peewee.CharField(max_length=80, index=True)
    object_type = peewee.CharField(max_length=80, default="")
    object_id = peewee.CharField(max_length=80, default="", index=True)
    result = peewee.CharField(max_length=20, default="ok", index=True)  # the access log's outcome filter (m0004)
    details = peewee.TextField(default="{}")

    class Meta:
        # «when did this person last open this object» (``last_audited``) reads one index entry,
        # however long the log grows
        indexes = ((("object_type", "object_id", "user_id", "at"), False),)


CORE_MODELS = [User, LoginIdentity, UserSession, ApiToken, AuditRecord]
