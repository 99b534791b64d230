"""Tables of the auth_local plugin: school-issued credentials and login attempts."""

from __future__ import annotations

import peewee

from core.api import BaseModel, User, utcnow

OUTCOMES = ("pending", "failed", "ok", "throttled")


class LocalCredential(BaseModel):
    """A login and password hash issued by the school («логин и пароль от школы»).

    Only the argon2id hash is kept; a temporary password is shown once, in the
    response that generated it. ``failures_reset_at`` is when the failure count
    last restarted (a successful login or the admin lifting a lock): failed
    attempts before it do not count towards the lock.
    """

    user = peewee.ForeignKeyField(User, unique=True, backref="local_credential", on_delete="CASCADE")
    login = peewee.CharField(max_length=64, unique=True)
    password_hash = peewee.CharField(max_length=255)
    is_temporary = peewee.BooleanField(default=True)
    expires_at = peewee.DateTimeField(null=True)
    issued_at = peewee.DateTimeField(default=utcnow)
    issued_by = peewee.IntegerField(null=True)
    changed_at = peewee.DateTimeField(null=True)
    failures_reset_at = peewee.DateTimeField(null=True)

    class Meta:
        table_name = "local_credential"


class LoginAttempt(BaseModel):
    """One password login attempt, kept in the database so every worker process sees it.

    ``login`` is what was typed (normalised), whether or not such a login
    exists, so unknown and known logins are throttled alike. ``outcome`` is
    ``pending`` while the password is being checked, then ``failed``, ``ok`` or
    ``throttled`` (refused without checking).
    """

    at = peewee.DateTimeField(default=utcnow)
    login = peewee.CharField(max_length=64)
    ip = peewee.CharField(max_length=64, default="")
    outcome = peewee.CharField(max_length=12, default="pending")

    class Meta:
        table_name = "local_login_attempt"
        indexes = ((("login", "at"), False), (("ip", "at"), False))


AUTH_LOCAL_MODELS = [LocalCredential, LoginAttempt]
