"""School-issued credentials and the login attempts that throttle guessing.

Frozen by tools/freeze_schema.py: the SQL this migration ran when it was written, never
regenerated; a later change of a model is a later migration.
"""

# ruff: noqa: E501 (the statements as they were run)

from core.api import apply_schema

SQLITE = [
    """CREATE TABLE IF NOT EXISTS "local_credential" (
        "id" INTEGER NOT NULL PRIMARY KEY,
        "user_id" INTEGER NOT NULL,
        "login" VARCHAR(64) NOT NULL,
        "password_hash" VARCHAR(255) NOT NULL,
        "is_temporary" INTEGER NOT NULL,
        "expires_at" DATETIME,
        "issued_at" DATETIME NOT NULL,
        "issued_by" INTEGER,
        "changed_at" DATETIME,
        "failures_reset_at" DATETIME,
        FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE CASCADE)""",
    """CREATE UNIQUE INDEX IF NOT EXISTS "local_credential_user_id" ON "local_credential" ("user_id")""",
    """CREATE UNIQUE INDEX IF NOT EXISTS "local_credential_login" ON "local_credential" ("login")""",
    """CREATE TABLE IF NOT EXISTS "local_login_attempt" (
        "id" INTEGER NOT NULL PRIMARY KEY,
        "at" DATETIME NOT NULL,
        "login" VARCHAR(64) NOT NULL,
        "ip" VARCHAR(64) NOT NULL,
        "outcome" VARCHAR(12) NOT NULL)""",
    """CREATE INDEX IF NOT EXISTS "local_login_attempt_login_at" ON "local_login_attempt" ("login", "at")""",
    """CREATE INDEX IF NOT EXISTS "local_login_attempt_ip_at" ON "local_login_attempt" ("ip", "at")""",
]

POSTGRESQL = [
    """CREATE TABLE IF NOT EXISTS "local_credential" (
        "id" SERIAL NOT NULL PRIMARY KEY,
        "user_id" INTEGER NOT NULL,
        "login" VARCHAR(64) NOT NULL,
        "password_hash" VARCHAR(255) NOT NULL,
        "is_temporary" BOOLEAN NOT NULL,
        "expires_at" TIMESTAMP,
        "issued_at" TIMESTAMP NOT NULL,
        "issued_by" INTEGER,
        "changed_at" TIMESTAMP,
        "failures_reset_at" TIMESTAMP,
        FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE CASCADE)""",
    """CREATE UNIQUE INDEX IF NOT EXISTS "local_credential_user_id" ON "local_credential" ("user_id")""",
    """CREATE UNIQUE INDEX IF NOT EXISTS "local_credential_login" ON "local_credential" ("login")""",
    """CREATE TABLE IF NOT EXISTS "local_login_attempt" (
        "id" SERIAL NOT NULL PRIMARY KEY,
        "at" TIMESTAMP NOT NULL,
        "login" VARCHAR(64) NOT NULL,
        "ip" VARCHAR(64) NOT NULL,
        "outcome" VARCHAR(12) NOT NULL)""",
    """CREATE INDEX IF NOT EXISTS "local_login_attempt_login_at" ON "local_login_attempt" ("login", "at")""",
    """CREATE INDEX IF NOT EXISTS "local_login_attempt_ip_at" ON "local_login_attempt" ("ip", "at")""",
]


def upgrade(db):
    apply_schema(db, sqlite=SQLITE, postgresql=POSTGRESQL)
