"""The suite never writes into a database it did not create, whatever the server's environment says."""

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core import create_app
from core.models import User
from plugins.registries import models as registries
from tests.conftest import PRODUCTION_ENVIRONMENT, refuse_foreign_database

REPO = Path(__file__).resolve().parents[2]
# Tests that create municipalities, schools and people (the authorisation matrix failed this way, with
# "UNIQUE constraint failed: municipality.code") and one that drives the app through its pages.
SUB_SUITE = ["tests/registries/test_organisations.py", "tests/core/test_audit.py"]


def populated_region(folder: Path) -> dict[str, Path | str]:
    """A region as a server would have it: a TOML file, an instance folder and a SQLite database with data."""
    instance = folder / "instance"
    database = folder / "region.sqlite3"
    config = folder / "region.toml"
    config.write_text(f'[eschool]\nregion_name = "Настоящий регион"\nplugins = ["registries"]\n'
                      f'instance_path = "{instance}"\n', encoding="utf-8")
    url = f"sqlite:///{database}"
    app = create_app({"eschool": {"plugins": ["registries"], "database_url": url, "instance_path": str(instance)}})
    with app.app_context():
        app.extensions["eschool"].upgrade_db()
        district = registries.Municipality.create(code="01", name="Настоящий район")
        registries.School.create(municipality=district, code="0101", name="МБОУ СОШ № 1", short_name="Школа № 1")
        User.create(display_name="Настоящий оператор", role="operator")
    app.extensions["eschool_db"].close_all()  # the server stopped: its pool let go of the file
    return {"DATABASE_URL": url, "ESCHOOL_CONFIG": str(config), "ESCHOOL_INSTANCE": str(instance),
            "SECRET_KEY": "a-real-servers-secret-key-0123456789-abcdef"}


def fingerprint(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (the database, its WAL, the instance folder) by content."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_sub_suite_leaves_a_populated_region_byte_for_byte_unchanged(tmp_path):
    server = tmp_path / "server"
    server.mkdir()
    environment = populated_region(server)
    before = fingerprint(server)
    assert "region.sqlite3" in before

    env = {**os.environ, **{k: str(v) for k, v in environment.items()}}
    run = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *SUB_SUITE],
                         cwd=REPO, env=env, capture_output=True, text=True, timeout=900)

    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert " passed" in run.stdout and " failed" not in run.stdout
    assert "ignored from the environment: DATABASE_URL, ESCHOOL_CONFIG, ESCHOOL_INSTANCE, SECRET_KEY" in run.stdout
    assert fingerprint(server) == before


def test_the_suite_reads_none_of_the_production_settings_from_the_environment():
    assert not [name for name in PRODUCTION_ENVIRONMENT if name in os.environ]


def test_an_app_on_a_database_with_data_stops_the_run_before_writing(tmp_path):
    environment = populated_region(tmp_path)
    app = create_app({"eschool": {"plugins": ["registries"], "database_url": environment["DATABASE_URL"],
                                  "instance_path": str(tmp_path / "other")}})
    before = fingerprint(tmp_path)

    with pytest.raises(pytest.exit.Exception, match="already holds tables"):
        refuse_foreign_database(app, environment["DATABASE_URL"])
    assert fingerprint(tmp_path) == before


def test_an_app_on_another_database_than_the_harness_named_stops_the_run(tmp_path):
    environment = populated_region(tmp_path)
    app = create_app({"eschool": {"plugins": ["registries"], "database_url": environment["DATABASE_URL"],
                                  "instance_path": str(tmp_path / "other")}})

    with pytest.raises(pytest.exit.Exception, match="not on the throwaway database"):
        refuse_foreign_database(app, f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
