"""The import's staging tables: an import is written there in short steps and applied in one.

Frozen by tools/freeze_schema.py: the SQL this migration ran when it was written, never
regenerated; a later change of a model is a later migration.
"""

# ruff: noqa: E501 (the statements as they were run)

from core.api import apply_schema

SQLITE = [
    """CREATE TABLE IF NOT EXISTS "import_batch" (
        "id" INTEGER NOT NULL PRIMARY KEY,
        "school" INTEGER NOT NULL,
        "created_by" INTEGER,
        "created_at" DATETIME NOT NULL,
        "state" VARCHAR(20) NOT NULL,
        "summary" TEXT NOT NULL)""",
    """CREATE INDEX IF NOT EXISTS "import_batch_created_at" ON "import_batch" ("created_at")""",
    """CREATE TABLE IF NOT EXISTS "import_link" (
        "id" INTEGER NOT NULL PRIMARY KEY,
        "batch" INTEGER NOT NULL,
        "row" INTEGER NOT NULL,
        "existing" INTEGER,
        "parent_id" INTEGER,
        "parent_ref" INTEGER,
        "student_id" INTEGER,
        "student_ref" INTEGER,
        "pair" VARCHAR(60) NOT NULL,
        "relation" VARCHAR(20) NOT NULL,
        "changed" INTEGER NOT NULL,
        "details" TEXT NOT NULL)""",
    """CREATE INDEX IF NOT EXISTS "import_link_batch_pair" ON "import_link" ("batch", "pair")""",
    """CREATE TABLE IF NOT EXISTS "import_parent" (
        "id" INTEGER NOT NULL PRIMARY KEY,
        "batch" INTEGER NOT NULL,
        "row" INTEGER NOT NULL,
        "existing" INTEGER,
        "existing_updated_at" DATETIME,
        "last_name" VARCHAR(100) NOT NULL,
        "first_name" VARCHAR(100) NOT NULL,
        "middle_name" VARCHAR(100) NOT NULL,
        "snils" VARCHAR(11) NOT NULL,
        "birth_date" DATE,
        "phone" VARCHAR(50) NOT NULL,
        "email" VARCHAR(200) NOT NULL,
        "changed" INTEGER NOT NULL,
        "details" TEXT NOT NULL)""",
    """CREATE INDEX IF NOT EXISTS "import_parent_batch_snils" ON "import_parent" ("batch", "snils")""",
    """CREATE TABLE IF NOT EXISTS "import_student" (
        "id" INTEGER NOT NULL PRIMARY KEY,
        "batch" INTEGER NOT NULL,
        "row" INTEGER NOT NULL,
        "existing" INTEGER,
        "existing_updated_at" DATETIME,
        "last_name" VARCHAR(100) NOT NULL,
        "first_name" VARCHAR(100) NOT NULL,
        "middle_name" VARCHAR(100) NOT NULL,
        "birth_date" DATE NOT NULL,
        "gender" VARCHAR(1) NOT NULL,
        "snils" VARCHAR(11),
        "status" VARCHAR(20) NOT NULL,
        "class_id" INTEGER,
        "grade" INTEGER,
        "letter" VARCHAR(5),
        "name_key" VARCHAR(400) NOT NULL,
        "changed" INTEGER NOT NULL,
        "event" INTEGER NOT NULL,
        "details" TEXT NOT NULL)""",
    """CREATE INDEX IF NOT EXISTS "import_student_batch_snils" ON "import_student" ("batch", "snils")""",
    """CREATE INDEX IF NOT EXISTS "import_student_batch_name_key" ON "import_student" ("batch", "name_key")""",
]

POSTGRESQL = [
    """CREATE TABLE IF NOT EXISTS "import_batch" (
        "id" SERIAL NOT NULL PRIMARY KEY,
        "school" INTEGER NOT NULL,
        "created_by" INTEGER,
        "created_at" TIMESTAMP NOT NULL,
        "state" VARCHAR(20) NOT NULL,
        "summary" TEXT NOT NULL)""",
    """CREATE INDEX IF NOT EXISTS "import_batch_created_at" ON "import_batch" ("created_at")""",
    """CREATE TABLE IF NOT EXISTS "import_link" (
        "id" SERIAL NOT NULL PRIMARY KEY,
        "batch" INTEGER NOT NULL,
        "row" INTEGER NOT NULL,
        "existing" INTEGER,
        "parent_id" INTEGER,
        "parent_ref" INTEGER,
        "student_id" INTEGER,
        "student_ref" INTEGER,
        "pair" VARCHAR(60) NOT NULL,
        "relation" VARCHAR(20) NOT NULL,
        "changed" BOOLEAN NOT NULL,
        "details" TEXT NOT NULL)""",
    """CREATE INDEX IF NOT EXISTS "import_link_batch_pair" ON "import_link" ("batch", "pair")""",
    """CREATE TABLE IF NOT EXISTS "import_parent" (
        "id" SERIAL NOT NULL PRIMARY KEY,
        "batch" INTEGER NOT NULL,
        "row" INTEGER NOT NULL,
        "existing" INTEGER,
        "existing_updated_at" TIMESTAMP,
        "last_name" VARCHAR(100) NOT NULL,
        "first_name" VARCHAR(100) NOT NULL,
        "middle_name" VARCHAR(100) NOT NULL,
        "snils" VARCHAR(11) NOT NULL,
        "birth_date" DATE,
        "phone" VARCHAR(50) NOT NULL,
        "email" VARCHAR(200) NOT NULL,
        "changed" BOOLEAN NOT NULL,
        "details" TEXT NOT NULL)""",
    """CREATE INDEX IF NOT EXISTS "import_parent_batch_snils" ON "import_parent" ("batch", "snils")""",
    """CREATE TABLE IF NOT EXISTS "import_student" (
        "id" SERIAL NOT NULL PRIMARY KEY,
        "batch" INTEGER NOT NULL,
        "row" INTEGER NOT NULL,
        "existing" INTEGER,
        "existing_updated_at" TIMESTAMP,
        "last_name" VARCHAR(100) NOT NULL,
        "first_name" VARCHAR(100) NOT NULL,
        "middle_name" VARCHAR(100) NOT NULL,
        "birth_date" DATE NOT NULL,
        "gender" VARCHAR(1) NOT NULL,
        "snils" VARCHAR(11),
        "status" VARCHAR(20) NOT NULL,
        "class_id" INTEGER,
        "grade" INTEGER,
        "letter" VARCHAR(5),
        "name_key" VARCHAR(400) NOT NULL,
        "changed" BOOLEAN NOT NULL,
        "event" BOOLEAN NOT NULL,
        "details" TEXT NOT NULL)""",
    """CREATE INDEX IF NOT EXISTS "import_student_batch_snils" ON "import_student" ("batch", "snils")""",
    """CREATE INDEX IF NOT EXISTS "import_student_batch_name_key" ON "import_student" ("batch", "name_key")""",
]


def upgrade(db):
    apply_schema(db, sqlite=SQLITE, postgresql=POSTGRESQL)
