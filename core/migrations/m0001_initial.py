"""Users, login identities, sessions and the audit log."""

from core.models import CORE_MODELS


def upgrade(db):
    db.create_tables(CORE_MODELS)
