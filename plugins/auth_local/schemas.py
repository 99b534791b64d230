"""Schemas of the auth_local plugin: its region config section and the password form."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from core.api import lazy_gettext as _l

# The OWASP Password Storage Cheat Sheet minimum for argon2id: 19 MiB of memory,
# 2 iterations, 1 degree of parallelism (also ASVS 5.0 Appendix C).
OWASP_MIN_MEMORY_KIB = 19456
OWASP_MIN_TIME_COST = 2
OWASP_MIN_PARALLELISM = 1


class Settings(Schema):
    """The [auth_local] section of a region config.

    The hashing defaults (64 MiB, t=2, p=1) are above the OWASP minimum; a
    production region refuses to start with anything below it. Tests may pass
    smaller values to keep the suite fast.
    """

    class Meta:
        unknown = RAISE

    hash_memory_kib = fields.Integer(load_default=65536, validate=validate.Range(min=8, max=4 * 1024 * 1024))
    hash_time_cost = fields.Integer(load_default=2, validate=validate.Range(min=1, max=50))
    hash_parallelism = fields.Integer(load_default=1, validate=validate.Range(min=1, max=64))
    temporary_password_days = fields.Integer(load_default=7, validate=validate.Range(min=1, max=30))
    temporary_password_length = fields.Integer(load_default=10, validate=validate.Range(min=8, max=64))
    min_password_length = fields.Integer(load_default=8, validate=validate.Range(min=8, max=64))
    account_max_failures = fields.Integer(load_default=5, validate=validate.Range(min=1, max=100))
    account_window_minutes = fields.Integer(load_default=15, validate=validate.Range(min=1, max=24 * 60))
    ip_max_failures = fields.Integer(load_default=50, validate=validate.Range(min=1, max=10000))
    ip_window_minutes = fields.Integer(load_default=15, validate=validate.Range(min=1, max=24 * 60))


class PasswordChangeForm(Schema):
    """The password change form; field errors are Russian and shown next to the field."""

    class Meta:
        unknown = RAISE

    csrf_token = fields.String(load_default="")
    next = fields.String(load_default="")
    current_password = fields.String(
        required=True, validate=validate.Length(min=1, max=1024),
        error_messages={"required": _l("Введите текущий пароль.")},
    )
    new_password = fields.String(
        required=True, validate=validate.Length(max=128, error=_l("Пароль не длиннее 128 символов.")),
        error_messages={"required": _l("Придумайте новый пароль.")},
    )
    new_password_again = fields.String(
        required=True, error_messages={"required": _l("Повторите новый пароль.")},
    )
