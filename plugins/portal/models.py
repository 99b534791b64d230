"""Tables of the portal plugin: the inbox and outbox of the exchange, and the applications.

Every message from the Adapter is stored in ``PortalInbox`` before anything is
done with it, and every message to the Adapter in ``PortalOutbox`` before it is
sent (the transactional inbox/outbox): a crash anywhere loses nothing, and the
unique clientIds make a repeat do nothing twice. A worker takes rows by
writing ``claimed_by``/``claimed_until`` (with ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL); a crashed worker's rows come back when the lease ends.
"""

from __future__ import annotations

import peewee

from core.api import BaseModel, lazy_gettext, utcnow

OUTCOMES = {
    "pending": lazy_gettext("на рассмотрении"),
    "answered": lazy_gettext("сведения предоставлены"),
    "refused": lazy_gettext("отказ"),
}


class PortalInbox(BaseModel):
    """A message taken from the Adapter's queue with Get, as received (``body`` is the QueryResult XML).

    ``status``: ``received`` (to process), ``processed``, ``failed`` (gave up after
    ``max_attempts``; answered with the FAILURE refusal). ``duplicates`` counts the
    repeats of the same clientId or MessageId that arrived later and were not processed.
    """

    client_id = peewee.CharField(max_length=50, unique=True)
    message_id = peewee.CharField(max_length=36, null=True, index=True)
    body = peewee.TextField()
    test_message = peewee.BooleanField(default=False)
    received_at = peewee.DateTimeField(default=utcnow)
    status = peewee.CharField(max_length=20, default="received", index=True)
    attempts = peewee.IntegerField(default=0)
    claimed_by = peewee.CharField(max_length=64, null=True)
    claimed_until = peewee.DateTimeField(null=True)
    last_error = peewee.TextField(default="")
    processed_at = peewee.DateTimeField(null=True)
    duplicates = peewee.IntegerField(default=0)

    class Meta:
        table_name = "portal_inbox"


class PortalOutbox(BaseModel):
    """A ``ClientMessage`` to Send (``body``, already valid against both schemas).

    ``kind``: ``status`` (an intermediate status) or ``answer`` (the final one).
    ``status``: ``pending`` → ``sent`` (``message_id`` from the Adapter), or ``failed``
    after a ValidationFault (our message is wrong: it needs a fix, not a retry).
    """

    client_id = peewee.CharField(max_length=50, unique=True)
    inbox_id = peewee.IntegerField(index=True)
    reply_to_client_id = peewee.CharField(max_length=50)
    kind = peewee.CharField(max_length=20)
    body = peewee.TextField()
    created_at = peewee.DateTimeField(default=utcnow)
    status = peewee.CharField(max_length=20, default="pending", index=True)
    attempts = peewee.IntegerField(default=0)
    next_attempt_at = peewee.DateTimeField(default=utcnow)
    claimed_by = peewee.CharField(max_length=64, null=True)
    claimed_until = peewee.DateTimeField(null=True)
    last_error = peewee.TextField(default="")
    sent_at = peewee.DateTimeField(null=True)
    message_id = peewee.CharField(max_length=36, null=True)

    class Meta:
        table_name = "portal_outbox"


class PortalApplication(BaseModel):
    """An application for the progress service as eschool decided it, for the operator's page.

    ``deadline_at`` is receipt + the regulation's days; ``answered_at`` is when the
    final answer was accepted by the Adapter. ``student_id`` and ``applicant_user_id``
    are set when the registry knows them. The applicant's SNILS is kept masked only.
    """

    inbox_id = peewee.IntegerField(unique=True)
    request_client_id = peewee.CharField(max_length=50, index=True)
    number = peewee.CharField(max_length=100, default="")
    filed_at = peewee.DateTimeField(null=True)
    received_at = peewee.DateTimeField(default=utcnow, index=True)
    deadline_at = peewee.DateTimeField()
    role = peewee.CharField(max_length=30, default="")
    applicant_oid = peewee.CharField(max_length=20, default="")
    applicant_name = peewee.CharField(max_length=300, default="")
    applicant_snils_masked = peewee.CharField(max_length=20, default="")
    applicant_user_id = peewee.IntegerField(null=True)
    child_name = peewee.CharField(max_length=300, default="")
    student_id = peewee.IntegerField(null=True, index=True)
    outcome = peewee.CharField(max_length=20, default="pending", index=True)
    refusal_code = peewee.CharField(max_length=40, default="", index=True)
    decided_at = peewee.DateTimeField(null=True)
    answered_at = peewee.DateTimeField(null=True)
    test_message = peewee.BooleanField(default=False)

    class Meta:
        table_name = "portal_application"


class PortalExchange(BaseModel):
    """When an exchange with the Adapter last succeeded (``name`` = ``get`` or ``send``), for ``/health``."""

    name = peewee.CharField(max_length=20, primary_key=True)
    at = peewee.DateTimeField()

    class Meta:
        table_name = "portal_exchange"


class PortalGetWindow(BaseModel):
    """A worker's open receive window: it has called (or is about to call) Get, and what Get handed out
    may not be stored yet.

    The Adapter has no acknowledge: a message Get returned is gone from the queue, and a worker that dies
    before its inbox insert commits would lose it. So before its first Get a worker writes this row, and
    deletes it only when every message of the batch is stored. A row left behind (a crash, a timeout) is
    recovered with Find by period (``Worker.recover``): from ``watermark`` — the SendingDate of a request
    stored before the window opened; the queue is FIFO, so whatever Get handed out later arrived after it —
    less ``recover_margin_seconds``. ``touched_at`` is refreshed while the worker is alive; another worker
    recovers the window once it is older than ``lease_seconds``.
    """

    worker_id = peewee.CharField(max_length=64, primary_key=True)
    opened_at = peewee.DateTimeField()
    watermark = peewee.DateTimeField(null=True)
    touched_at = peewee.DateTimeField()

    class Meta:
        table_name = "portal_get_window"


PORTAL_MODELS = [PortalInbox, PortalOutbox, PortalApplication, PortalExchange, PortalGetWindow]
