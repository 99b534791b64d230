"""gunicorn settings shared by the bench's three servers (bare, floor, eschool): counts per worker.

Each worker counts the SQL statements its database drivers run (``sqlite3``:
a trace callback on every connection, so PRAGMAs, BEGIN and COMMIT count too;
``psycopg``: every ``Cursor.execute``, and each parameter set of
``executemany``) and the requests it served, and publishes both after every
request in a 16-byte file ``$BENCH_COUNT_DIR/<pid>`` (memory-mapped), which the
bench reads between rounds. Nothing in eschool changes: the drivers are wrapped
in the worker before the app is imported.
"""

import itertools
import mmap
import os
import struct

_statements = itertools.count()
_requests = itertools.count()
_state = {}


def _count_statement(*_):
    next(_statements)


def post_fork(server, worker):
    import sqlite3

    connect = sqlite3.connect

    def counting_connect(*args, **kwargs):
        conn = connect(*args, **kwargs)
        conn.set_trace_callback(_count_statement)
        return conn

    sqlite3.connect = counting_connect
    try:
        import psycopg
    except ImportError:
        psycopg = None
    if psycopg is not None:
        execute, executemany = psycopg.Cursor.execute, psycopg.Cursor.executemany

        def counting_execute(self, *args, **kwargs):
            next(_statements)
            return execute(self, *args, **kwargs)

        def counting_executemany(self, query, params_seq, *args, **kwargs):
            params_seq = list(params_seq)
            for _ in params_seq:
                next(_statements)
            return executemany(self, query, params_seq, *args, **kwargs)

        psycopg.Cursor.execute = counting_execute
        psycopg.Cursor.executemany = counting_executemany
    folder = os.environ.get("BENCH_COUNT_DIR")
    if folder:
        path = os.path.join(folder, str(os.getpid()))
        with open(path, "wb") as fh:
            fh.write(b"\0" * 16)
        fd = os.open(path, os.O_RDWR)
        _state["map"] = mmap.mmap(fd, 16)
        os.close(fd)


def _now(counter) -> int:
    # itertools.count has no peek: its repr carries the next value
    return int(repr(counter)[6:-1])


def post_request(worker, req, environ, resp):
    next(_requests)
    shared = _state.get("map")
    if shared is not None:
        struct.pack_into("qq", shared, 0, _now(_statements), _now(_requests))
