"""Schemas of the auth_esia plugin: its region config section."""

from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from core.api import SecretRef

STANDS = {
    "emulator": "http://127.0.0.1:5001",
    "test": "https://esia-portal1.test.gosuslugi.ru",
    "production": "https://esia.gosuslugi.ru",
}
ISSUERS = {
    "test": "http://esia-portal1.test.gosuslugi.ru/",
    "production": "http://esia.gosuslugi.ru/",
}
DEFAULT_SCOPES = "openid fullname birthdate gender snils"
KID_SCOPES = "kid_fullname kid_birthdate kid_snils"


class Settings(Schema):
    """The [auth_esia] section of a region config.

    ``stand`` names a known ESIA environment; ``base_url`` overrides its
    address (an emulator on another port, a proxy). For ``stand = "emulator"``
    without ``certificate``/``private_key`` the plugin makes a throwaway GOST
    key and self-signed certificate in the instance folder on first use.
    """

    class Meta:
        unknown = RAISE

    stand = fields.String(load_default="emulator", validate=validate.OneOf(sorted(STANDS)))
    base_url = fields.Url(load_default=None, allow_none=True, require_tld=False, schemes={"http", "https"})
    issuer = fields.String(load_default=None, allow_none=True)
    protocol = fields.String(load_default="v2", validate=validate.OneOf(["v1", "v2"]))
    client_id = fields.String(load_default="ESCHOOL-DEMO", validate=validate.Length(min=1, max=100))
    scopes = fields.String(load_default=DEFAULT_SCOPES)
    redirect_uri = fields.Url(load_default=None, allow_none=True, require_tld=False, schemes={"http", "https"})
    certificate = fields.String(load_default=None, allow_none=True)
    private_key = SecretRef(load_default=None, allow_none=True)
    signer = fields.String(load_default="gostcrypto")
    signer_options = fields.Dict(keys=fields.String(), load_default=dict)
    esia_certificates = fields.List(fields.String(), load_default=list)
    jwt_algorithms = fields.List(
        fields.String(validate=validate.OneOf(["RS256", "GOST3410_2012_256"])),
        load_default=lambda: ["RS256", "GOST3410_2012_256"],
    )
    fetch_kids = fields.Boolean(load_default=False)
    timeout_seconds = fields.Float(load_default=10.0, validate=validate.Range(min=0.5, max=120))
    verify_tls = fields.Boolean(load_default=True)
    ca_bundle = fields.String(load_default=None, allow_none=True)
    clock_leeway_seconds = fields.Integer(load_default=60, validate=validate.Range(min=0, max=600))
    state_ttl_seconds = fields.Integer(load_default=600, validate=validate.Range(min=60, max=3600))
    access_type = fields.String(load_default="online", validate=validate.OneOf(["online", "offline"]))
    # A region with long sessions ([eschool] session_hours beyond a day): ask for offline access and renew
    # the ESIA tokens with the refresh grant; when ESIA refuses, the eschool session ends.
    long_sessions = fields.Boolean(load_default=False)
    emulator_persons = fields.String(load_default=None, allow_none=True)

    @validates_schema
    def _real_stands_need_keys(self, data, **kwargs):
        if data.get("stand") == "emulator":
            return
        problems = {}
        if not data.get("certificate"):
            problems["certificate"] = ["the test stand and production need the system's registered certificate"]
        if not data.get("private_key") and data.get("signer") in ("gostcrypto", "openssl"):
            problems["private_key"] = ["the signer needs the private key of the certificate"]
        if not data.get("esia_certificates"):
            problems["esia_certificates"] = ["list ESIA's signing certificates (from esia.zip) to verify its tokens"]
        if problems:
            raise ValidationError(problems)
