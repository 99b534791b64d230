"""The worker of the portal channel: Get → inbox → decision → outbox → Send, with retries.

One cycle (``Worker.run_cycle``):

1. **receive** — Get (REQUEST) until the queue is empty or ``batch_size``; each
   message is stored in ``PortalInbox`` and committed before anything else (the
   Adapter has no acknowledge: a message it handed out is gone from its queue).
   A message whose clientId or MessageId is already stored is a repeat: it is
   counted and not processed again. Delivery statuses (Get RESPONSE) are read
   and logged.
2. **process** — each stored request is decided (``decision.decide``) and, in
   one transaction, its status and answer go into ``PortalOutbox``, the
   application row is written and the inbox row is marked processed.
3. **send** — pending outbox rows are sent in order; the Adapter's MessageId
   marks a row sent. The Adapter treats a clientId it already has as the same
   message, so a row sent just before a crash and sent again after it reaches
   the portal once.

Rows are taken with a lease (``claimed_by``/``claimed_until``), chosen with
``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several workers share the work; on
SQLite one worker runs. Faults, timeouts and an unreachable Adapter are logged
and retried with exponential backoff; a ValidationFault marks the row failed
(it needs a fix, not a retry). Nothing raised by one message stops the worker.

Test hook: ``checkpoint(name)`` is called at the named points (``inbox.stored``,
``outbox.stored``, ``sent``); with ``ESCHOOL_PORTAL_KILL_AT=<name>`` in the
environment the process ends itself there at once (``os._exit``), as a kill would.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import peewee
from lxml import etree

from core.api import audit, database, lazy_gettext, mask_snils, utcnow
from plugins.portal import decision, soap
from plugins.portal import payload as p
from plugins.portal.client import AdapterClient, AdapterError, AdapterTimeout
from plugins.portal.models import PortalApplication, PortalExchange, PortalInbox, PortalOutbox

log = logging.getLogger("eschool.portal")
KILL_ENV = "ESCHOOL_PORTAL_KILL_AT"

STATUS_REGISTERED = ("1", lazy_gettext("Заявление зарегистрировано в электронной школе и принято к рассмотрению"))


@dataclass
class CycleStats:
    received: int = 0
    duplicates: int = 0
    processed: int = 0
    sent: int = 0
    failed: int = 0
    error: str = ""


def _local_today(app) -> dt.date:
    from zoneinfo import ZoneInfo

    tz = app.extensions["eschool"].core_settings["timezone"]
    return dt.datetime.now(ZoneInfo(tz)).date()


class Worker:
    """Runs the exchange for the app's region (see the module docstring)."""

    def __init__(self, app, client: AdapterClient | None = None, *, worker_id: str | None = None,
                 clock: Callable[[], dt.datetime] = utcnow, checkpoint: Callable[[str], None] | None = None,
                 today: Callable[[], dt.date] | None = None):
        self.app = app
        self.cfg = app.extensions["eschool"].plugin_settings["portal"]
        self.client = client or AdapterClient(self.cfg["adapter_url"], self.cfg["it_system"], self.cfg["node_id"],
                                              self.cfg["timeout_seconds"])
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.clock = clock
        self.today = today or (lambda: _local_today(app))
        self._checkpoint = checkpoint
        self.failures_in_row = 0
        self.recover_since: dt.datetime | None = None
        self.spec = p.Spec.of(self.cfg)

    # --- test hook ---------------------------------------------------------------

    def checkpoint(self, name: str) -> None:
        if os.environ.get(KILL_ENV) == name:
            log.warning("portal worker: killed at %s (%s)", name, KILL_ENV)
            os._exit(137)
        if self._checkpoint is not None:
            self._checkpoint(name)

    # --- the loop ----------------------------------------------------------------

    def run(self, stop: threading.Event | None = None, max_cycles: int | None = None) -> None:
        """Cycle until ``stop`` is set (or ``max_cycles`` ran); wait ``poll_seconds`` when idle, back off on errors."""
        stop = stop or threading.Event()
        cycles = 0
        while not stop.is_set() and (max_cycles is None or cycles < max_cycles):
            stats = self.run_cycle()
            cycles += 1
            if stats.error:
                stop.wait(self.backoff())
            elif not (stats.received or stats.processed or stats.sent):
                stop.wait(self.cfg["poll_seconds"])

    def backoff(self) -> float:
        n = max(self.failures_in_row, 1)
        return min(self.cfg["backoff_seconds"] * 2 ** (n - 1), self.cfg["max_backoff_seconds"])

    def run_cycle(self) -> CycleStats:
        """One receive → process → send pass; never raises (errors are logged and reported in the stats)."""
        stats = CycleStats()
        with self.app.app_context():
            for step in (self.receive, self.process, self.send):
                try:
                    step(stats)
                except AdapterError as exc:
                    self.failures_in_row += 1
                    stats.error = str(exc)
                    log.warning("portal worker: %s failed (%s in a row), next try in %.1f s: %s",
                                step.__name__, self.failures_in_row, self.backoff(), exc)
                    break
                except Exception as exc:  # a bug or the database: logged, and the next cycle tries again
                    self.failures_in_row += 1
                    stats.error = f"{type(exc).__name__}: {exc}"
                    log.exception("portal worker: %s failed", step.__name__)
                    break
            else:
                self.failures_in_row = 0
        return stats

    # --- leases ------------------------------------------------------------------

    def _claim(self, model, condition, limit: int) -> list[Any]:
        now = self.clock()
        free = model.claimed_until.is_null() | (model.claimed_until < now) | (model.claimed_by == self.worker_id)
        with database.atomic():
            query = model.select(model.id).where(condition & free).order_by(model.id).limit(limit)
            if isinstance(database.obj, peewee.PostgresqlDatabase):
                query = query.for_update(skip_locked=True)
            ids = [row.id for row in query]
            if ids:
                model.update(claimed_by=self.worker_id,
                             claimed_until=now + dt.timedelta(seconds=self.cfg["lease_seconds"])
                             ).where(model.id.in_(ids)).execute()
        if not ids:
            return []
        return list(model.select().where(model.id.in_(ids) & (model.claimed_by == self.worker_id)).order_by(model.id))

    def _touch(self, name: str) -> None:
        now = self.clock()
        updated = PortalExchange.update(at=now).where(PortalExchange.name == name).execute()
        if not updated:
            PortalExchange.insert(name=name, at=now).on_conflict(
                conflict_target=[PortalExchange.name], update={PortalExchange.at: now}).execute()

    # --- 1. receive --------------------------------------------------------------

    def receive(self, stats: CycleStats) -> None:
        if self.recover_since is not None:
            self.recover(stats)
        for _ in range(self.cfg["batch_size"]):
            try:
                item = self.client.get("REQUEST")
            except AdapterTimeout:
                # The Adapter may have handed the message out after we stopped waiting (Get has no
                # acknowledge): look for it with Find before the next Get.
                last = PortalExchange.get_or_none(PortalExchange.name == "get")
                self.recover_since = (last.at if last else self.clock()) - dt.timedelta(minutes=5)
                raise
            self._touch("get")
            if item is None:
                break
            if self.store(item):
                stats.received += 1
            else:
                stats.duplicates += 1
            self.checkpoint("inbox.stored")
        for _ in range(self.cfg["batch_size"]):  # delivery statuses of what we sent
            item = self.client.get("RESPONSE")
            if item is None:
                break
            log.info("portal: delivery status %s of %s: %s", item.status, item.reply_to_client_id, item.xsi_type)

    def recover(self, stats: CycleStats) -> None:
        """After a Get that timed out: store any request of ours Find knows and the inbox does not."""
        for item in self.client.find_since(self.recover_since):
            if item.xsi_type == "RequestMessageType" and item.recipient in ("", self.cfg["it_system"]):
                known = PortalInbox.select().where(PortalInbox.client_id == item.client_id).exists()
                if not known and self.store(item):
                    stats.received += 1
                    log.warning("portal: recovered request %s with Find after a Get timeout", item.client_id)
        self.recover_since = None

    def store(self, item: soap.Received) -> bool:
        """Store a received request; False (and counted) if its clientId or MessageId is already stored."""
        with database.atomic():
            same = PortalInbox.client_id == item.client_id
            if item.message_id:
                same = same | (PortalInbox.message_id == item.message_id)
            known = PortalInbox.select().where(same).first()
            if known is not None:
                PortalInbox.update(duplicates=PortalInbox.duplicates + 1).where(PortalInbox.id == known.id).execute()
                log.info("portal: repeated message clientId=%s MessageId=%s (inbox %s): not processed again",
                         item.client_id, item.message_id, known.id)
                return False
            PortalInbox.create(client_id=item.client_id, message_id=item.message_id or None,
                               body=item.raw.decode("utf-8"), test_message=item.test, received_at=self.clock())
        log.info("portal: received request clientId=%s MessageId=%s", item.client_id, item.message_id)
        return True

    # --- 2. process --------------------------------------------------------------

    def process(self, stats: CycleStats) -> None:
        for row in self._claim(PortalInbox, PortalInbox.status == "received", self.cfg["batch_size"]):
            try:
                with self.app.app_context():  # a fresh context per message: nothing cached across applicants
                    self.decide_one(row)
                stats.processed += 1
            except Exception as exc:
                log.exception("portal: processing inbox %s failed", row.id)
                attempts = row.attempts + 1
                with self.app.app_context():
                    if attempts >= self.cfg["max_attempts"]:
                        self.decide_one(row, failure=True)
                        stats.failed += 1
                    else:
                        PortalInbox.update(attempts=attempts, last_error=f"{type(exc).__name__}: {exc}"[:2000],
                                           claimed_by=None, claimed_until=None).where(PortalInbox.id == row.id
                                                                                      ).execute()
            self.checkpoint("outbox.stored")

    def decide_one(self, row: PortalInbox, failure: bool = False) -> None:
        item = soap.read_query_result(etree.fromstring(row.body.encode("utf-8")))
        now = self.clock()
        deadline = now + dt.timedelta(days=self.cfg["deadline_days"])
        app_row = dict(inbox_id=row.id, request_client_id=row.client_id, received_at=row.received_at,
                       deadline_at=row.received_at + dt.timedelta(days=self.cfg["deadline_days"]) if row.received_at
                       else deadline, test_message=row.test_message or self.cfg["test_mode"], decided_at=now)
        with database.atomic():
            fresh = PortalInbox.get_by_id(row.id)
            if fresh.status != "received":
                return  # another worker finished it while our lease ran out
            try:
                application = p.read_request(item.payload, self.spec) if item.payload is not None else None
                if application is None:
                    raise p.PayloadError(["MessagePrimaryContent holds no element"])
            except (p.PayloadError, ValueError) as exc:
                log.warning("portal: inbox %s: incomplete application: %s", row.id, exc)
                self._answer_rejects(row, str(decision.REFUSALS["INCOMPLETE_APPLICATION"][1]))
                PortalApplication.create(**app_row, outcome="refused", refusal_code="INCOMPLETE_APPLICATION")
                audit("portal.application", "inbox", row.id, result="refused", actor=decision.AnonymousActor(),
                      details={"code": "INCOMPLETE_APPLICATION"})
                self._done(row, "failed" if failure else "processed")
                return
            if failure:
                outcome = decision.Outcome(decision.refusal("FAILURE"))
            else:
                outcome = decision.decide(application, self.today())
            response = p.build_response(application.number, now, outcome.answer, self.spec)
            kind = "refused" if outcome.refusal_code else "answered"
            self._queue(row, "status", soap.response_message(
                self.cfg["it_system"], soap.new_client_id(), row.client_id,
                status=(STATUS_REGISTERED[0], str(STATUS_REGISTERED[1]), {"applicationNumber": application.number})))
            self._queue(row, "answer", soap.response_message(
                self.cfg["it_system"], soap.new_client_id(), row.client_id, payload=response))
            PortalApplication.create(
                **app_row, number=application.number, filed_at=application.filed_at, role=application.role,
                applicant_oid=application.oid, applicant_snils_masked=mask_snils(application.snils),
                applicant_name=" ".join(x for x in (application.applicant.last_name, application.applicant.first_name,
                                                    application.applicant.middle_name) if x),
                applicant_user_id=outcome.user_id,
                child_name=" ".join(x for x in (application.child.last_name, application.child.first_name,
                                                application.child.middle_name) if x) if application.child else "",
                student_id=outcome.student_id, outcome=kind, refusal_code=outcome.refusal_code)
            self._done(row, "failed" if failure else "processed")
        log.info("portal: application %s decided: %s %s", application.number, kind, outcome.refusal_code)

    def _answer_rejects(self, row: PortalInbox, text: str) -> None:
        self._queue(row, "answer", soap.response_message(
            self.cfg["it_system"], soap.new_client_id(), row.client_id,
            rejects=[(decision.REFUSALS["INCOMPLETE_APPLICATION"][0], text)]))

    def _queue(self, row: PortalInbox, kind: str, body: etree._Element) -> None:
        soap.check(body)  # stored only if the Adapter's schema accepts it (the payload was checked already)
        client_id = body.findtext(f"{soap.a('ResponseMessage')}/{soap.a('ResponseMetadata')}/{soap.a('clientId')}")
        PortalOutbox.create(client_id=client_id, inbox_id=row.id, reply_to_client_id=row.client_id, kind=kind,
                            body=etree.tostring(body).decode("utf-8"), next_attempt_at=self.clock())

    def _done(self, row: PortalInbox, status: str) -> None:
        PortalInbox.update(status=status, processed_at=self.clock(), claimed_by=None, claimed_until=None,
                           attempts=PortalInbox.attempts + 1).where(PortalInbox.id == row.id).execute()

    # --- 3. send -----------------------------------------------------------------

    def send(self, stats: CycleStats) -> None:
        now = self.clock()
        earlier = PortalOutbox.alias()
        waiting = earlier.select(earlier.id).where((earlier.inbox_id == PortalOutbox.inbox_id)
                                                   & (earlier.id < PortalOutbox.id) & (earlier.status == "pending")
                                                   & ((earlier.next_attempt_at > now)
                                                      | ((earlier.claimed_until >= now)
                                                         & (earlier.claimed_by != self.worker_id))))
        # in order per application: an answer never overtakes a status that waits for a retry or another worker
        due = (PortalOutbox.status == "pending") & (PortalOutbox.next_attempt_at <= now) & ~peewee.fn.EXISTS(waiting)
        for row in self._claim(PortalOutbox, due, self.cfg["batch_size"]):
            try:
                message_id = self.client.send(etree.fromstring(row.body.encode("utf-8")))
            except AdapterError as exc:
                self._send_failed(row, exc)
                if exc.retry:
                    self._release_all()
                    raise
                stats.failed += 1
                continue
            self.checkpoint("sent")
            sent_at = self.clock()
            with database.atomic():
                PortalOutbox.update(status="sent", sent_at=sent_at, message_id=message_id, attempts=row.attempts + 1,
                                    claimed_by=None, claimed_until=None, last_error="").where(
                    PortalOutbox.id == row.id).execute()
                if row.kind == "answer":
                    PortalApplication.update(answered_at=sent_at).where(
                        (PortalApplication.inbox_id == row.inbox_id) & PortalApplication.answered_at.is_null()
                    ).execute()
                self._touch("send")
            stats.sent += 1
            log.info("portal: sent %s %s for %s, MessageId %s", row.kind, row.client_id, row.reply_to_client_id,
                     message_id)

    def _send_failed(self, row: PortalOutbox, exc: AdapterError) -> None:
        attempts = row.attempts + 1
        if exc.retry:
            delay = min(self.cfg["backoff_seconds"] * 2 ** (attempts - 1), self.cfg["max_backoff_seconds"])
            PortalOutbox.update(attempts=attempts, last_error=str(exc)[:2000], claimed_by=None, claimed_until=None,
                                next_attempt_at=self.clock() + dt.timedelta(seconds=delay)).where(
                PortalOutbox.id == row.id).execute()
        else:
            log.error("portal: the Adapter refused outbox %s (%s): %s — marked failed", row.id, row.client_id, exc)
            PortalOutbox.update(attempts=attempts, last_error=str(exc)[:2000], status="failed", claimed_by=None,
                                claimed_until=None).where(PortalOutbox.id == row.id).execute()

    def _release_all(self) -> None:
        PortalOutbox.update(claimed_by=None, claimed_until=None).where(
            (PortalOutbox.claimed_by == self.worker_id) & (PortalOutbox.status == "pending")).execute()


def health() -> dict[str, Any]:
    """Queue depths and the last successful exchanges, for ``/health`` (no personal data)."""
    last = {row.name: row.at for row in PortalExchange.select()}
    times = [t for t in last.values() if t is not None]
    return {
        "inbox_pending": PortalInbox.select().where(PortalInbox.status == "received").count(),
        "outbox_pending": PortalOutbox.select().where(PortalOutbox.status == "pending").count(),
        "outbox_failed": PortalOutbox.select().where(PortalOutbox.status == "failed").count(),
        "last_get_at": last["get"].isoformat() + "Z" if last.get("get") else None,
        "last_send_at": last["send"].isoformat() + "Z" if last.get("send") else None,
        "last_exchange_at": max(times).isoformat() + "Z" if times else None,
    }
