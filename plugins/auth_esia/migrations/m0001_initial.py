"""Login attempts (OAuth state)."""

from plugins.auth_esia.models import ESIA_MODELS


def upgrade(db):
    db.create_tables(ESIA_MODELS)
