"""The marks' per-student index carries the assignment too (frozen SQL).

A family's pages ask which assignments and years a student has marks in; with the assignment in the
index the answer is read from the index alone, not from thousands of mark rows on disk.
"""

from core.api import apply_schema

STATEMENTS = [
    'DROP INDEX IF EXISTS "gradebook_mark_student_id_lesson_date"',
    'CREATE INDEX IF NOT EXISTS "gradebook_mark_student_id_lesson_date_assignment_id" '
    'ON "gradebook_mark" ("student_id", "lesson_date", "assignment_id")',
]


def upgrade(db):
    apply_schema(db, sqlite=STATEMENTS, postgresql=STATEMENTS)
