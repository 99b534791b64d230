"""``eschool notifications worker``: deliver the outbox; several may run side by side on PostgreSQL."""

from __future__ import annotations

import logging
import secrets
import signal
import threading

import click
import peewee
from flask import current_app
from flask.cli import AppGroup

from core.api import database, utcnow

log = logging.getLogger(__name__)


@click.group("notifications", cls=AppGroup)
def notifications_group():
    """Notifications of new marks to families (e-mail, Web Push, webhooks)."""


@notifications_group.command("worker")
@click.option("--once", is_flag=True, help="Do one pass (fan out, digests, deliveries) and exit.")
def worker_command(once: bool):
    """Fan the outbox out and deliver due notifications, until stopped (SIGTERM/SIGINT finish the pass)."""
    from plugins.notifications import worker  # its delivery libraries load when it runs, not on `eschool --help`

    stop = threading.Event()
    if not once:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    worker_id = secrets.token_hex(4)
    app = current_app._get_current_object()
    poll = worker.conf()["poll_seconds"]
    while not stop.is_set():
        try:
            with app.app_context(), database.connection_context():  # a fresh context: no cached policy answers
                result = worker.run_once(utcnow(), worker_id)
        except peewee.OperationalError as exc:
            # a busy SQLite writer outlasted the busy timeout: nothing was half-done (each step is one
            # transaction, leases run out), so say so and take the next pass
            log.warning("notifications worker pass failed, retrying: %s", exc)
            stop.wait(poll)
            continue
        if result.busy or once:
            click.echo(f"fanned out {result.fanned_out}, digests opened {result.digests}, sent {result.sent} "
                       f"in {result.messages} messages, stopped {result.stopped}, deferred {result.deferred}, "
                       f"retried {result.retried}, failed {result.failed}")
        if once:
            break
        if not result.busy:
            stop.wait(poll)
