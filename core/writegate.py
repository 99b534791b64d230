"""Writers of one SQLite file take turns in a queue the kernel keeps, instead of SQLite's polling.

SQLite lets one writer at a time in; the others wait in its busy handler, which
sleeps and retries (up to 100 ms apart). Under steady load a waiter can keep waking
just after someone else took the lock again, and give up after the busy timeout
although every single write was short: the suite's 8 writers lost a few of 2,000
marks that way on a busy machine. Here a writer first takes an exclusive ``flock``
on ``<database>-writegate``: a blocked writer sleeps in the kernel and is woken the
moment the lock is released, so waiting is bounded by the writes queued ahead, not
by luck. The flock is dropped by the kernel if a process dies, so a crash never
leaves the gate shut. SQLite's own lock and busy timeout stay underneath for
anything outside the gate (the ``sqlite3`` shell, a backup).

A writer that still cannot get in within ``timeout`` seconds gets
``peewee.OperationalError("database is locked")``, which the web shell answers
with «попробуйте ещё раз» (503), exactly as if SQLite itself had timed out.
"""

from __future__ import annotations

import fcntl
import os
import threading

import peewee

WRITE_STATEMENTS = ("INSERT", "UPDATE", "DELETE", "REPLAC")


class WriteGate:
    """An exclusive, cross-process lock per thread's transaction, with a timed wait."""

    def __init__(self, path: str):
        self.path = path
        self._held = threading.local()

    @property
    def held(self) -> bool:
        return getattr(self._held, "fd", None) is not None

    def acquire(self, timeout: float) -> None:
        if self.held:
            return
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not _wait_for(fd, timeout):
                raise peewee.OperationalError("database is locked (waited for the write gate)") from None
        self._held.fd = fd

    def release(self) -> None:
        fd = getattr(self._held, "fd", None)
        if fd is not None:
            self._held.fd = None
            os.close(fd)  # closing the descriptor drops the flock


def _wait_for(fd: int, timeout: float) -> bool:
    """Block in ``flock`` on a helper thread, so the wait can end after ``timeout``; True once the lock is ours.

    On a timeout the helper keeps waiting and, when it finally gets the lock, closes
    ``fd`` at once, so an abandoned wait never holds the gate.
    """
    got, state = threading.Event(), {"abandoned": False}
    guard = threading.Lock()

    def wait() -> None:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with guard:
            if state["abandoned"]:
                os.close(fd)
                return
            got.set()

    threading.Thread(target=wait, name="eschool-writegate", daemon=True).start()
    got.wait(timeout)
    with guard:
        if got.is_set():
            return True
        state["abandoned"] = True
        return False


class WriteGateMixin:
    """Makes a peewee SQLite database class (plain or pooled) pass the ``WriteGate`` before every
    transaction and every autocommit write: ``class X(WriteGateMixin, PooledSqliteDatabase)``."""

    def __init__(self, database, *args, lock_timeout: float = 30.0, **kwargs):
        super().__init__(database, *args, **kwargs)
        self.lock_timeout = lock_timeout
        self.gate = WriteGate(f"{database}-writegate") if database and database != ":memory:" else None

    def begin(self, lock_type=None):
        if self.gate is None:
            return super().begin(lock_type)
        self.gate.acquire(self.lock_timeout)
        try:
            return super().begin(lock_type)
        except BaseException:
            self.gate.release()
            raise

    def commit(self):
        super().commit()
        self._release()

    def rollback(self):
        try:
            super().rollback()
        finally:
            self._release()

    def execute_sql(self, sql, params=None):
        if self.gate is None or self.gate.held or self.in_transaction() or not sql.lstrip()[:6].upper().startswith(
                WRITE_STATEMENTS):
            return super().execute_sql(sql, params)
        self.gate.acquire(self.lock_timeout)
        try:
            return super().execute_sql(sql, params)
        finally:
            self.gate.release()

    def close(self):
        try:
            return super().close()
        finally:
            self._release()

    def _release(self) -> None:
        if self.gate is not None and not self.in_transaction():
            self.gate.release()


class GatedSqliteDatabase(WriteGateMixin, peewee.SqliteDatabase):
    """``SqliteDatabase`` whose transactions and autocommit writes pass the ``WriteGate`` first."""
