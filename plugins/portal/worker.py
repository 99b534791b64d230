"""The worker of the portal channel: Get → inbox → decision → outbox → Send, with retries.

One cycle (``Worker.run_cycle``):

1. **receive** — Get (REQUEST) until the queue is empty or ``batch_size``; each
   message is stored in ``PortalInbox`` and committed before anything else.
   The Adapter has no acknowledge: a message it handed out is gone from its
   queue. So the batch runs inside a durable receive window (``PortalGetWindow``,
   written before the first Get, deleted after the last store); a window left
   open by a crash or a timeout is recovered at the next cycle with Find by
   period (``recover``). A message whose clientId or MessageId is already
   stored is a repeat: it is counted and not processed again. Delivery statuses
   (Get RESPONSE) are read and logged.
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

Test hook: ``checkpoint(name)`` is called at the named points (``get.received``:
Get answered, nothing stored yet; ``inbox.stored``, ``outbox.stored``, ``sent``);
with ``ESCHOOL_PORTAL_KILL_AT=<name>`` in the environment the process ends itself
there at once (``os._exit``), as a kill would.
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
from plugins.portal.client import AdapterClient, AdapterError
from plugins.portal.models import PortalApplication, PortalExchange, PortalGetWindow, PortalInbox, PortalOutbox

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
    recovered: int = 0
    error: str = ""


RECOVER_FROM_START = dt.datetime(2000, 1, 1)


def _parse_moment(value: str) -> dt.datetime | None:
    """An ``xs:dateTime`` from the Adapter → naive UTC (the database's convention); ``None`` if absent or bad."""
    try:
        moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        return None
    return moment.astimezone(dt.UTC).replace(tzinfo=None) if moment.tzinfo else moment


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
        self.last_sending_date: dt.datetime | None = None
        self.window_touched = clock()
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
        self.recover(stats)
        self._open_window()
        for _ in range(self.cfg["batch_size"]):
            item = self.client.get("REQUEST")  # a fault or timeout leaves the window open: recovered next cycle
            self._touch("get")
            if item is None:
                break
            self.checkpoint("get.received")  # handed out by the Adapter, not stored yet
            if self.store(item):
                stats.received += 1
            else:
                stats.duplicates += 1
            self._keep_window()
            self.checkpoint("inbox.stored")
        self._close_window()
        for _ in range(self.cfg["batch_size"]):  # delivery statuses of what we sent
            item = self.client.get("RESPONSE")
            if item is None:
                break
            log.info("portal: delivery status %s of %s: %s", item.status, item.reply_to_client_id, item.xsi_type)

    # --- the receive window: what Get handed out and the inbox may not hold yet ---------------

    def _watermark(self) -> dt.datetime | None:
        """The SendingDate of a request stored before now (the newest one); ``None`` on an empty inbox."""
        if self.last_sending_date is None:
            newest = PortalInbox.select(PortalInbox.body).order_by(PortalInbox.id.desc()).first()
            if newest is not None:
                item = soap.read_query_result(etree.fromstring(newest.body.encode("utf-8")))
                self.last_sending_date = _parse_moment(item.sending_date) if item else None
        return self.last_sending_date

    def _open_window(self) -> None:
        """Before the first Get of a batch: a durable row saying Get may hand out what the inbox lacks."""
        now = self.clock()
        PortalGetWindow.insert(worker_id=self.worker_id, opened_at=now, watermark=self._watermark(),
                               touched_at=now).on_conflict_ignore().execute()
        self.window_touched = now

    def _keep_window(self) -> None:
        """Tell other workers this window's worker is alive (a write every half lease at most)."""
        now = self.clock()
        if now - self.window_touched >= dt.timedelta(seconds=self.cfg["lease_seconds"] / 2):
            kept = PortalGetWindow.update(touched_at=now).where(PortalGetWindow.worker_id == self.worker_id).execute()
            if not kept:  # another worker took us for dead and recovered the window: open it again
                self._open_window()
            self.window_touched = now

    def _close_window(self) -> None:
        """Every message the batch's Gets handed out is stored (or the queue said empty)."""
        PortalGetWindow.delete().where(PortalGetWindow.worker_id == self.worker_id).execute()

    def recover(self, stats: CycleStats) -> None:
        """Store what Get handed out in a window left open — by this worker before a crash or a timeout,
        or by another worker whose window is older than the lease — found with Find by period.

        The queue is FIFO, so every request handed out in the window arrived after the request the window's
        ``watermark`` names (stored before the window opened); Find by period from there (less
        ``recover_margin_seconds``) returns them, with requests still queued and requests answered long ago,
        which ``store`` tells apart by clientId/MessageId. Without a watermark (an empty inbox) Find asks for
        everything the Adapter keeps.
        """
        stale = self.clock() - dt.timedelta(seconds=self.cfg["lease_seconds"])
        windows = list(PortalGetWindow.select().where((PortalGetWindow.worker_id == self.worker_id)
                                                      | (PortalGetWindow.touched_at < stale)))
        if not windows:
            return
        marks = [w.watermark for w in windows]
        since = (min(marks) - dt.timedelta(seconds=self.cfg["recover_margin_seconds"])
                 if all(m is not None for m in marks) else RECOVER_FROM_START)
        found = self.client.find_since(since)  # AdapterError: the windows stay open, tried again next cycle
        recovered = 0
        for item in found:
            if (item.xsi_type == "RequestMessageType" and item.recipient == self.cfg["it_system"]
                    and item.client_id and self.store(item, quiet=True)):
                recovered += 1
                log.warning("portal: recovered request clientId=%s MessageId=%s with Find (a Get window of %s "
                            "was left open)", item.client_id, item.message_id, ", ".join(w.worker_id for w in windows))
        for window in windows:  # only the windows as read: a live worker's re-opened window stays
            PortalGetWindow.delete().where((PortalGetWindow.worker_id == window.worker_id)
                                           & (PortalGetWindow.touched_at == window.touched_at)).execute()
        stats.received += recovered
        stats.recovered += recovered
        log.info("portal: recovery of %s open Get window(s): Find from %s returned %s, %s stored",
                 len(windows), since.isoformat(), len(found), recovered)

    def store(self, item: soap.Received, quiet: bool = False) -> bool:
        """Store a received request; False (and counted) if its clientId or MessageId is already stored.

        ``quiet`` (recovery by Find, which also returns requests long stored): a known one is not a repeat."""
        same = PortalInbox.client_id == item.client_id
        if item.message_id:
            same = same | (PortalInbox.message_id == item.message_id)
        try:
            with database.atomic():
                known = PortalInbox.select(PortalInbox.id).where(same).first()
                if known is None:
                    PortalInbox.create(client_id=item.client_id, message_id=item.message_id or None,
                                       body=item.raw.decode("utf-8"), test_message=item.test,
                                       received_at=self.clock())
        except peewee.IntegrityError:  # another worker stored the same clientId a moment ago
            known = PortalInbox.select(PortalInbox.id).where(same).first()
        if known is not None:
            if not quiet:
                PortalInbox.update(duplicates=PortalInbox.duplicates + 1).where(PortalInbox.id == known.id).execute()
                log.info("portal: repeated message clientId=%s MessageId=%s (inbox %s): not processed again",
                         item.client_id, item.message_id, known.id)
            return False
        moment = _parse_moment(item.sending_date)
        if moment is not None and (self.last_sending_date is None or moment > self.last_sending_date):
            self.last_sending_date = moment
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
        # receive windows left open (a Get failed or a worker died after it): recovered with Find next cycle
        "get_windows_open": PortalGetWindow.select().count(),
        "last_get_at": last["get"].isoformat() + "Z" if last.get("get") else None,
        "last_send_at": last["send"].isoformat() + "Z" if last.get("send") else None,
        "last_exchange_at": max(times).isoformat() + "Z" if times else None,
    }
