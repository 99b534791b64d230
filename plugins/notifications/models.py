"""Tables of the notifications plugin: what each person asked for, the outbox and the deliveries.

The outbox (``NotificationEvent``) is written by ``change_recorded`` in the same
transaction as the mark. The worker fans each event out into ``Delivery`` rows,
one per recipient, channel and target, under a unique key: that key is what makes
"each event reaches each subscriber at most once" hold even if two workers or a
repeat after a crash fan the same event out again.
"""

from __future__ import annotations

import peewee

from core.api import BaseModel, utcnow

KINDS = ("marks", "grades", "absences", "homework")
CHANNELS = ("email", "push", "webhook")


class Preference(BaseModel):
    """What one account (a parent, an adult student) wants to be told, how and when («Уведомления»).

    ``kinds`` is a comma-separated subset of ``KINDS``; ``mode`` is ``instant`` or
    ``digest`` (one message a day at ``digest_hour``, local time of the region);
    ``quiet_from``/``quiet_to`` are hours (local) when nothing instant is sent —
    equal values mean no quiet hours. ``last_digest_at`` is when the last digest
    went out (UTC); the next one holds everything held since.
    """

    user_id = peewee.IntegerField(unique=True)
    email = peewee.CharField(max_length=254, default="")
    email_on = peewee.BooleanField(default=False)
    push_on = peewee.BooleanField(default=False)
    webhook_on = peewee.BooleanField(default=False)
    webhook_handle = peewee.CharField(max_length=100, default="")
    kinds = peewee.CharField(max_length=100, default=",".join(KINDS))
    mode = peewee.CharField(max_length=10, default="instant")
    digest_hour = peewee.IntegerField(default=19)
    quiet_from = peewee.IntegerField(default=22)
    quiet_to = peewee.IntegerField(default=7)
    last_digest_at = peewee.DateTimeField(null=True)
    updated_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "notifications_preference"

    @property
    def kind_set(self) -> set[str]:
        return {k for k in self.kinds.split(",") if k}

    def channels(self) -> list[str]:
        return [c for c, on in (("email", self.email_on and bool(self.email)), ("push", self.push_on),
                                ("webhook", self.webhook_on)) if on]


class PushSubscription(BaseModel):
    """A browser's Web Push subscription (``PushSubscription.toJSON()``): endpoint and its keys."""

    user_id = peewee.IntegerField(index=True)
    endpoint = peewee.CharField(max_length=1000, unique=True)
    p256dh = peewee.CharField(max_length=200)
    auth = peewee.CharField(max_length=100)
    user_agent = peewee.CharField(max_length=300, default="")
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "notifications_push_subscription"


class NotificationEvent(BaseModel):
    """The outbox: one announced journal change, written in the change's own transaction.

    ``entered_at`` is the change's entry time (never the lesson date); ``fanned_out_at``
    is set when the worker has made its deliveries.
    """

    source = peewee.CharField(max_length=40)
    kind = peewee.CharField(max_length=20)
    field = peewee.CharField(max_length=40)
    object_id = peewee.IntegerField()
    old = peewee.CharField(max_length=1000, default="")
    new = peewee.CharField(max_length=1000, default="")
    student_id = peewee.IntegerField(null=True)
    lesson_id = peewee.IntegerField(null=True)
    assignment_id = peewee.IntegerField(null=True)
    entered_at = peewee.DateTimeField()
    entered_by = peewee.IntegerField(null=True)
    created_at = peewee.DateTimeField(default=utcnow)
    fanned_out_at = peewee.DateTimeField(null=True)
    details = peewee.TextField(default="")  # JSON: what the gradebook said about it at fan-out

    class Meta:
        table_name = "notifications_event"
        indexes = ((("fanned_out_at", "id"), False),)


class Delivery(BaseModel):
    """One event for one recipient on one channel and target, with its state.

    ``status``: ``pending`` (due at ``due_at``), ``held`` (waits for the
    recipient's digest; then ``pending`` with ``digest_at``, and every row of one
    recipient, channel, target and ``digest_at`` goes out as one message), ``sent``,
    ``stopped`` (the policy or an unsubscribe said no at send time), ``failed``
    (attempts exhausted). ``locked_until`` is a worker's lease: a crash leaves the
    row to be taken again when it ends (at-least-once); the stable
    ``id`` goes out with the message so a receiver can drop a repeat.
    """

    event = peewee.ForeignKeyField(NotificationEvent, on_delete="CASCADE")
    user_id = peewee.IntegerField()
    student_id = peewee.IntegerField()
    channel = peewee.CharField(max_length=10)
    target = peewee.CharField(max_length=40, default="")
    status = peewee.CharField(max_length=10, default="pending")
    digest_at = peewee.DateTimeField(null=True)  # set: part of the digest of that moment, sent as one message
    due_at = peewee.DateTimeField(default=utcnow)
    attempts = peewee.IntegerField(default=0)
    locked_until = peewee.DateTimeField(null=True)
    sent_at = peewee.DateTimeField(null=True)
    last_error = peewee.CharField(max_length=300, default="")
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "notifications_delivery"
        indexes = (
            (("event", "user_id", "channel", "target"), True),
            (("status", "due_at"), False),
            (("user_id", "status"), False),
        )


NOTIFICATION_MODELS = [Preference, PushSubscription, NotificationEvent, Delivery]
