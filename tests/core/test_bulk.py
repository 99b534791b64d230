"""``core.bulk``: ids assigned up front, rows written in batches, nothing left when the transaction fails."""

from __future__ import annotations

import pytest

from core.bulk import Bulk
from core.db import MigrationRecord, database

pytestmark = pytest.mark.plugins()  # the core alone: its migration history is the table used here


@pytest.fixture
def history(app):
    with app.app_context():
        MigrationRecord.delete().execute()
        with database.atomic():
            MigrationRecord.create(plugin="a", name="m0")
        yield app


def _rows():
    return sorted(MigrationRecord.select(MigrationRecord.id, MigrationRecord.plugin, MigrationRecord.name).tuples())


def test_ids_follow_the_largest_and_rows_keep_them_with_defaults_filled(history):
    with history.app_context():
        start = MigrationRecord.select().first().id
        bulk = Bulk()
        with database.atomic():
            ids = bulk.reserve(MigrationRecord, 2)
            bulk.write(MigrationRecord, [{"id": i, "plugin": "b", "name": f"m{i}"} for i in ids])
            third = bulk.new_id("migration_history")
            bulk.write(MigrationRecord, [(third, "c", "x")], fields=["id", "plugin", "name"])
            bulk.finish()
        assert list(ids) == [start + 1, start + 2] and third == start + 3
        assert _rows() == [(start, "a", "m0"), (start + 1, "b", f"m{start + 1}"), (start + 2, "b", f"m{start + 2}"),
                           (start + 3, "c", "x")]
        assert all(r.applied_at is not None for r in MigrationRecord.select())
        with database.atomic():
            assert MigrationRecord.create(plugin="d", name="after").id == start + 4  # the sequence moved on


def test_rows_are_written_batch_by_batch(history):
    seen = []
    with history.app_context():
        bulk = Bulk(chunk=2)

        def rows():
            for i in range(5):
                seen.append(MigrationRecord.select().count())  # what the table holds when the row is asked for
                yield {"id": bulk.new_id(MigrationRecord), "plugin": "b", "name": str(i)}

        with database.atomic():
            bulk.write(MigrationRecord, rows())
        assert seen == [1, 1, 3, 3, 5]
        assert bulk.counts["migration_history"] == 5


def test_nothing_is_written_when_the_transaction_fails(history):
    with history.app_context():
        bulk = Bulk()
        with pytest.raises(LookupError), database.atomic():
            bulk.write(MigrationRecord, [{"id": i, "plugin": "b", "name": str(i)}
                                         for i in bulk.reserve(MigrationRecord, 3)])
            raise LookupError("the load failed")
        assert [r[1] for r in _rows()] == ["a"]
        with pytest.raises(RuntimeError):
            bulk.write(MigrationRecord, [{"id": bulk.new_id(MigrationRecord), "plugin": "b", "name": "y"}])
