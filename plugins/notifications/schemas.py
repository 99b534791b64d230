"""Schemas of the notifications plugin: its region config section and the «Уведомления» form."""

from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from core.api import SecretRef, lazy_gettext
from plugins.notifications.models import KINDS

HOUR = validate.Range(min=0, max=23, error=lazy_gettext("Час — число от 0 до 23."))


class Settings(Schema):
    """The [notifications] section of a region config.

    ``public_url`` is the address families open (unsubscribe links in e-mails are
    absolute). SMTP: ``smtp_host``/``smtp_port``, ``smtp_security`` (``none``,
    ``starttls``, ``ssl``), optional login. Web Push: ``vapid_private_key`` (a PEM
    by reference; without it a key is made on first use in the instance folder)
    and ``vapid_subject``. Webhooks: the region's own bot or app at ``webhook_url``,
    each request signed with ``webhook_secret``. Failed sends are retried
    ``max_attempts`` times, waiting ``retry_seconds`` × 2^(attempt−1). A worker sends
    through ``send_threads`` connections at once.
    """

    class Meta:
        unknown = RAISE

    public_url = fields.Url(load_default="http://127.0.0.1:5000", require_tld=False, schemes={"http", "https"})
    smtp_host = fields.String(load_default="127.0.0.1")
    smtp_port = fields.Integer(load_default=25, validate=validate.Range(min=1, max=65535))
    smtp_security = fields.String(load_default="none", validate=validate.OneOf(["none", "starttls", "ssl"]))
    smtp_username = fields.String(load_default=None, allow_none=True)
    smtp_password = SecretRef(load_default=None, allow_none=True)
    sender = fields.Email(load_default="noreply@school.example")
    vapid_private_key = SecretRef(load_default=None, allow_none=True)
    vapid_subject = fields.String(load_default="mailto:noreply@school.example",
                                  validate=validate.Regexp(r"^(mailto:|https?://)"))
    webhook_url = fields.Url(load_default=None, allow_none=True, require_tld=False, schemes={"http", "https"})
    webhook_secret = SecretRef(load_default=None, allow_none=True)
    timeout_seconds = fields.Float(load_default=10.0, validate=validate.Range(min=0.5, max=120))
    max_attempts = fields.Integer(load_default=6, validate=validate.Range(min=1, max=30))
    retry_seconds = fields.Integer(load_default=60, validate=validate.Range(min=1, max=3600))
    lease_seconds = fields.Integer(load_default=300, validate=validate.Range(min=10, max=3600))
    batch_size = fields.Integer(load_default=200, validate=validate.Range(min=1, max=5000))
    send_threads = fields.Integer(load_default=8, validate=validate.Range(min=1, max=64))
    poll_seconds = fields.Float(load_default=5.0, validate=validate.Range(min=0.1, max=600))
    adult_student_age = fields.Integer(load_default=18, validate=validate.Range(min=14, max=18))

    @validates_schema
    def _webhook_needs_a_secret(self, data, **kwargs):
        if data.get("webhook_url") and not data.get("webhook_secret"):
            raise ValidationError({"webhook_secret": ["a webhook_url needs a webhook_secret to sign requests"]})


class PreferenceForm(Schema):
    """The «Уведомления» form: channels, what to tell, when."""

    class Meta:
        unknown = RAISE

    email = fields.String(load_default="", validate=validate.Regexp(
        r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$",
        error=lazy_gettext("Введите адрес электронной почты, например ivanova@mail.ru.")))
    email_on = fields.Boolean(load_default=False)
    push_on = fields.Boolean(load_default=False)
    webhook_on = fields.Boolean(load_default=False)
    webhook_handle = fields.String(load_default="", validate=validate.Length(
        max=100, error=lazy_gettext("Не длиннее 100 знаков.")))
    kinds = fields.List(fields.String(validate=validate.OneOf(KINDS)), load_default=list)
    mode = fields.String(load_default="instant", validate=validate.OneOf(
        ["instant", "digest"], error=lazy_gettext("Выберите: сразу или сводкой раз в день.")))
    digest_hour = fields.Integer(load_default=19, validate=HOUR,
                                 error_messages={"invalid": lazy_gettext("Час — число от 0 до 23.")})
    quiet_from = fields.Integer(load_default=22, validate=HOUR,
                                error_messages={"invalid": lazy_gettext("Час — число от 0 до 23.")})
    quiet_to = fields.Integer(load_default=7, validate=HOUR,
                              error_messages={"invalid": lazy_gettext("Час — число от 0 до 23.")})

    @validates_schema
    def _email_channel_needs_an_address(self, data, **kwargs):
        if data.get("email_on") and not data.get("email"):
            raise ValidationError({"email": [lazy_gettext("Укажите адрес, на который присылать письма.")]})


class PushSubscriptionSchema(Schema):
    """What the page's script posts: the browser's ``PushSubscription.toJSON()``."""

    class Meta:
        unknown = RAISE

    endpoint = fields.Url(required=True, require_tld=False, schemes={"https", "http"})
    keys = fields.Dict(keys=fields.String(validate=validate.OneOf(["p256dh", "auth"])),
                       values=fields.String(validate=validate.Length(min=10, max=200)), required=True)
    expirationTime = fields.Raw(load_default=None, allow_none=True)  # noqa: N815 (the browser's own name)

    @validates_schema
    def _both_keys(self, data, **kwargs):
        if set(data.get("keys", {})) != {"p256dh", "auth"}:
            raise ValidationError({"keys": ["p256dh and auth are both needed"]})
