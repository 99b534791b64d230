"""An import killed at a known point — while staging, or inside its final write transaction — leaves the
registries exactly as before, and the same file imports cleanly afterwards.

The import runs in a separate process, which ends itself (``os._exit``: no rollback, no cleanup, as a kill
would) when the importer reports the chosen point to its checkpoint listeners. No polling and no timing: the
process dies at that point whatever the machine's speed.
"""

import importlib.util
import multiprocessing
import os
import sqlite3
from pathlib import Path

import peewee
import pytest

from tests.support import registry_tables

ROOT = Path(__file__).resolve().parents[2]
STUDENTS = 3000  # 9,000 rows in three files; staged in chunks, so "staged" is reported several times
KILLED = 137


def _bench_generator():
    spec = importlib.util.spec_from_file_location("registries_import_bench", ROOT / "bench" / "registries_import.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.generate


def _counts(app):

    with app.app_context():
        reg = registry_tables()
        return {model.__name__: model.select().count() for model in (reg.Student, reg.Parent, reg.ParentLink)}


def _import_until(config: dict, paths: list[str], point: str, rows: int) -> None:
    """Child process: import ``paths`` into school S1 and end the process when the importer reaches ``point``
    having read at least ``rows`` rows (inside the final transaction, for ``applying``)."""
    from core import create_app
    from core.api import database
    from plugins.registries import importer
    from plugins.registries import models as m
    from plugins.registries.tabular import read_file

    def die(reached: str, count: int) -> None:
        if reached == point and count >= rows:
            os._exit(KILLED)

    app = create_app(config)
    with app.app_context():
        database.connect(reuse_if_open=True)
        importer.CHECKPOINT_LISTENERS.append(die)
        school = m.School.get(m.School.code == "S1")
        sheets = [sheet for path in paths for sheet in read_file(Path(path).name, Path(path))]
        importer.Importer(school, confirm_classes=True).run(sheets)
    os._exit(0)  # the point was never reached: the test sees exit code 0, not 137


@pytest.mark.parametrize("point, rows", [("staged", 4000), ("applying", 0)],
                         ids=["while-staging", "inside-the-final-transaction"])
def test_import_killed_at_a_known_point_leaves_the_registries_as_before(make_app, tmp_path, point, rows):
    app = make_app(["registries"])
    runner = app.test_cli_runner()
    assert runner.invoke(args=["registries", "add-municipality", "M1", "Район"]).exit_code == 0
    assert runner.invoke(args=["registries", "add-school", "S1", "Школа № 1", "--municipality", "M1"]).exit_code == 0
    generate = _bench_generator()
    first = generate(tmp_path / "first", 40)
    done = runner.invoke(args=["registries", "import", "--school", "S1", "--create-classes",
                               *(str(p) for p in first.values())])
    assert done.exit_code == 0, done.output
    paths = [str(p) for p in generate(tmp_path / "big", STUDENTS).values()]
    before = _counts(app)
    assert before == {"Student": 40, "Parent": 80, "ParentLink": 80}
    app.extensions["eschool_db"].close_all()

    settings = app.extensions["eschool"].core_settings
    config = {"eschool": {"plugins": ["registries"], "database_url": settings["database_url"],
                          "instance_path": str(tmp_path / "child-instance")}}
    child = multiprocessing.get_context("spawn").Process(target=_import_until, args=(config, paths, point, rows))
    child.start()
    child.join()

    after = _counts(app)
    print(f"\nimport of {STUDENTS} students killed at {point!r}: before {before}, after {after}")
    assert child.exitcode == KILLED
    assert after == before
    db = app.extensions["eschool_db"]
    if isinstance(db, peewee.SqliteDatabase):
        with sqlite3.connect(db.database) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    # what the dead process left in staging is nobody's: the same files import completely afterwards (the
    # first 40 children and their parents are the same people as in the small file, so they are matched)
    again = runner.invoke(args=["registries", "import", "--school", "S1", "--create-classes", *paths])
    assert again.exit_code == 0, again.output
    assert _counts(app) == {"Student": STUDENTS, "Parent": 2 * STUDENTS, "ParentLink": 2 * STUDENTS}
