"""Many new rows written straight to the driver in batches, their ids assigned up front.

For loads into tables nobody else writes at the time (the demo region, the
benchmark's data): peewee's ``insert_many`` builds a query tree per batch and
reads ids back, which costs more than the inserts. Here ids come from
``reserve`` (the table's largest id, then counting on), a batch of rows goes as
one ``executemany`` on SQLite or one ``COPY`` on PostgreSQL, and ``finish``
moves PostgreSQL's id sequences past the ids handed out::

    bulk = Bulk()
    with database.atomic():
        lesson_ids = bulk.reserve(Lesson, len(lessons))
        bulk.write(Lesson, [{"id": i, "assignment": a, "date": bulk.day(d), ...} for i, (a, d) in ...])
        bulk.finish()

Values go to the driver as they are (foreign keys as ints; ``day`` and
``moment`` give dates and timestamps in the stored form); a field left out of
the rows gets its default. Writes run only inside a transaction, as
``Prepared.many`` does: the driver's ``executemany`` and ``COPY`` go past
``execute_sql``, where an autocommit write would pass SQLite's write gate, and
a failed transaction leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import operator
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

import peewee

from core.db import database

CHUNK = 20_000


class Bulk:
    """Rows of new records for one database, written in batches of ``chunk`` rows.

    ``ids`` holds the last id handed out per table, ``counts`` the rows written per table.
    """

    def __init__(self, db: peewee.Database | None = None, chunk: int = CHUNK):
        self.db = db or database.obj
        self.pg = isinstance(self.db, peewee.PostgresqlDatabase)
        self.chunk = chunk
        self.ids: dict[str, int] = {}
        self.counts: dict[str, int] = defaultdict(int)
        self.reserved: set[str] = set()
        self._stored: dict[object, str] = {}

    # ids
    def reserve(self, model: type[peewee.Model] | str, count: int = 1) -> range:
        """``count`` new ids of the table (a model or its table name), after the largest one there or handed out."""
        table = model if isinstance(model, str) else model._meta.table_name
        if table not in self.ids:
            self.ids[table] = self.db.execute_sql(f'SELECT MAX("id") FROM "{table}"').fetchone()[0] or 0
        first = self.ids[table] + 1
        self.ids[table] += count
        self.reserved.add(table)
        return range(first, first + count)

    def new_id(self, model: type[peewee.Model] | str) -> int:
        """One new id of the table."""
        return self.reserve(model)[0]

    # values in the driver's form
    def day(self, value: dt.date | None) -> dt.date | str | None:
        """A date as the driver stores it (SQLite: its ISO text, made once per distinct date)."""
        if self.pg or value is None:
            return value
        found = self._stored.get(value)
        if found is None:
            found = self._stored[value] = value.isoformat()
        return found

    def moment(self, value: dt.datetime | dt.time | None) -> dt.datetime | dt.time | str | None:
        """A timestamp or a time of day as the driver stores it (SQLite: the text sqlite3 makes of it)."""
        if self.pg or value is None:
            return value
        found = self._stored.get(value)
        if found is None:
            found = self._stored[value] = value.isoformat(" ") if isinstance(value, dt.datetime) else str(value)
        return found

    def _stored_form(self, value: Any) -> Any:
        if self.pg:
            return value
        if isinstance(value, dt.datetime | dt.time):
            return self.moment(value)
        if isinstance(value, dt.date):
            return self.day(value)
        if isinstance(value, Decimal):
            return float(value)
        return value

    # rows
    def write(self, model: type[peewee.Model], rows: Iterable[Mapping[str, Any]] | Iterable[tuple],
              fields: Sequence[str] | None = None) -> None:
        """Write ``rows`` in batches: dicts of field names, or tuples in the order of ``fields``.

        Names are a field's (``lesson``) or its column's (``lesson_id``); a field left out gets its
        default, worked out once per call (a required field without one is an error). Inside a
        transaction only.
        """
        if not self.db.in_transaction():
            raise RuntimeError("a bulk write runs inside a transaction")
        rows = iter(rows)
        first = next(rows, None)
        if first is None:
            return
        if fields is None:
            fields = list(first)
            get = operator.itemgetter(*fields) if len(fields) > 1 else (lambda row: (row[fields[0]],))
            tuples: Iterator[tuple] = map(get, itertools.chain((first,), rows))
        else:
            tuples = itertools.chain((first,), rows)
        columns, defaults = self._columns(model, fields)
        table = model._meta.table_name
        names = ", ".join(f'"{c}"' for c in columns)
        cursor = self.db.cursor()
        while batch := list(itertools.islice(tuples, self.chunk)):
            if defaults:
                batch = [row + defaults for row in batch]
            if self.pg:
                with cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                    for row in batch:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" * len(columns))
                cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', batch)
            self.counts[table] += len(batch)

    def _columns(self, model: type[peewee.Model], given: Sequence[str]) -> tuple[list[str], tuple]:
        """The columns of ``given`` and of the fields left out, and the left-out fields' stored defaults."""
        meta = model._meta
        named = [meta.fields.get(name) or meta.columns[name] for name in given]
        columns = [f.column_name for f in named]
        defaults = []
        for field in meta.sorted_fields:
            if field.column_name in columns or field is meta.primary_key:
                continue
            default = field.default() if callable(field.default) else field.default
            if default is None and not field.null:
                raise ValueError(f"{meta.table_name}.{field.column_name} needs a value")
            columns.append(field.column_name)
            defaults.append(self._stored_form(field.db_value(default)))
        return columns, tuple(defaults)

    # the load around the rows
    @contextlib.contextmanager
    def without_indexes(self, *models: type[peewee.Model]) -> Iterator[None]:
        """Drop these tables' secondary indexes for the load and build them again after it, as a restore does;
        on PostgreSQL their foreign keys too (checked row by row they cost more than the ``COPY``; added back,
        they are checked once per table). Inside the load's transaction, a failed load rolls the drop back too."""
        tables = ", ".join(f"'{m._meta.table_name}'" for m in models)
        keys: list[tuple[str, str, str]] = []
        if self.pg:
            found = self.db.execute_sql(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                f"AND tablename IN ({tables}) AND indexname NOT IN (SELECT conname FROM pg_constraint)")
            keys = list(self.db.execute_sql(
                "SELECT c.relname, k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k "
                "JOIN pg_class c ON c.oid = k.conrelid WHERE k.contype = 'f' "
                f"AND c.relnamespace = current_schema()::regnamespace AND c.relname IN ({tables})").fetchall())
        else:
            found = self.db.execute_sql(
                f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ({tables}) "
                "AND sql IS NOT NULL")
        indexes = list(found.fetchall())
        for name, _ in indexes:
            self.db.execute_sql(f'DROP INDEX "{name}"')
        for table, name, _ in keys:
            self.db.execute_sql(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        yield
        if self.pg and self.db.in_transaction():  # sort in memory: the default spills large indexes to disk
            self.db.execute_sql("SET LOCAL maintenance_work_mem = '512MB'")
        for _, sql in indexes:
            self.db.execute_sql(sql)
        for table, name, definition in keys:
            self.db.execute_sql(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')

    def finish(self) -> None:
        """On PostgreSQL, move the id sequence of every table ids were reserved in past the last one."""
        if self.pg:
            for table in sorted(self.reserved):
                self.db.execute_sql("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)",
                                    (f'"{table}"', max(self.ids[table], 1)))
