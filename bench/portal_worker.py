"""Benchmark of the portal channel: applications answered per second by one worker, beside the cabinet's read.

    .venv/bin/python bench/portal_worker.py                     # 10,000 students (the demo generator)
    .venv/bin/python bench/portal_worker.py --students 600 --applications 100   # a quick run
    source .ci/pg.sh start && psql "$ESCHOOL_TEST_PG" -c 'create database bench_portal'
    .venv/bin/python bench/portal_worker.py --database-url "postgresql://eschool@/bench_portal?host=$PGDIR"

Builds a demo region (``eschool demo --students N``: schools, families, a journal kept
from 1 September up to today) in a work folder on SQLite (or ``--database-url`` of an
empty PostgreSQL database), starts the Adapter emulator on loopback (a real HTTP SOAP
server with its SQLite queues), files ``--applications`` applications of the demo's
Gosuslugi parents for their children as the portal does, and lets one worker answer
them all: Get, decision (login pipeline, policy, the gradebook's progress), payload
and Adapter schema checks, audit, inbox/outbox, Send of a status and the answer.

Beside it, on the same data and the same (parent, child) pairs, the baseline: the
cabinet's ``/progress/<child>`` page read by each parent through the app (WSGI, in
process), which is the same progress read with a page around it. Both figures are
printed with their ratio.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PLUGINS = ["registries", "auth_local", "auth_esia", "age_policy", "gradebook", "portal"]


def write_config(folder: Path, database_url: str | None, adapter_url: str) -> Path:
    url = database_url or f"sqlite:///{folder / 'eschool.sqlite3'}"
    config = folder / "region.toml"
    plugins = ", ".join(f'"{p}"' for p in PLUGINS)
    config.write_text(
        "[eschool]\n"
        'region_name = "Нагрузочный регион"\n'
        f"plugins = [{plugins}]\n"
        f'database_url = "{url}"\n'
        f'instance_path = "{folder / "instance"}"\n'
        "\n[portal]\n"
        f'adapter_url = "{adapter_url}"\n'
        "batch_size = 100\n", encoding="utf-8")
    return config


def generate(config: Path, students: int) -> float:
    started = time.perf_counter()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ESCHOOL_CONFIG")}
    eschool = str(Path(sys.executable).parent / "eschool")
    for args in (["db", "upgrade"], ["demo", "--students", str(students)]):
        subprocess.run([eschool, "--config", str(config), *args], check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def applicants(folder: Path, limit: int) -> list[dict]:
    """Demo parents who have a user and children: (person, child) pairs, one per parent."""
    data = tomllib.loads((folder / "instance" / "esia-persons.toml").read_text(encoding="utf-8"))
    pairs = []
    for person in data["person"]:
        note = person.get("note", "")
        if person.get("kids") and person.get("level") == "confirmed" and "не создала" not in note:
            pairs.append({"person": person, "kid": person["kids"][0]})
        if len(pairs) == limit:
            break
    return pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=10_000)
    parser.add_argument("--applications", type=int, default=300)
    parser.add_argument("--database-url", default=None, help="an empty PostgreSQL database (default: SQLite)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()

    from core import create_app
    from core.auth import open_session
    from plugins.portal import payload as p
    from plugins.portal.emulator.adapter import AdapterEmulator
    from plugins.portal.emulator.app import create_emulator_app
    from plugins.portal.emulator.store import Store
    from plugins.portal.models import PortalApplication, PortalOutbox
    from plugins.portal.worker import Worker
    from tests.support import serve

    folder = Path(tempfile.mkdtemp(prefix="eschool-portal-bench-"))
    try:
        spec = p.Spec("1.0.0", p.default_namespace("1.0.0"))
        emulator = AdapterEmulator(Store(folder / "adapter.sqlite3"), "ESCHOOL", "RPGU", spec)
        server, url = serve(create_emulator_app(emulator))
        config = write_config(folder, args.database_url, url + "/")
        print(f"generating the demo region: {args.students} students …", flush=True)
        took = generate(config, args.students)
        print(f"  done in {took:.0f} s", flush=True)
        pairs = applicants(folder, args.applications)
        os.environ.pop("DATABASE_URL", None)
        app = create_app(str(config))
        app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)

        for i, pair in enumerate(pairs):
            person, kid = pair["person"], pair["kid"]
            emulator.submit(p.Application(
                number=f"BENCH-{i}", filed_at=dt.datetime(2026, 11, 25, 7, 0),
                applicant=p.Person(person["last_name"], person["first_name"], person.get("middle_name", "")),
                oid=str(person["oid"]), snils=person["snils"], role="parent",
                child=p.Person(kid["last_name"], kid["first_name"], kid.get("middle_name", "")),
                child_birth_date=kid["birth_date"] if isinstance(kid["birth_date"], dt.date)
                else dt.date.fromisoformat(kid["birth_date"])))

        worker = Worker(app)
        started = time.perf_counter()
        cycles = 0
        while True:
            stats = worker.run_cycle()
            cycles += 1
            if stats.error:
                raise SystemExit(f"worker error: {stats.error}")
            with app.app_context():
                if (PortalApplication.select().count() == len(pairs)
                        and not PortalOutbox.select().where(PortalOutbox.status != "sent").exists()):
                    break
        worker_seconds = time.perf_counter() - started
        with app.app_context():
            answered = PortalApplication.select().where(PortalApplication.outcome == "answered").count()
            refused = PortalApplication.select().where(PortalApplication.refusal_code != "").count()
            from core.models import User

            logins = [(User.get_by_id(row.applicant_user_id), row.student_id) for row in PortalApplication.select()
                      .where(PortalApplication.outcome == "answered").order_by(PortalApplication.id)]

        client = app.test_client()
        sessions = []
        for user, kid_id in logins:
            with app.test_request_context():
                sessions.append((open_session(user, "bench"), kid_id))
        started = time.perf_counter()
        for token, kid_id in sessions:
            with client.session_transaction() as sess:
                sess["_user_id"] = token
            response = client.get(f"/progress/{kid_id}")
            assert response.status_code == 200, response.status_code
        cabinet_seconds = time.perf_counter() - started

        n = len(pairs)
        backend = "PostgreSQL" if args.database_url else "SQLite"
        print(f"\n{backend}, {args.students} students; portal worker, one process: {n} applications ({answered} answered with progress, "
              f"{refused} refused) in {worker_seconds:.2f} s over {cycles} cycles "
              f"= {n / worker_seconds:.1f} applications/s ({1000 * worker_seconds / n:.1f} ms each; "
              f"{emulator.calls} SOAP calls)")
        print(f"cabinet /progress page, the answered pairs, in process: {len(sessions)} reads in "
              f"{cabinet_seconds:.2f} s "
              f"= {len(sessions) / cabinet_seconds:.1f} reads/s ({1000 * cabinet_seconds / len(sessions):.1f} ms each)")
        ratio = (worker_seconds / n) / (cabinet_seconds / len(sessions))
        print(f"an application costs {ratio:.1f}× a cabinet read "
              f"(two Sends and a Get over loopback HTTP, XSD checks, inbox/outbox and audit writes)")
        server.shutdown()
    finally:
        if args.keep:
            print(f"work folder kept: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
