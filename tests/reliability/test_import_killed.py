"""An import killed in the middle of its write transaction leaves the database exactly as before."""

import importlib.util
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import peewee

ROOT = Path(__file__).resolve().parents[2]
ESCHOOL = str(Path(sys.executable).parent / "eschool")
STUDENTS = 6000


def _bench_generator():
    spec = importlib.util.spec_from_file_location("registries_import_bench", ROOT / "bench" / "registries_import.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.generate


def _counts(app):
    from core.api import service

    with app.app_context():
        reg = service("registries")
        return {model.__name__: model.select().count() for model in (reg.Student, reg.Parent, reg.ParentLink)}


def _writer_is_inside_its_transaction(db, url) -> bool:
    """True once the importer holds the database's write transaction."""
    if isinstance(db, peewee.SqliteDatabase):
        probe = sqlite3.connect(db.database, timeout=0)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError as exc:
            return "locked" in str(exc)
        finally:
            probe.close()
    import psycopg

    with psycopg.connect(url.replace("postgresql+pool", "postgresql"), autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL").fetchone()
    return row[0] > 0


def _staged_rows(app) -> int:
    from plugins.registries import models as m

    with app.app_context():
        return m.StagedStudent.select().count()


def test_import_killed_half_way_leaves_the_database_as_before(make_app, tmp_path):
    app = make_app(["registries"])
    runner = app.test_cli_runner()
    assert runner.invoke(args=["registries", "add-municipality", "M1", "Район"]).exit_code == 0
    assert runner.invoke(args=["registries", "add-school", "S1", "Школа № 1", "--municipality", "M1"]).exit_code == 0
    generate = _bench_generator()
    (tmp_path / "first").mkdir()
    first = generate(tmp_path / "first", 40)
    done = runner.invoke(args=["registries", "import", "--school", "S1", "--create-classes",
                               *(str(p) for p in first.values())])
    assert done.exit_code == 0, done.output
    paths = generate(tmp_path, STUDENTS)
    before = _counts(app)
    assert before["Student"] == 40

    settings = app.extensions["eschool"].core_settings
    region = tmp_path / "region.toml"
    region.write_text(f'[eschool]\nplugins = ["registries"]\ndatabase_url = "{settings["database_url"]}"\n',
                      encoding="utf-8")
    env = {**os.environ, "ESCHOOL_INSTANCE": str(tmp_path / "instance")}
    env.pop("DATABASE_URL", None)
    proc = subprocess.Popen([ESCHOOL, "--config", str(region), "registries", "import", "--school", "S1",
                             "--create-classes", *(str(p) for p in paths.values())],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    db = app.extensions["eschool_db"]
    started = time.monotonic()
    # A known point, read from the database's state: the import has begun writing its staging batch.
    while _staged_rows(app) == 0:
        assert proc.poll() is None, "the import finished before it could be killed: make the file larger"
        assert time.monotonic() - started < 120
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    elapsed = time.monotonic() - started
    after = _counts(app)
    print(f"\nimport of {STUDENTS} students killed {elapsed:.1f}s after start, while staging: "
          f"before {before}, after {after}")
    assert proc.returncode == -signal.SIGKILL
    assert after == before
    if isinstance(db, peewee.SqliteDatabase):
        with sqlite3.connect(db.database) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
