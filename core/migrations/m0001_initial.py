"""Users, login identities, sessions, API tokens and the audit log.

Frozen by tools/freeze_schema.py: the SQL this migration ran when it was written, never
regenerated; a later change of a model is a later migration.
"""

# ruff: noqa: E501 (the statements as they were run)

from core.db import apply_schema

SQLITE = [
    """CREATE TABLE IF NOT EXISTS "user" (
        "id" INTEGER NOT NULL PRIMARY KEY,
        "display_name" VARCHAR(300) NOT NULL,
        "role" VARCHAR(40) NOT NULL,
        "is_blocked" INTEGER NOT NULL,
        "created_at" DATETIME NOT NULL)""",
    """CREATE INDEX IF NOT EXISTS "user_role" ON "user" ("role")""",
    """CREATE TABLE IF NOT EXISTS "api_token" (
        "id" INTEGER NOT NULL PRIMARY KEY,
        "user_id" INTEGER NOT NULL,
        "name" VARCHAR(100) NOT NULL,
        "token_hash" VARCHAR(64) NOT NULL,
        "created_at" DATETIME NOT NULL,
        "expires_at" DATETIME,
        "last_used_at" DATETIME,
        "revoked_at" DATETIME,
        FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE CASCADE)""",
    """CREATE INDEX IF NOT EXISTS "api_token_user_id" ON "api_token" ("user_id")""",
    """CREATE UNIQUE INDEX IF NOT EXISTS "api_token_token_hash" ON "api_token" ("token_hash")""",
    """CREATE TABLE IF NOT EXISTS "audit_record" (
        "id" INTEGER NOT NULL PRIMARY KEY,
        "at" DATETIME NOT NULL,
        "user_id" INTEGER,
        "role" VARCHAR(40) NOT NULL,
        "ip" VARCHAR(64) NOT NULL,
        "action" VARCHAR(80) NOT NULL,
        "object_type" VARCHAR(80) NOT NULL,
        "object_id" VARCHAR(80) NOT NULL,
        "result" VARCHAR(20) NOT NULL,
        "details" TEXT NOT NULL)""",
    """CREATE INDEX IF NOT EXISTS "audit_record_at" ON "audit_record" ("at")""",
    """CREATE INDEX IF NOT EXISTS "audit_record_user_id" ON "audit_record" ("user_id")""",
    """CREATE INDEX IF NOT EXISTS "audit_record_action" ON "audit_record" ("action")""",
    """CREATE INDEX IF NOT EXISTS "audit_record_object_id" ON "audit_record" ("object_id")""",
    """CREATE TABLE IF NOT EXISTS "login_identity" (
        "id" INTEGER NOT NULL PRIMARY KEY,
        "user_id" INTEGER NOT NULL,
        "provider" VARCHAR(40) NOT NULL,
        "subject" VARCHAR(200) NOT NULL,
        "linked_at" DATETIME NOT NULL,
        "last_login_at" DATETIME,
        FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE CASCADE)""",
    """CREATE INDEX IF NOT EXISTS "login_identity_user_id" ON "login_identity" ("user_id")""",
    """CREATE UNIQUE INDEX IF NOT EXISTS "login_identity_provider_subject" ON "login_identity" ("provider", "subject")""",
    """CREATE TABLE IF NOT EXISTS "user_session" (
        "id" INTEGER NOT NULL PRIMARY KEY,
        "token_hash" VARCHAR(64) NOT NULL,
        "user_id" INTEGER NOT NULL,
        "provider" VARCHAR(40) NOT NULL,
        "created_at" DATETIME NOT NULL,
        "expires_at" DATETIME NOT NULL,
        "last_seen_at" DATETIME NOT NULL,
        "revoked_at" DATETIME,
        "ip" VARCHAR(64) NOT NULL,
        "user_agent" VARCHAR(300) NOT NULL,
        "provider_data" TEXT NOT NULL,
        FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE CASCADE)""",
    """CREATE UNIQUE INDEX IF NOT EXISTS "user_session_token_hash" ON "user_session" ("token_hash")""",
    """CREATE INDEX IF NOT EXISTS "user_session_user_id" ON "user_session" ("user_id")""",
    """CREATE INDEX IF NOT EXISTS "user_session_revoked_at" ON "user_session" ("revoked_at")""",
]

POSTGRESQL = [
    """CREATE TABLE IF NOT EXISTS "user" (
        "id" SERIAL NOT NULL PRIMARY KEY,
        "display_name" VARCHAR(300) NOT NULL,
        "role" VARCHAR(40) NOT NULL,
        "is_blocked" BOOLEAN NOT NULL,
        "created_at" TIMESTAMP NOT NULL)""",
    """CREATE INDEX IF NOT EXISTS "user_role" ON "user" ("role")""",
    """CREATE TABLE IF NOT EXISTS "api_token" (
        "id" SERIAL NOT NULL PRIMARY KEY,
        "user_id" INTEGER NOT NULL,
        "name" VARCHAR(100) NOT NULL,
        "token_hash" VARCHAR(64) NOT NULL,
        "created_at" TIMESTAMP NOT NULL,
        "expires_at" TIMESTAMP,
        "last_used_at" TIMESTAMP,
        "revoked_at" TIMESTAMP,
        FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE CASCADE)""",
    """CREATE INDEX IF NOT EXISTS "api_token_user_id" ON "api_token" ("user_id")""",
    """CREATE UNIQUE INDEX IF NOT EXISTS "api_token_token_hash" ON "api_token" ("token_hash")""",
    """CREATE TABLE IF NOT EXISTS "audit_record" (
        "id" SERIAL NOT NULL PRIMARY KEY,
        "at" TIMESTAMP NOT NULL,
        "user_id" INTEGER,
        "role" VARCHAR(40) NOT NULL,
        "ip" VARCHAR(64) NOT NULL,
        "action" VARCHAR(80) NOT NULL,
        "object_type" VARCHAR(80) NOT NULL,
        "object_id" VARCHAR(80) NOT NULL,
        "result" VARCHAR(20) NOT NULL,
        "details" TEXT NOT NULL)""",
    """CREATE INDEX IF NOT EXISTS "audit_record_at" ON "audit_record" ("at")""",
    """CREATE INDEX IF NOT EXISTS "audit_record_user_id" ON "audit_record" ("user_id")""",
    """CREATE INDEX IF NOT EXISTS "audit_record_action" ON "audit_record" ("action")""",
    """CREATE INDEX IF NOT EXISTS "audit_record_object_id" ON "audit_record" ("object_id")""",
    """CREATE TABLE IF NOT EXISTS "login_identity" (
        "id" SERIAL NOT NULL PRIMARY KEY,
        "user_id" INTEGER NOT NULL,
        "provider" VARCHAR(40) NOT NULL,
        "subject" VARCHAR(200) NOT NULL,
        "linked_at" TIMESTAMP NOT NULL,
        "last_login_at" TIMESTAMP,
        FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE CASCADE)""",
    """CREATE INDEX IF NOT EXISTS "login_identity_user_id" ON "login_identity" ("user_id")""",
    """CREATE UNIQUE INDEX IF NOT EXISTS "login_identity_provider_subject" ON "login_identity" ("provider", "subject")""",
    """CREATE TABLE IF NOT EXISTS "user_session" (
        "id" SERIAL NOT NULL PRIMARY KEY,
        "token_hash" VARCHAR(64) NOT NULL,
        "user_id" INTEGER NOT NULL,
        "provider" VARCHAR(40) NOT NULL,
        "created_at" TIMESTAMP NOT NULL,
        "expires_at" TIMESTAMP NOT NULL,
        "last_seen_at" TIMESTAMP NOT NULL,
        "revoked_at" TIMESTAMP,
        "ip" VARCHAR(64) NOT NULL,
        "user_agent" VARCHAR(300) NOT NULL,
        "provider_data" TEXT NOT NULL,
        FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE CASCADE)""",
    """CREATE UNIQUE INDEX IF NOT EXISTS "user_session_token_hash" ON "user_session" ("token_hash")""",
    """CREATE INDEX IF NOT EXISTS "user_session_user_id" ON "user_session" ("user_id")""",
    """CREATE INDEX IF NOT EXISTS "user_session_revoked_at" ON "user_session" ("revoked_at")""",
]


def upgrade(db):
    apply_schema(db, sqlite=SQLITE, postgresql=POSTGRESQL)
