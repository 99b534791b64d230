"""An index for «when did this person last open this object» on the audit log (``last_audited``)."""

from core.models import AuditRecord


def upgrade(db):
    AuditRecord._schema.create_indexes(safe=True)  # IF NOT EXISTS: a new database has it from m0001 already
