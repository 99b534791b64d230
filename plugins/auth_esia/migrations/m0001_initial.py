"""Login attempts (OAuth state).

Frozen by tools/freeze_schema.py: the SQL this migration ran when it was written, never
regenerated; a later change of a model is a later migration.
"""

# ruff: noqa: E501 (the statements as they were run)

from core.api import apply_schema

SQLITE = [
    """CREATE TABLE IF NOT EXISTS "esia_login_attempt" (
        "id" INTEGER NOT NULL PRIMARY KEY,
        "state" VARCHAR(64) NOT NULL,
        "browser_hash" VARCHAR(64) NOT NULL,
        "next_url" VARCHAR(500) NOT NULL,
        "created_at" DATETIME NOT NULL,
        "used_at" DATETIME,
        "outcome" VARCHAR(40) NOT NULL)""",
    """CREATE UNIQUE INDEX IF NOT EXISTS "esia_login_attempt_state" ON "esia_login_attempt" ("state")""",
    """CREATE INDEX IF NOT EXISTS "esia_login_attempt_created_at" ON "esia_login_attempt" ("created_at")""",
]

POSTGRESQL = [
    """CREATE TABLE IF NOT EXISTS "esia_login_attempt" (
        "id" SERIAL NOT NULL PRIMARY KEY,
        "state" VARCHAR(64) NOT NULL,
        "browser_hash" VARCHAR(64) NOT NULL,
        "next_url" VARCHAR(500) NOT NULL,
        "created_at" TIMESTAMP NOT NULL,
        "used_at" TIMESTAMP,
        "outcome" VARCHAR(40) NOT NULL)""",
    """CREATE UNIQUE INDEX IF NOT EXISTS "esia_login_attempt_state" ON "esia_login_attempt" ("state")""",
    """CREATE INDEX IF NOT EXISTS "esia_login_attempt_created_at" ON "esia_login_attempt" ("created_at")""",
]


def upgrade(db):
    apply_schema(db, sqlite=SQLITE, postgresql=POSTGRESQL)
