"""An index for «when did this person last open this object» on the audit log (``last_audited``).

Frozen: the statement as it was first run (tools/freeze_schema.py).
"""

from core.db import apply_schema

INDEX = ('CREATE INDEX IF NOT EXISTS "audit_record_object_type_object_id_user_id_at" '
         'ON "audit_record" ("object_type", "object_id", "user_id", "at")')


def upgrade(db):
    apply_schema(db, sqlite=[INDEX], postgresql=[INDEX])
