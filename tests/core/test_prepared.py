"""``core.prepared``: a query's SQL rendered once, its rows as peewee would give them (both databases)."""

from __future__ import annotations

import pytest

from core.db import MigrationRecord
from core.prepared import Param, prepared

pytestmark = pytest.mark.plugins()  # the core alone: its migration history is the table used here


@pytest.fixture
def history(app):
    with app.app_context():
        MigrationRecord.delete().execute()
        MigrationRecord.insert_many([{"plugin": p, "name": f"m{i}"} for p in ("a", "b", "c") for i in range(4)]
                                    ).execute()
        yield app


def _names(plugin, first, last):
    return (MigrationRecord.select(MigrationRecord.plugin, MigrationRecord.name)
            .where((MigrationRecord.plugin == plugin) & MigrationRecord.name.between(first, last))
            .order_by(MigrationRecord.name).tuples())


def test_a_prepared_query_gives_the_rows_of_the_same_query_and_is_built_once(history):
    built = []

    @prepared
    def names():
        built.append(1)
        return _names(Param("plugin"), Param("first"), Param("last"))

    with history.app_context():
        assert names(plugin="b", first="m1", last="m2") == list(_names("b", "m1", "m2")) == [("b", "m1"), ("b", "m2")]
        assert names(plugin="c", first="m3", last="m9") == [("c", "m3")]
        assert names.first(plugin="x", first="m0", last="m9") is None
    assert built == [1]


def test_a_list_parameter_is_expanded_per_length_and_keeps_the_order_of_the_others(history):
    @prepared
    def among():
        return (MigrationRecord.select(MigrationRecord.plugin, MigrationRecord.name)
                .where((MigrationRecord.name >= Param("from")) & MigrationRecord.plugin.in_(Param("plugins", many=True))
                       & (MigrationRecord.name <= Param("to")))
                .order_by(MigrationRecord.plugin, MigrationRecord.name).tuples())

    with history.app_context():
        assert among(plugins=["a", "c"], **{"from": "m2", "to": "m3"}) == [
            ("a", "m2"), ("a", "m3"), ("c", "m2"), ("c", "m3")]
        assert among(plugins=("b",), **{"from": "m0", "to": "m0"}) == [("b", "m0")]
        assert among(plugins=iter(["c", "b", "zz"]), **{"from": "m3", "to": "m3"}) == [("b", "m3"), ("c", "m3")]
        assert among(plugins=[], **{"from": "m0", "to": "m9"}) == []  # an empty list matches nothing
        lengths = sorted(key[1] for key in among._expanded)
    assert lengths == [(0,), (1,), (2,), (3,)]  # one statement per length of the list, not per call


def test_rows_keep_their_python_types_and_plain_columns_skip_conversion(history):
    import datetime as dt

    @prepared
    def rows():
        return (MigrationRecord.select(MigrationRecord.id, MigrationRecord.plugin, MigrationRecord.applied_at)
                .where(MigrationRecord.plugin == Param("plugin")).order_by(MigrationRecord.id).tuples())

    with history.app_context():
        first = rows(plugin="a")
        again = rows(plugin="b")  # the second call reuses the column set-up of the first
        (kept,) = rows._columns.values()
    for found in (first, again):
        assert len(found) == 4
        assert all(type(i) is int and type(p) is str and type(at) is dt.datetime for i, p, at in found)
    assert [c is None for c in kept["converters"]] == [True, True, False]  # id and plugin as the driver gives them


def test_a_prepared_write_runs_for_many_rows_in_one_go_inside_a_transaction_only(history):
    import datetime as dt

    @prepared
    def record():
        return MigrationRecord.insert(plugin=Param("plugin"), name=Param("name"), applied_at=dt.datetime(2026, 1, 1))

    with history.app_context():
        db = history.extensions["eschool_db"]
        with pytest.raises(RuntimeError, match="transaction"):
            record.many([{"plugin": "z", "name": "m0"}])
        with db.atomic():
            record.many([{"plugin": "z", "name": f"m{i}"} for i in range(3)])
            record.many([])
        found = list(MigrationRecord.select(MigrationRecord.name, MigrationRecord.applied_at)
                     .where(MigrationRecord.plugin == "z").order_by(MigrationRecord.name).tuples())
    assert found == [(f"m{i}", dt.datetime(2026, 1, 1)) for i in range(3)]


def test_dates_and_moments_come_back_as_peewee_reads_them(app):
    """The lean converters of date and date-time columns give what peewee's own give, for every stored form."""
    import datetime as dt

    import peewee

    from core.db import BaseModel, database

    class Sample(BaseModel):
        day = peewee.DateField(null=True)
        at = peewee.DateTimeField(null=True)

        class Meta:
            table_name = "prepared_sample"

    @prepared
    def samples():
        return Sample.select(Sample.id, Sample.day, Sample.at).order_by(Sample.id).tuples()

    with app.app_context():
        Sample.create_table()
        try:
            Sample.insert_many([
                {"day": dt.date(2026, 12, 3), "at": dt.datetime(2026, 12, 3, 10, 0, 0, 123456)},
                {"day": dt.date(2027, 1, 1), "at": dt.datetime(2027, 1, 1, 0, 0)},
                {"day": None, "at": None},
            ]).execute()
            if isinstance(database.obj, peewee.SqliteDatabase):  # stored text in the other forms peewee accepts
                database.obj.execute_sql("INSERT INTO prepared_sample (day, at) VALUES (?, ?), (?, ?)",
                                         ["2026-12-03 00:00:00", "2026-12-03T10:00:00Z",
                                          "not a day", "2026-12-03 10:00:00+03:00"])
            found, expected = samples(), list(Sample.select(Sample.id, Sample.day, Sample.at)
                                             .order_by(Sample.id).tuples())
            converters = next(iter(samples._columns.values()))["converters"]
        finally:
            Sample.drop_table()
    assert found == expected and [type(v) for v in found[0]] == [int, dt.date, dt.datetime]
    assert found[0][2] == dt.datetime(2026, 12, 3, 10, 0, 0, 123456) and found[2][1:] == (None, None)
    assert converters[0] is None and all(c is not None and c.__qualname__.endswith("convert") for c in converters[1:])
