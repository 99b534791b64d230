"""The absence notes table.

Frozen by tools/freeze_schema.py: the SQL this migration ran when it was written, never
regenerated; a later change of a model is a later migration.
"""

# ruff: noqa: E501 (the statements as they were run)

from core.api import apply_schema

SQLITE = [
    """CREATE TABLE IF NOT EXISTS "absence_note" (
        "id" INTEGER NOT NULL PRIMARY KEY,
        "student_id" INTEGER NOT NULL,
        "school_id" INTEGER NOT NULL,
        "class_id" INTEGER,
        "parent_user_id" INTEGER NOT NULL,
        "starts_on" DATE NOT NULL,
        "ends_on" DATE NOT NULL,
        "reason" VARCHAR(20) NOT NULL,
        "comment" TEXT NOT NULL,
        "file_stored" VARCHAR(100) NOT NULL,
        "file_name" VARCHAR(200) NOT NULL,
        "file_type" VARCHAR(50) NOT NULL,
        "status" VARCHAR(20) NOT NULL,
        "created_at" DATETIME NOT NULL,
        "decided_by" INTEGER,
        "decided_at" DATETIME,
        "decision_note" TEXT NOT NULL,
        "lessons_changed" INTEGER NOT NULL)""",
    """CREATE INDEX IF NOT EXISTS "absence_note_student_id" ON "absence_note" ("student_id")""",
    """CREATE INDEX IF NOT EXISTS "absence_note_school_id" ON "absence_note" ("school_id")""",
    """CREATE INDEX IF NOT EXISTS "absence_note_class_id" ON "absence_note" ("class_id")""",
    """CREATE INDEX IF NOT EXISTS "absence_note_parent_user_id" ON "absence_note" ("parent_user_id")""",
    """CREATE INDEX IF NOT EXISTS "absence_note_status" ON "absence_note" ("status")""",
]

POSTGRESQL = [
    """CREATE TABLE IF NOT EXISTS "absence_note" (
        "id" SERIAL NOT NULL PRIMARY KEY,
        "student_id" INTEGER NOT NULL,
        "school_id" INTEGER NOT NULL,
        "class_id" INTEGER,
        "parent_user_id" INTEGER NOT NULL,
        "starts_on" DATE NOT NULL,
        "ends_on" DATE NOT NULL,
        "reason" VARCHAR(20) NOT NULL,
        "comment" TEXT NOT NULL,
        "file_stored" VARCHAR(100) NOT NULL,
        "file_name" VARCHAR(200) NOT NULL,
        "file_type" VARCHAR(50) NOT NULL,
        "status" VARCHAR(20) NOT NULL,
        "created_at" TIMESTAMP NOT NULL,
        "decided_by" INTEGER,
        "decided_at" TIMESTAMP,
        "decision_note" TEXT NOT NULL,
        "lessons_changed" INTEGER NOT NULL)""",
    """CREATE INDEX IF NOT EXISTS "absence_note_student_id" ON "absence_note" ("student_id")""",
    """CREATE INDEX IF NOT EXISTS "absence_note_school_id" ON "absence_note" ("school_id")""",
    """CREATE INDEX IF NOT EXISTS "absence_note_class_id" ON "absence_note" ("class_id")""",
    """CREATE INDEX IF NOT EXISTS "absence_note_parent_user_id" ON "absence_note" ("parent_user_id")""",
    """CREATE INDEX IF NOT EXISTS "absence_note_status" ON "absence_note" ("status")""",
]


def upgrade(db):
    apply_schema(db, sqlite=SQLITE, postgresql=POSTGRESQL)
