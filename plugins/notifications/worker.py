"""The worker: fan the outbox out, open the digests that are due, and deliver — at least once, never twice.

One ``run_once(now)`` is a pass: ``outbox.fan_out`` → ``release_digests`` →
``deliver``. ``deliver`` takes a batch of due deliveries under a lease (a short
transaction, ``FOR UPDATE SKIP LOCKED`` on PostgreSQL), then, outside any
transaction, checks the same policy as the pages for each recipient *at send time*
(a blocked account, an ended link or a revoked consent stops the delivery),
holds instant ones through quiet hours, sends, and records the outcome and an
audit record in a second short transaction. A crash after sending and before
recording leaves the lease to run out and the message to go again: the delivery
id travels with every message so the receiver drops the repeat.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from flask import current_app

from core.api import Actor, User, audit_many, database, service, settings, utcnow
from plugins.notifications import channels, links, messages, outbox
from plugins.notifications.models import Delivery, NotificationEvent, Preference, PushSubscription
from plugins.notifications.timing import in_quiet_hours, last_digest_moment, quiet_ends

log = logging.getLogger(__name__)


@dataclass
class Pass:
    """What one pass of the worker did (counted, so tests and the benchmark need no clock)."""

    fanned_out: int = 0
    digests: int = 0
    sent: int = 0
    messages: int = 0
    stopped: int = 0
    deferred: int = 0
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def busy(self) -> bool:
        return bool(self.fanned_out or self.digests or self.sent or self.stopped or self.retried or self.failed)


def conf() -> dict[str, Any]:
    return settings("notifications")


def vapid_key() -> channels.VapidKey:
    ext = current_app.extensions.setdefault("notifications", {})
    if "vapid" not in ext:
        ext["vapid"] = channels.VapidKey.load_or_create(conf()["vapid_private_key"], current_app.instance_path)
    return ext["vapid"]


def run_once(now: dt.datetime, worker_id: str = "") -> Pass:
    """One pass over the outbox, the digests and the due deliveries."""
    result = Pass()
    limit = conf()["batch_size"]
    while True:
        count = outbox.fan_out(now, limit)
        result.fanned_out += count
        if count < limit:
            break
    result.digests = release_digests(now)
    while True:
        batch = claim(now, limit, worker_id or secrets.token_hex(4))
        if not batch:
            break
        deliver(batch, now, result)
        if len(batch) < limit:
            break
    return result


def release_digests(now: dt.datetime) -> int:
    """Open every digest whose hour has come: the recipient's held rows entered up to that hour become due."""
    opened = 0
    with database.atomic():
        prefs = list(outbox.skip_locked(Preference.select().where(Preference.mode == "digest")))
        for pref in prefs:
            moment = last_digest_moment(now, pref.digest_hour)
            if pref.last_digest_at is not None and pref.last_digest_at >= moment:
                continue
            entered = NotificationEvent.select(NotificationEvent.id).where(NotificationEvent.entered_at <= moment)
            opened += (Delivery.update(status="pending", digest_at=moment, due_at=moment)
                       .where((Delivery.user_id == pref.user_id) & (Delivery.status == "held")
                              & Delivery.event.in_(entered)).execute())
            pref.last_digest_at = moment
            pref.save(only=[Preference.last_digest_at])
    return opened


def claim(now: dt.datetime, limit: int, worker_id: str) -> list[Delivery]:
    """Lease up to ``limit`` due deliveries (a digest's rows always together); SKIP LOCKED on PostgreSQL."""
    lease = now + dt.timedelta(seconds=conf()["lease_seconds"])
    free = (Delivery.status == "pending") & (Delivery.due_at <= now) & (
        Delivery.locked_until.is_null() | (Delivery.locked_until < now))
    with database.atomic():
        rows = list(outbox.skip_locked(Delivery.select().where(free & Delivery.digest_at.is_null())
                                       .order_by(Delivery.id).limit(limit)))
        groups = list(outbox.skip_locked(Delivery.select().where(free & Delivery.digest_at.is_null(False))
                                         .order_by(Delivery.id).limit(limit)))
        if groups:
            keys = {(d.user_id, d.channel, d.target, d.digest_at) for d in groups}
            for user_id, channel, target, digest_at in keys:
                rows += list(outbox.skip_locked(Delivery.select().where(
                    free & (Delivery.user_id == user_id) & (Delivery.channel == channel)
                    & (Delivery.target == target) & (Delivery.digest_at == digest_at))))
        unique = {d.id: d for d in rows}
        if unique:
            Delivery.update(locked_until=lease).where(Delivery.id.in_(list(unique))).execute()
    return list(unique.values())


def allowed_students(user: User, student_ids: set[int]) -> set[int]:
    """Of ``student_ids``, those the user may read now: the pages' own policy (scope of ``progress.read``)."""
    if user is None or user.is_blocked:
        return set()
    return service("registries").may_act_on_students(Actor(user, None, ""), "progress.read", student_ids)


@dataclass
class Message:
    """One message ready to go (built with the app's context; sent from any thread) and the rows it carries."""

    rows: list[Delivery]
    channel: str
    args: tuple


def deliver(batch: list[Delivery], now: dt.datetime, result: Pass) -> None:
    """Send a leased batch: one message per instant row, one per digest group; record every outcome."""
    events = {e.id: e for e in NotificationEvent.select().where(
        NotificationEvent.id.in_(list({d.event_id for d in batch})))}
    by_user = defaultdict(list)
    for d in batch:
        by_user[d.user_id].append(d)
    users = {u.id: u for u in User.select().where(User.id.in_(list(by_user)))}
    prefs = {p.user_id: p for p in Preference.select().where(Preference.user_id.in_(list(by_user)))}
    names = {s.id: s.first_name for s in service("registries").students({d.student_id for d in batch}).values()}
    subs = {str(s.id): s for s in PushSubscription.select().where(PushSubscription.user_id.in_(list(by_user)))}
    outcomes: list[tuple[list[Delivery], str, str]] = []  # (rows, status, error)
    ready: list[Message] = []
    for user_id, rows in by_user.items():
        pref, user = prefs.get(user_id), users.get(user_id)
        readable = allowed_students(user, {d.student_id for d in rows})
        messages_of: dict[tuple, list[Delivery]] = defaultdict(list)
        for d in rows:
            reason = _stop_reason(d, pref, readable, subs)
            if reason:
                outcomes.append(([d], "stopped", reason))
            elif d.digest_at is None and in_quiet_hours(now, pref.quiet_from, pref.quiet_to):
                outcomes.append(([d], "deferred", ""))
            else:
                key = (d.channel, d.target, d.digest_at) if d.digest_at else (d.channel, d.target, d.id)
                messages_of[key].append(d)
        for (channel, target, _key), group in messages_of.items():
            lines = [messages.Line(d.id, d.student_id, names.get(d.student_id, ""), events[d.event_id].kind,
                                   messages.describe(events[d.event_id]), events[d.event_id].entered_at)
                     for d in group]
            ready.append(_compose(channel, target, user, pref, subs, group, lines))
    outcomes += _send_all(ready)
    _record(outcomes, now, result, prefs)


def _send_all(ready: list[Message]) -> list[tuple[list[Delivery], str, str]]:
    """Send the messages through ``send_threads`` connections at once; each thread keeps its own."""
    if not ready:
        return []
    c = conf()
    key = vapid_key() if any(m.channel == "push" for m in ready) else None
    local = threading.local()
    opened: list[channels.Outgoing] = []
    lock = threading.Lock()

    def outgoing() -> channels.Outgoing:
        if not hasattr(local, "out"):
            local.out = channels.Outgoing(c, key)
            with lock:
                opened.append(local.out)
        return local.out

    def send(message: Message) -> tuple[list[Delivery], str, str]:
        try:
            getattr(outgoing(), message.channel)(*message.args)
        except channels.TargetGone as exc:
            return message.rows, "gone", str(exc)
        except channels.SendFailed as exc:
            return message.rows, "retry", str(exc)
        return message.rows, "sent", ""

    try:
        with ThreadPoolExecutor(max_workers=min(c["send_threads"], len(ready))) as pool:
            return list(pool.map(send, ready))
    finally:
        for out in opened:
            out.close()


def _stop_reason(d: Delivery, pref: Preference | None, readable: set[int], subs: dict[str, Any]) -> str:
    if pref is None:
        return "no preferences"
    if d.student_id not in readable:
        return "policy: the recipient may not read this child's data now"
    if d.channel not in pref.channels():
        return "channel switched off"
    if d.channel == "push" and d.target not in subs:
        return "push subscription removed"
    return ""


def _compose(channel: str, target: str, user: User, pref: Preference, subs: dict[str, Any], group: list[Delivery],
             lines: list[messages.Line]) -> Message:
    digest = group[0].digest_at is not None
    key = f"{group[0].id}-{len(group)}" if digest else str(group[0].id)
    student = lines[0].student_id if len({line.student_id for line in lines}) == 1 else None
    title = messages.subject_line(lines, digest)
    if channel == "email":
        url = links.unsubscribe_url(user.id)
        body = messages.body_text(lines, digest) + "\n\n" + messages.unsubscribe_note(url)
        return Message(group, "email", (channels.Mail(pref.email, title, body, url, f"eschool-{key}"),))
    if channel == "push":
        sub = subs[target]
        payload = {"id": key, "title": title, "body": "\n".join(line.text for line in lines)[:1500],
                   "url": f"/progress/{student}" if student else "/progress"}
        return Message(group, "push", ({"endpoint": sub.endpoint, "keys": {"p256dh": sub.p256dh,
                                                                           "auth": sub.auth}}, payload))
    payload = {"delivery": key, "digest": digest, "recipient": {"user_id": user.id, "handle": pref.webhook_handle},
               "title": title,
               "events": [{"child": line.child, "kind": line.kind, "text": line.text,
                           "entered_at": line.entered_at.isoformat() + "Z"} for line in lines]}
    return Message(group, "webhook", (key, payload))


def _record(outcomes, now: dt.datetime, result: Pass, prefs: dict[int, Preference]) -> None:
    """Write every outcome of a batch in one short transaction: a few UPDATEs and the audit records."""
    c = conf()
    sent_at = max(now, utcnow())  # the real moment (entry → delivery delays are measured on it)
    by_status: dict[str, list] = defaultdict(list)
    for rows, status, error in outcomes:
        by_status[status].append((rows, error))
    with database.atomic():
        sent = [d for rows, _ in by_status["sent"] for d in rows]
        if sent:
            Delivery.update(status="sent", sent_at=sent_at, locked_until=None, attempts=Delivery.attempts + 1,
                            last_error="").where(Delivery.id.in_([d.id for d in sent])).execute()
            audit_many([_audit_entry("notification.sent", d, "ok", digest=d.digest_at is not None)
                        for d in sent], actor=None)
            result.sent += len(sent)
            result.messages += len(by_status["sent"])
        stopped = [(d, error) for rows, error in by_status["stopped"] + by_status["gone"] for d in rows]
        if stopped:
            for (rows, error) in by_status["stopped"] + by_status["gone"]:
                Delivery.update(status="stopped", locked_until=None, last_error=error[:300]).where(
                    Delivery.id.in_([d.id for d in rows])).execute()
            gone = [int(rows[0].target) for rows, _ in by_status["gone"]]
            if gone:
                PushSubscription.delete().where(PushSubscription.id.in_(gone)).execute()
            audit_many([_audit_entry("notification.stopped", d, "refused", reason=error) for d, error in stopped],
                       actor=None)
            result.stopped += len(stopped)
        for rows, _ in by_status["deferred"]:
            Delivery.update(due_at=quiet_ends(now, prefs[rows[0].user_id].quiet_to), locked_until=None).where(
                Delivery.id.in_([d.id for d in rows])).execute()
            result.deferred += len(rows)
        for rows, error in by_status["retry"]:
            _retry(rows, error, now, c, result)


def _audit_entry(action: str, d: Delivery, outcome: str, **details: Any) -> dict[str, Any]:
    return {"action": action, "object_type": "student", "object_id": d.student_id, "result": outcome,
            "details": {"delivery": d.id, "event": d.event_id, "recipient_user": d.user_id, "channel": d.channel,
                        **details}}


def _retry(rows: list[Delivery], error: str, now: dt.datetime, c: dict[str, Any], result: Pass) -> None:
    """Try again after retry_seconds × 2^(attempt−1), or give up after max_attempts (audited)."""
    ids = [d.id for d in rows]
    attempts = rows[0].attempts + 1
    if attempts >= c["max_attempts"]:
        Delivery.update(status="failed", attempts=attempts, locked_until=None, last_error=error[:300]).where(
            Delivery.id.in_(ids)).execute()
        audit_many([_audit_entry("notification.failed", d, "failed", error=error) for d in rows], actor=None)
        result.failed += len(rows)
    else:
        wait = dt.timedelta(seconds=c["retry_seconds"] * 2 ** (attempts - 1))
        Delivery.update(attempts=attempts, due_at=now + wait, locked_until=None, last_error=error[:300]).where(
            Delivery.id.in_(ids)).execute()
        result.retried += len(rows)
    result.errors.append(error)
    log.warning("notification delivery %s failed (attempt %s): %s", rows[0].id, attempts, error)
