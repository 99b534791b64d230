"""Users, login identities, sessions, API tokens and the audit log."""

from core.models import CORE_MODELS


def upgrade(db):
    db.create_tables(CORE_MODELS)
