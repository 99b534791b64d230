"""The emulator's queues, in an SQLite file (stdlib ``sqlite3``): a restart of the emulator loses nothing.

One table holds every message the emulated SMEV 3 carries: its queue (the
recipient's itSystem), kind (``REQUEST``/``RESPONSE``), clientIds, SMEV ids and
the ``a:Message`` element as XML (with its ``xsi:type``). Get hands out the
oldest undelivered message of a queue and marks it delivered.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS message (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    queue TEXT NOT NULL,
    kind TEXT NOT NULL,
    sender TEXT NOT NULL,
    client_id TEXT NOT NULL UNIQUE,
    reply_to_client_id TEXT,
    message_id TEXT,
    original_message_id TEXT,
    reference_message_id TEXT,
    message_type TEXT NOT NULL,
    xml TEXT NOT NULL,
    created_at TEXT NOT NULL,
    delivered_at TEXT
);
CREATE INDEX IF NOT EXISTS message_queue ON message (queue, kind, delivered_at, id);
CREATE INDEX IF NOT EXISTS message_reply ON message (reply_to_client_id);
"""


@dataclass
class Stored:
    id: int
    queue: str
    kind: str
    sender: str
    client_id: str
    reply_to_client_id: str | None
    message_id: str | None
    original_message_id: str | None
    reference_message_id: str | None
    message_type: str
    xml: str
    created_at: str
    delivered_at: str | None


def now_text() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


class Store:
    def __init__(self, path: str | Path):
        self.path = str(path)
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        # One connection for the emulator's threads, used under the lock; autocommit, so every write is durable
        # when the call returns.
        self._conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.executescript(SCHEMA)

    @contextlib.contextmanager
    def _connect(self):
        yield self._conn

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def _rows(self, sql: str, args: tuple = ()) -> list[Stored]:
        with self._lock, self._connect() as conn:
            return [Stored(**dict(r)) for r in conn.execute(sql, args).fetchall()]

    def by_client_id(self, client_id: str) -> Stored | None:
        rows = self._rows("SELECT * FROM message WHERE client_id = ?", (client_id,))
        return rows[0] if rows else None

    def add(self, *, queue: str, kind: str, sender: str, client_id: str, message_type: str, xml: str,
            reply_to_client_id: str | None = None, message_id: str | None = None,
            original_message_id: str | None = None, reference_message_id: str | None = None) -> Stored:
        with self._lock, self._connect() as conn:
            conn.execute(
                "INSERT INTO message (queue, kind, sender, client_id, reply_to_client_id, message_id, "
                "original_message_id, reference_message_id, message_type, xml, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (queue, kind, sender, client_id, reply_to_client_id, message_id, original_message_id,
                 reference_message_id, message_type, xml, now_text()))
        return self.by_client_id(client_id)

    def take(self, queue: str, kind: str | None) -> Stored | None:
        """Get: the oldest undelivered message of ``queue`` (of ``kind``), marked delivered in the same step."""
        with self._lock, self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                sql = "SELECT * FROM message WHERE queue = ? AND delivered_at IS NULL"
                args: tuple = (queue,)
                if kind:
                    sql += " AND kind = ?"
                    args += (kind,)
                row = conn.execute(sql + " ORDER BY id LIMIT 1", args).fetchone()
                if row is not None:
                    conn.execute("UPDATE message SET delivered_at = ? WHERE id = ?", (now_text(), row["id"]))
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        return Stored(**dict(row)) if row is not None else None

    def replies_to(self, client_id: str) -> list[Stored]:
        return self._rows("SELECT * FROM message WHERE reply_to_client_id = ? ORDER BY id", (client_id,))

    def between(self, since: str, until: str | None) -> list[Stored]:
        if until:
            return self._rows("SELECT * FROM message WHERE created_at >= ? AND created_at <= ? ORDER BY id",
                              (since, until))
        return self._rows("SELECT * FROM message WHERE created_at >= ? ORDER BY id", (since,))

    def all(self, queue: str | None = None) -> list[Stored]:
        if queue:
            return self._rows("SELECT * FROM message WHERE queue = ? ORDER BY id", (queue,))
        return self._rows("SELECT * FROM message ORDER BY id")

    def requests_from(self, sender: str) -> list[Stored]:
        return self._rows("SELECT * FROM message WHERE sender = ? AND kind = 'REQUEST' ORDER BY id DESC", (sender,))
