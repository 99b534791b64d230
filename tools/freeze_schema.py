"""Print the DDL that ``create_tables(models)`` runs today, for SQLite and PostgreSQL, as a frozen migration.

    python tools/freeze_schema.py plugins.gradebook.models:GRADEBOOK_MODELS "Docstring" > m0001_initial.py
    python tools/freeze_schema.py plugins.auth_esia.models:EsiaLoginAttempt "Docstring"  # models, comma-separated

A migration must build the tables as they were when it was written, whatever the models say later
(docs/writing-a-plugin.md, "Migrations"): its SQL is written out once, here, and never regenerated. A later
change of a model is a new migration; ``tests/core/test_frozen_migrations.py`` fails until there is one.
"""

from __future__ import annotations

import importlib
import sys

import peewee


def recording(base: type[peewee.Database]) -> peewee.Database:
    """A database of ``base``'s dialect that keeps the statements instead of running them."""

    class Recorder(base):
        def execute_sql(self, sql, params=None, *args, **kwargs):
            if params:
                raise SystemExit(f"a statement with parameters cannot be frozen: {sql} {params}")
            self.statements.append(sql)

    db = Recorder(None)
    db.statements = []
    db.init("frozen")
    return db


def statements(models: list[type], base: type[peewee.Database]) -> list[str]:
    db = recording(base)
    with db.bind_ctx(models):
        db.create_tables(models)
    return db.statements


def layout(sql: str) -> str:
    """One column or constraint of a ``CREATE TABLE`` per line, for a reader of the migration."""
    out, depth = [], 0
    for index, char in enumerate(sql):
        if char == "(":
            depth += 1
            out.append(char + ("\n        " if depth == 1 and sql.startswith("CREATE TABLE") else ""))
            continue
        if char == ")":
            depth -= 1
        if char == " " and depth == 1 and sql[index - 1] == "," and sql.startswith("CREATE TABLE"):
            out.append("\n        ")
            continue
        out.append(char)
    return "".join(out)


def literal(name: str, items: list[str]) -> str:
    body = "".join(f'    """{layout(sql)}""",\n' for sql in items)
    return f"{name} = [\n{body}]\n"


def main(target: str, doc: str = "") -> None:
    module, _, attribute = target.partition(":")
    found = [getattr(importlib.import_module(module), name) for name in attribute.split(",")]
    models = [m for item in found for m in (item if isinstance(item, list | tuple) else [item])]
    print(f'"""{doc or "The first tables"}.\n\nFrozen by tools/freeze_schema.py: the SQL this migration ran when '
          'it was written, never\nregenerated; a later change of a model is a later migration.\n"""\n')
    print("# ruff: noqa: E501 (the statements as they were run)\n")
    print("from core.api import apply_schema\n")
    print(literal("SQLITE", statements(models, peewee.SqliteDatabase)))
    print(literal("POSTGRESQL", statements(models, peewee.PostgresqlDatabase)))
    print("\ndef upgrade(db):\n    apply_schema(db, sqlite=SQLITE, postgresql=POSTGRESQL)")


if __name__ == "__main__":
    main(*sys.argv[1:])
