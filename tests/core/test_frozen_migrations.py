"""Migrations are frozen: each runs the SQL it ran when it was written, and together they build exactly the
tables the models describe today — so an old database upgrades to the same schema a new one gets, and a model
changed without a migration fails here."""

from __future__ import annotations

import ast
from pathlib import Path

import peewee

from core.plugins import installed_plugins, per_plugin

ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS = sorted([*ROOT.glob("core/migrations/m*.py"), *ROOT.glob("plugins/*/migrations/m*.py")])


def test_no_migration_builds_todays_models():
    assert len(MIGRATIONS) >= 10
    for path in MIGRATIONS:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = [node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
        imported += [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
        current = [name for name in imported if name and (name.endswith(".models") or name in (
            "core.ratelimit", "core.models"))]
        assert current == [], f"{path.relative_to(ROOT)} imports today's models: freeze it (tools/freeze_schema.py)"


def schema(db: peewee.Database, tables: list[str], namespace: str | None = None) -> dict[str, object]:
    """Columns (name, type, null, primary key), indexes (columns, unique) and foreign keys of ``tables``.

    Index names are left out: peewee derives them, and one frozen migration named its indexes after the class.
    """
    out = {}
    for table in tables:
        columns = sorted((c.name, c.data_type.upper(), c.null, c.primary_key)
                         for c in db.get_columns(table, namespace))
        indexes = sorted((tuple(i.columns), i.unique) for i in db.get_indexes(table, namespace))
        keys = sorted((k.column, k.dest_table, k.dest_column) for k in db.get_foreign_keys(table, namespace))
        out[table] = {"columns": columns, "indexes": indexes, "foreign_keys": keys}
    return out


def test_the_migrations_build_exactly_the_tables_the_models_describe(make_app):
    app = make_app(sorted(installed_plugins()))  # every plugin's migrations, from an empty database
    db = app.extensions["eschool_db"]
    models = [model for group in per_plugin(app.extensions["eschool"].pm, "models").values() for model in group or []]
    with app.app_context():
        migrated_tables = sorted(t for t in db.get_tables() if t != "migration_history")
        migrated = schema(db, migrated_tables)
        owned = sorted(m._meta.table_name for m in models)
        assert migrated_tables == owned, "a table no plugin's models() names, or a model no migration builds"
        # the same models created from today's classes (PostgreSQL: in a schema of their own, rolled back)
        with db.atomic() as transaction:
            fresh = _created_from_models(db, models)
            transaction.rollback()
    assert migrated == fresh


def _created_from_models(db: peewee.Database, models: list[type]) -> dict[str, object]:
    """The schema ``create_tables(models)`` makes on an empty database of ``db``'s kind."""
    if isinstance(db, peewee.SqliteDatabase):
        other = peewee.SqliteDatabase(":memory:", pragmas={"foreign_keys": 1})
        with other.bind_ctx(models):
            other.create_tables(models)
            return schema(other, sorted(m._meta.table_name for m in models))
    db.execute_sql('CREATE SCHEMA "frozen_check"')
    db.execute_sql('SET LOCAL search_path TO "frozen_check"')
    with db.bind_ctx(models):
        db.create_tables(models)
        return schema(db, sorted(m._meta.table_name for m in models), "frozen_check")
