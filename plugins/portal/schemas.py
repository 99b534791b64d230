"""Schemas of the portal plugin: its region config section."""

from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from plugins.portal.payload import SCHEMA_VERSIONS

MNEMONIC = validate.Regexp(r"^[A-Za-z0-9_\-.]{1,50}$", error="1–50 Latin letters, digits, '_', '-' or '.'")


class Settings(Schema):
    """The [portal] section of a region config.

    ``adapter_url`` is the Adapter's SOAP endpoint (its ``SMEVServiceAdapterEndpoint``);
    ``it_system`` the mnemonic the region's system is registered under in the Adapter,
    ``node_id`` its node if the installation uses nodes. ``namespace`` and
    ``schema_version`` name the вид сведений the region registered; the namespace
    defaults to the one the shipped schema of that version declares.
    """

    class Meta:
        unknown = RAISE

    adapter_url = fields.Url(load_default="http://127.0.0.1:5002/", require_tld=False, schemes={"http", "https"})
    it_system = fields.String(load_default="ESCHOOL", validate=MNEMONIC)
    node_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=50))
    schema_version = fields.String(load_default=SCHEMA_VERSIONS[-1], validate=validate.OneOf(SCHEMA_VERSIONS))
    namespace = fields.String(load_default=None, allow_none=True,
                              validate=validate.Regexp(r"^urn://[\w\-./:]+$", error="a urn://… namespace"))
    # The portal's own mnemonic, for the emulator's Sender and the demo.
    portal_system = fields.String(load_default="RPGU", validate=MNEMONIC)
    # The region is connected to the SMEV test environment: every application is recorded as a test one.
    test_mode = fields.Boolean(load_default=False)
    # Polling: Get every poll_seconds while the queue is empty; after a failure wait backoff_seconds,
    # doubled on each failure in a row, at most max_backoff_seconds.
    poll_seconds = fields.Float(load_default=3.0, validate=validate.Range(min=0.1, max=3600))
    backoff_seconds = fields.Float(load_default=2.0, validate=validate.Range(min=0.1, max=3600))
    max_backoff_seconds = fields.Float(load_default=300.0, validate=validate.Range(min=1, max=86400))
    timeout_seconds = fields.Float(load_default=10.0, validate=validate.Range(min=0.1, max=120))
    # How long a worker owns a row it took; a crashed worker's rows come back after this.
    lease_seconds = fields.Integer(load_default=60, validate=validate.Range(min=5, max=3600))
    # Recovery of what Get handed out to a worker that died before storing it (Find by period): how far
    # before the newest stored request's SendingDate to search, for clock skew and out-of-order arrival.
    recover_margin_seconds = fields.Integer(load_default=3600, validate=validate.Range(min=0, max=30 * 86400))
    # A message that fails to process this many times is answered with the FAILURE refusal.
    max_attempts = fields.Integer(load_default=5, validate=validate.Range(min=1, max=100))
    batch_size = fields.Integer(load_default=20, validate=validate.Range(min=1, max=1000))
    # The regulation's deadline, in calendar days from receipt (the operator page counts against it).
    deadline_days = fields.Integer(load_default=3, validate=validate.Range(min=1, max=60))
    # Which login provider's identities a portal applicant is (their ESIA OID is that provider's subject).
    identity_provider = fields.String(load_default="esia", validate=validate.Length(min=1, max=50))
    # For the demo: where the emulator keeps its queues, and the Gosuslugi persons its portal page offers.
    emulator_db = fields.String(load_default=None, allow_none=True)
    emulator_persons = fields.String(load_default=None, allow_none=True)

    @validates_schema
    def _backoff_fits(self, data, **kwargs):
        if data.get("backoff_seconds", 0) > data.get("max_backoff_seconds", 1e9):
            raise ValidationError({"backoff_seconds": ["must not exceed max_backoff_seconds"]})

