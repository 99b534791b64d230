"""Backup and restore of the region's database.

SQLite uses the online backup API (safe while the app is serving); PostgreSQL uses
``pg_dump --format=custom`` and ``pg_restore --clean``. Both are exposed as
``eschool backup FILE`` and ``eschool restore FILE``.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import peewee


class BackupError(Exception):
    """A backup or restore that could not be done; the message says why."""


def _libpq_args(db: peewee.PostgresqlDatabase) -> list[str]:
    """Connection arguments for pg_dump/pg_restore taken from the open database's parameters."""
    params = dict(db.connect_params)
    args = []
    for key, flag in (("host", "--host"), ("port", "--port"), ("user", "--username")):
        if params.get(key):
            args += [flag, str(params[key])]
    args += ["--dbname", db.database]
    return args


def _pg_env(db: peewee.PostgresqlDatabase) -> dict[str, str]:
    import os

    env = dict(os.environ)
    if db.connect_params.get("password"):
        env["PGPASSWORD"] = str(db.connect_params["password"])
    return env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian package postgresql-client)")
    return path


def backup(db: peewee.Database, target: str | Path) -> Path:
    """Write a consistent copy of the live database to ``target``."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(db, peewee.SqliteDatabase):
        source = sqlite3.connect(db.database)
        try:
            dest = sqlite3.connect(target)
            with dest:
                source.backup(dest)
            dest.close()
        finally:
            source.close()
        return target
    if isinstance(db, peewee.PostgresqlDatabase):
        cmd = [_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(target), *_libpq_args(db)]
        done = subprocess.run(cmd, capture_output=True, text=True, env=_pg_env(db))
        if done.returncode != 0:
            raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
        return target
    raise BackupError(f"no backup method for {type(db).__name__}")


def restore(db: peewee.Database, source: str | Path) -> None:
    """Replace the database's contents with the backup in ``source``."""
    source = Path(source)
    if not source.exists():
        raise BackupError(f"{source}: backup file not found")
    if isinstance(db, peewee.SqliteDatabase):
        if not db.is_closed():
            db.close()
        src = sqlite3.connect(source)
        try:
            check = src.execute("PRAGMA integrity_check").fetchone()[0]
            if check != "ok":
                raise BackupError(f"{source}: backup is damaged ({check})")
            dest = sqlite3.connect(db.database)
            with dest:
                src.backup(dest)
            dest.close()
        finally:
            src.close()
        return
    if isinstance(db, peewee.PostgresqlDatabase):
        if not db.is_closed():
            db.close()
        if hasattr(db, "close_all"):
            db.close_all()
        cmd = [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
               *_libpq_args(db), str(source)]
        done = subprocess.run(cmd, capture_output=True, text=True, env=_pg_env(db))
        if done.returncode != 0:
            raise BackupError(f"pg_restore failed: {done.stderr.strip()}")
        return
    raise BackupError(f"no restore method for {type(db).__name__}")

