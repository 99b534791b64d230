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
plain ints, strings, dates and datetimes. A list for ``IN`` is a
``Param("ids", many=True)`` used as ``field.in_(Param("ids", many=True))``: the
statement is kept per length of the list (an empty list matches nothing).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

import peewee

from core.db import database


class _Slot:
    """What a ``Param`` leaves among the rendered query's values: the name to fill in."""

    __slots__ = ("name", "many")

    def __init__(self, name: str, many: bool = False):
        self.name = name
        self.many = many

    @property
    def marker(self) -> str:
        """Where a list's placeholders go in the rendered SQL (replaced before it runs)."""
        return f"\x00{self.name}\x00"


_UNBOUND = object()
_compiling: contextvars.ContextVar[bool] = contextvars.ContextVar("eschool_prepared_compiling", default=False)


class Param(peewee.Node):
    """A named placeholder of a prepared query; ``many=True``: a list, as the right side of ``in_``.

    ``Param(name, value)`` also carries a value: in an ordinary query it is just that value, and in a
    prepared one a placeholder filled in on each call (a policy ``Scope``'s params work this way).
    """

    def __init__(self, name: str, value: Any = _UNBOUND, many: bool = False):
        self.name = name
        self.value = value
        self.many = many

    def __sql__(self, ctx):
        if self.value is not _UNBOUND and not _compiling.get():
            return ctx.value(self.value, converter=False)
        if not self.many:
            return ctx.value(_Slot(self.name), converter=False)
        slot = _Slot(self.name, many=True)
        ctx.literal(f"({slot.marker})")
        ctx._values.append(slot)  # peewee's Context keeps a query's parameters here
        return ctx


class Prepared:
    """A query built by ``build()`` once, its SQL rendered once per database class."""

    def __init__(self, build: Callable[[], Any]):
        self._build = build
        self._compiled: dict[type, tuple[Any, str, list[Any]]] = {}
        self._expanded: dict[tuple, str] = {}  # (database class, lengths of the lists) -> SQL
        self._variants: dict[Any, Prepared] = {}
        self._columns: dict[type, dict[str, Any]] = {}  # per database class: the cursor wrapper's column set-up
        functools.update_wrapper(self, build)

    def compiled(self, db: peewee.Database | None = None) -> tuple[Any, str, list[Any]]:
        """``(query, sql, values)`` for ``db`` (the current app's by default); values hold ``_Slot``s."""
        db = db or database.obj
        found = self._compiled.get(type(db))
        if found is None:
            query = self._build()
            token = _compiling.set(True)
            try:
                sql, values = query.sql()
            finally:
                _compiling.reset(token)
            found = self._compiled[type(db)] = (query, sql, values)
        return found

    def build(self) -> Any:
        """A new peewee query of this statement, to refine (its ``Param``s still to be filled in)."""
        return self._build()

    def variant(self, key: Any, build: Callable[[], Any]) -> "Prepared":
        """The prepared statement ``build()`` gives, kept under ``key`` (say, this query through a scope)."""
        found = self._variants.get(key)
        if found is None:
            found = Prepared(build)
            if len(self._variants) < 256:  # a few kinds of scope are common; do not keep every one
                self._variants[key] = found
        return found

    def cursor(self, **params: Any):
        """Run the statement with ``params`` and return the driver's cursor (for writes)."""
        db = database.obj
        _query, sql, values = self.compiled(db)
        args: list[Any] = []
        lengths: list[int] = []
        for v in values:
            if not isinstance(v, _Slot):
                args.append(v)
            elif v.many:
                items = list(params[v.name])
                lengths.append(len(items))
                args.extend(items)
            else:
                args.append(params[v.name])
        if lengths:
            sql = self._with_lists(db, sql, values, tuple(lengths))
        return db.execute_sql(sql, args)

    def _with_lists(self, db: peewee.Database, sql: str, values: list[Any], lengths: tuple[int, ...]) -> str:
        key = (type(db), lengths)
        found = self._expanded.get(key)
        if found is None:
            found = sql
            marks = iter(lengths)
            for v in values:
                if isinstance(v, _Slot) and v.many:
                    n = next(marks)
                    found = found.replace(v.marker, ", ".join([db.param] * n) if n else "NULL", 1)
            if len(self._expanded) < 256:  # a few list lengths are common; do not keep every one
                self._expanded[key] = found
        return found

    def many(self, rows: list[dict[str, Any]]) -> None:
        """Run this write once per row (a dict of its ``Param`` values) in one ``executemany``.

        Only inside a transaction: the driver's ``executemany`` goes past ``execute_sql``, where an
        autocommit write would pass SQLite's write gate (``core.writegate``); a transaction passed it at
        ``BEGIN``. No list parameters here.
        """
        if not rows:
            return
        db = database.obj
        if not db.in_transaction():
            raise RuntimeError("a prepared write of many rows runs inside a transaction")
        _query, sql, values = self.compiled(db)
        names = [v.name if isinstance(v, _Slot) else None for v in values]
        db.cursor().executemany(sql, [[row[n] if n is not None else v for n, v in zip(names, values, strict=True)]
                                      for row in rows])

    def __call__(self, **params: Any) -> list[Any]:
        """Run the query with ``params``; its rows as the built query would return them.

        The rows are fetched at once and made by peewee's own cursor wrapper; what the wrapper works
        out from the statement's columns (which field converts which column) is worked out on the
        first call and kept, as the SQL is.
        """
        db = database.obj
        query, _sql, _values = self.compiled(db)
        cursor = self.cursor(**params)
        wrapper = query._get_cursor_wrapper(cursor)
        rows = cursor.fetchall()
        if not rows:
            cursor.close()
            return []
        known = self._columns.get(type(db))
        if known is None:
            before = set(vars(wrapper))
            wrapper.initialize()  # reads the open cursor's description
            _skip_plain_converters(wrapper)
            known = {k: v for k, v in vars(wrapper).items() if k not in before}
            self._columns[type(db)] = known
        else:
            vars(wrapper).update(known)
        cursor.close()
        process = wrapper.process_row
        return [process(row) for row in rows]

    def first(self, **params: Any) -> Any:
        """The first row or None (build the query with ``.limit(1)`` when one row is all you need)."""
        rows = self(**params)
        return rows[0] if rows else None


_PLAIN_ADAPTERS = (peewee.IntegerField.adapt, peewee.CharField.adapt)


def _as_the_driver_gives(field: peewee.Field) -> bool:
    """True for an integer or text field (or a key to one): both drivers already give its Python value."""
    while isinstance(field, peewee.ForeignKeyField):
        field = field.rel_field
    kind = type(field)
    return kind.python_value is peewee.Field.python_value and kind.adapt in _PLAIN_ADAPTERS


def _day_from_text(python_value: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A date column's converter: SQLite's ``"2026-12-03"`` read in C; anything else as peewee reads it."""
    def convert(value: Any) -> Any:
        if type(value) is str and len(value) == 10:
            try:
                return _date_from_iso(value)
            except ValueError:
                pass
        return python_value(value)
    return convert


def _moment_from_text(python_value: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A date-time column's converter: SQLite's ``"2026-12-03 10:00:00.123456"`` read in C (as peewee's own
    first attempt does, less its string surgery); anything else as peewee reads it."""
    def convert(value: Any) -> Any:
        if type(value) is str:
            try:
                return _moment_from_iso(value)
            except ValueError:
                pass
        return python_value(value)
    return convert


_date_from_iso, _moment_from_iso = dt.date.fromisoformat, dt.datetime.fromisoformat
_LEAN = ((peewee.DateTimeField, _moment_from_text), (peewee.DateField, _day_from_text))


def _skip_plain_converters(wrapper: Any) -> None:
    """Leave out the per-value ``int()`` / ``str()`` calls of integer and text columns, and read dates and
    moments without peewee's detour (a flat row's wrapper only: the wrapper of a joined query works its column
    plan out from the converters as they are)."""
    if isinstance(wrapper, peewee.ModelCursorWrapper) or not hasattr(wrapper, "convert"):
        return
    converters = wrapper.converters
    for i, field in enumerate(wrapper.fields):
        if converters[i] is None or field is None or converters[i] != field.python_value:
            continue
        if _as_the_driver_gives(field):
            converters[i] = None
            continue
        lean = next((make for kind, make in _LEAN if type(field) is kind), None)
        if lean is not None:
            converters[i] = lean(field.python_value)
    wrapper.no_convert = [i for i, c in enumerate(converters) if c is None]
    wrapper.convert = [i for i, c in enumerate(converters) if c is not None]


def prepared(build: Callable[[], Any]) -> Prepared:
    """Decorate a function returning a peewee query with ``Param``s; calling it runs the query."""
    return Prepared(build)
