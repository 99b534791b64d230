"""A stand for the portal channel: the Adapter emulator on real loopback HTTP, an eschool app pointing at it,
the gradebook's two-school world, and a worker driven cycle by cycle.

``stand.apply(...)`` files an application as the portal does (a request into
eschool's queue of the emulator); ``stand.cycle()`` runs one worker cycle;
``stand.answers(client_id)`` reads what eschool sent back for it.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from plugins.portal import payload as p
from plugins.portal import soap
from plugins.portal.emulator.adapter import AdapterEmulator
from plugins.portal.emulator.app import create_emulator_app
from plugins.portal.emulator.store import Store
from plugins.portal.worker import Worker
from tests.gradebook.factories import build_world
from tests.support import serve

ROOT = Path(__file__).resolve().parents[2]
PLUGINS = ["registries", "auth_esia", "age_policy", "gradebook", "portal"]
SPEC = p.Spec("1.0.0", p.default_namespace("1.0.0"))


def region_age_policy(name: str) -> dict[str, Any]:
    """The [age_policy] section of one of the example regions."""
    return tomllib.loads((ROOT / "regions" / f"{name}.toml").read_text(encoding="utf-8"))["age_policy"]


@dataclass
class Stand:
    app: Any
    emulator: AdapterEmulator
    adapter_url: str
    world: Any
    servers: list[Any] = field(default_factory=list)
    worker: Worker | None = None
    clock_shift: dt.timedelta = dt.timedelta(0)

    def clock(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC).replace(tzinfo=None) + self.clock_shift

    def new_worker(self, **kwargs) -> Worker:
        return Worker(self.app, clock=self.clock, **kwargs)

    def cycle(self, times: int = 1):
        stats = None
        for _ in range(times):
            stats = self.worker.run_cycle()
        return stats

    def application(self, parent: Any = None, child: Any = None, *, role: str = "parent", oid: str = "7000001",
                    snils: str | None = None, **extra) -> p.Application:
        with self.app.app_context():
            applicant = parent
            app = p.Application(
                number=extra.pop("number", f"RPGU-{oid}-{child.id if child else 'self'}"),
                filed_at=dt.datetime(2026, 11, 25, 6, 30),
                applicant=p.Person(applicant.last_name, applicant.first_name, applicant.middle_name or ""),
                oid=oid, snils=snils or applicant.snils, role=role)
            if child is not None:
                app.child = p.Person(child.last_name, child.first_name, child.middle_name or "")
                app.child_birth_date = child.birth_date
        for key, value in extra.items():
            setattr(app, key, value)
        return app

    def apply(self, application: p.Application) -> str:
        return self.emulator.submit(application).client_id

    def answers(self, client_id: str) -> list[soap.Received]:
        """eschool's answers to a request (not SMEV's own delivery statuses), oldest first."""
        return [soap.read_query_result(self.emulator.query_result(m, self.emulator.portal_system))
                for m in self.emulator.store.replies_to(client_id) if m.sender != "SMEV"]

    def final(self, client_id: str) -> Any:
        """The final answer: ``ProgressAnswer`` / ``RefusalAnswer``, or the rejects list."""
        finals = [a for a in self.answers(client_id) if a.status is None]
        assert len(finals) == 1, f"expected one final answer, got {len(finals)}"
        if finals[0].rejects:
            return finals[0].rejects
        return p.read_response(finals[0].payload, SPEC)[1]

    def restart_emulator(self, record_dir: str | None = None) -> None:
        """Stop the emulator's server and start a new one on the same port and the same queue file."""
        port = int(self.adapter_url.rsplit(":", 1)[1].rstrip("/"))
        self.stop_emulator()
        self.emulator = AdapterEmulator(Store(self.emulator.store.path), "ESCHOOL", "RPGU", SPEC, record_dir)
        from werkzeug.serving import make_server

        from tests.support import QuietHandler

        server = make_server("127.0.0.1", port, create_emulator_app(self.emulator), threaded=True,
                             request_handler=QuietHandler)
        import threading

        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.servers = [server]

    def stop_emulator(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()
        self.servers = []


@pytest.fixture
def make_stand(make_app, tmp_path):
    stands = []

    def build(age_policy: dict[str, Any] | None = None, portal: dict[str, Any] | None = None,
              record_dir: str | None = None, world: bool = True) -> Stand:
        emulator = AdapterEmulator(Store(tmp_path / f"adapter{len(stands)}.sqlite3"), "ESCHOOL", "RPGU", SPEC,
                                   record_dir)
        server, url = serve(create_emulator_app(emulator))
        sections = {"portal": {"adapter_url": url + "/", "timeout_seconds": 2.0, "backoff_seconds": 1.0,
                               **(portal or {})}}
        if age_policy is not None:
            sections["age_policy"] = age_policy
        app = make_app(PLUGINS, sections=sections)
        stand = Stand(app, emulator, url + "/", build_world(app) if world else None, [server])
        stand.worker = stand.new_worker()
        stands.append(stand)
        return stand

    yield build
    for stand in stands:
        stand.worker.client.close()
        stand.stop_emulator()


@pytest.fixture
def stand(make_stand):
    return make_stand()


def envelope_bodies(folder: Path) -> list[etree._Element]:
    return [soap.parse_envelope(f.read_bytes()) for f in sorted(folder.glob("*.xml"))]
