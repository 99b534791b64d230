"""``eschool portal …``: the worker that exchanges with the Adapter, and the Adapter emulator."""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from werkzeug.serving import run_simple

from plugins.portal import payload as p


@click.group("portal")
def portal_group():
    """The regional portal channel (SMEV 3 through the Adapter)."""


@portal_group.command("worker")
@click.option("--once", is_flag=True, help="Run one cycle (Get, process, Send) and exit.")
@click.option("--cycles", type=int, default=None, help="Stop after this many cycles.")
@click.option("--worker-id", default=None, help="A name unique among the running workers and kept across restarts "
                                                "(a restarted worker takes back its own rows at once). "
                                                "Default: host:pid:random (rows return after lease_seconds).")
@with_appcontext
def worker(once, cycles, worker_id):
    """Take applications from the Adapter, answer them, send the answers; until SIGTERM/Ctrl+C."""
    from plugins.portal.worker import Worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = current_app._get_current_object()
    runner = Worker(app, worker_id=worker_id)
    cfg = runner.cfg
    click.echo(f"portal worker {runner.worker_id}: Adapter {cfg['adapter_url']}, itSystem {cfg['it_system']}, "
               f"namespace {runner.spec.namespace}")
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    runner.run(stop, max_cycles=1 if once else cycles)


@portal_group.command("adapter-emulator")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=None, help="Default: the port of [portal] adapter_url.")
@click.option("--db", "db_path", default=None, help="The queues' SQLite file. Default: [portal] emulator_db, "
                                                    "else <instance>/portal-adapter.sqlite3.")
@click.option("--persons", default=None, help="Gosuslugi persons for the portal page (the ESIA emulator's TOML). "
                                              "Default: [portal] emulator_persons, else <instance>/esia-persons.toml.")
@click.option("--record", "record_dir", default=None, metavar="DIR", help="Keep every SOAP envelope received here.")
@with_appcontext
def adapter_emulator(host, port, db_path, persons, record_dir):
    """Run an offline Adapter (Send, Get, Find) with a portal page for testers, on loopback."""
    from urllib.parse import urlsplit

    from plugins.portal.emulator.adapter import AdapterEmulator
    from plugins.portal.emulator.app import create_emulator_app, load_persons
    from plugins.portal.emulator.store import Store

    app = current_app._get_current_object()
    cfg = app.extensions["eschool"].plugin_settings["portal"]
    instance = Path(app.instance_path)
    store = Store(db_path or cfg["emulator_db"] or instance / "portal-adapter.sqlite3")
    people = load_persons(persons or cfg["emulator_persons"] or instance / "esia-persons.toml")
    emulator = AdapterEmulator(store, cfg["it_system"], cfg["portal_system"], p.Spec.of(cfg), record_dir)
    port = port or urlsplit(cfg["adapter_url"]).port or 80
    click.echo(f"Adapter emulator on http://{host}:{port}/ (SOAP), portal page http://{host}:{port}/portal/ — "
               f"{len(people)} Gosuslugi persons, queues in {store.path}"
               + (f", recording to {record_dir}" if record_dir else ""))
    run_simple(host, port, create_emulator_app(emulator, people), threaded=True)
