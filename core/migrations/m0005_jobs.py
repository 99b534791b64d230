"""Background jobs (core.jobs): long work, its progress and its kept result.

Frozen by tools/freeze_schema.py: the SQL this migration ran when it was written, never
regenerated; a later change of a model is a later migration.
"""

# ruff: noqa: E501 (the statements as they were run)

from core.db import apply_schema

SQLITE = [
    """CREATE TABLE IF NOT EXISTS "job" (
        "id" INTEGER NOT NULL PRIMARY KEY,
        "kind" VARCHAR(80) NOT NULL,
        "owner_id" INTEGER NOT NULL,
        "session_id" INTEGER,
        "ip" VARCHAR(64) NOT NULL,
        "params" TEXT NOT NULL,
        "state" VARCHAR(20) NOT NULL,
        "done" INTEGER NOT NULL,
        "total" INTEGER NOT NULL,
        "stage" VARCHAR(200) NOT NULL,
        "error" TEXT NOT NULL,
        "payload" BLOB,
        "result" BLOB,
        "result_name" VARCHAR(200) NOT NULL,
        "result_type" VARCHAR(100) NOT NULL,
        "encrypted" INTEGER NOT NULL,
        "created_at" DATETIME NOT NULL,
        "started_at" DATETIME,
        "finished_at" DATETIME,
        "expires_at" DATETIME,
        "lease_until" DATETIME,
        "claimed_by" VARCHAR(120) NOT NULL,
        "attempts" INTEGER NOT NULL)""",
    """CREATE INDEX IF NOT EXISTS "job_owner_id" ON "job" ("owner_id")""",
    """CREATE INDEX IF NOT EXISTS "job_state_id" ON "job" ("state", "id")""",
]

POSTGRESQL = [
    """CREATE TABLE IF NOT EXISTS "job" (
        "id" SERIAL NOT NULL PRIMARY KEY,
        "kind" VARCHAR(80) NOT NULL,
        "owner_id" INTEGER NOT NULL,
        "session_id" INTEGER,
        "ip" VARCHAR(64) NOT NULL,
        "params" TEXT NOT NULL,
        "state" VARCHAR(20) NOT NULL,
        "done" INTEGER NOT NULL,
        "total" INTEGER NOT NULL,
        "stage" VARCHAR(200) NOT NULL,
        "error" TEXT NOT NULL,
        "payload" BYTEA,
        "result" BYTEA,
        "result_name" VARCHAR(200) NOT NULL,
        "result_type" VARCHAR(100) NOT NULL,
        "encrypted" BOOLEAN NOT NULL,
        "created_at" TIMESTAMP NOT NULL,
        "started_at" TIMESTAMP,
        "finished_at" TIMESTAMP,
        "expires_at" TIMESTAMP,
        "lease_until" TIMESTAMP,
        "claimed_by" VARCHAR(120) NOT NULL,
        "attempts" INTEGER NOT NULL)""",
    """CREATE INDEX IF NOT EXISTS "job_owner_id" ON "job" ("owner_id")""",
    """CREATE INDEX IF NOT EXISTS "job_state_id" ON "job" ("state", "id")""",
]


def upgrade(db):
    apply_schema(db, sqlite=SQLITE, postgresql=POSTGRESQL)
