"""The API rate limit's counters (``core.ratelimit``): hits per token or address and minute.

Frozen by tools/freeze_schema.py: the SQL this migration ran when it was written, never
regenerated; a later change of a model is a later migration.
"""

# ruff: noqa: E501 (the statements as they were run)

from core.db import apply_schema

SQLITE = [
    """CREATE TABLE IF NOT EXISTS "api_rate_window" (
        "id" INTEGER NOT NULL PRIMARY KEY,
        "key" VARCHAR(100) NOT NULL,
        "window" INTEGER NOT NULL,
        "hits" INTEGER NOT NULL)""",
    """CREATE UNIQUE INDEX IF NOT EXISTS "api_rate_window_key_window" ON "api_rate_window" ("key", "window")""",
]

POSTGRESQL = [
    """CREATE TABLE IF NOT EXISTS "api_rate_window" (
        "id" SERIAL NOT NULL PRIMARY KEY,
        "key" VARCHAR(100) NOT NULL,
        "window" BIGINT NOT NULL,
        "hits" INTEGER NOT NULL)""",
    """CREATE UNIQUE INDEX IF NOT EXISTS "api_rate_window_key_window" ON "api_rate_window" ("key", "window")""",
]


def upgrade(db):
    apply_schema(db, sqlite=SQLITE, postgresql=POSTGRESQL)
