"""Queries built once: a peewee query with named parameters, rendered to SQL once per kind of database.

Peewee rebuilds a query's tree and renders its SQL on every call (about a
hundred Python calls per query); on a page of a dozen queries that costs more
than running them. For the hot paths a query is written once, as usual, with
``Param("name")`` where a value changes from call to call::

    @prepared
    def marks_of_student():
        return (Mark.select(Mark, WorkType).join(WorkType)
                .where((Mark.student_id == Param("student"))
                       & Mark.lesson_date.between(Param("start"), Param("end"))))

    rows = marks_of_student(student=7, start=monday, end=friday)   # model rows, as the query would give

The SQL is rendered on the first call for each database class (SQLite and
PostgreSQL differ in quoting and placeholders) and kept; later calls only fill
the parameters in and wrap the cursor exactly as peewee's own ``execute``
would (model instances, ``.tuples()``, ``.dicts()`` or ``.objects()``). A
parameter is passed to the driver as it is (no field conversion), so give
plain ints, strings, dates and datetimes. A list parameter (``IN``) is not
supported: its SQL changes with its length; use a subquery instead.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import peewee

from core.db import database


class _Slot:
    """What a ``Param`` leaves among the rendered query's values: the name to fill in."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name


class Param(peewee.Node):
    """A named placeholder of a prepared query."""

    def __init__(self, name: str):
        self.name = name

    def __sql__(self, ctx):
        return ctx.value(_Slot(self.name), converter=False)


class Prepared:
    """A query built by ``build()`` once, its SQL rendered once per database class."""

    def __init__(self, build: Callable[[], Any]):
        self._build = build
        self._compiled: dict[type, tuple[Any, str, list[Any]]] = {}
        functools.update_wrapper(self, build)

    def compiled(self, db: peewee.Database | None = None) -> tuple[Any, str, list[Any]]:
        """``(query, sql, values)`` for ``db`` (the current app's by default); values hold ``_Slot``s."""
        db = db or database.obj
        found = self._compiled.get(type(db))
        if found is None:
            query = self._build()
            sql, values = query.sql()
            found = self._compiled[type(db)] = (query, sql, values)
        return found

    def cursor(self, **params: Any):
        """Run the statement with ``params`` and return the driver's cursor (for writes)."""
        db = database.obj
        _query, sql, values = self.compiled(db)
        return db.execute_sql(sql, [params[v.name] if isinstance(v, _Slot) else v for v in values])

    def __call__(self, **params: Any) -> list[Any]:
        """Run the query with ``params``; its rows as the built query would return them."""
        query, _sql, _values = self.compiled()
        return list(query._get_cursor_wrapper(self.cursor(**params)))

    def first(self, **params: Any) -> Any:
        """The first row or None (build the query with ``.limit(1)`` when one row is all you need)."""
        rows = self(**params)
        return rows[0] if rows else None


def prepared(build: Callable[[], Any]) -> Prepared:
    """Decorate a function returning a peewee query with ``Param``s; calling it runs the query."""
    return Prepared(build)
