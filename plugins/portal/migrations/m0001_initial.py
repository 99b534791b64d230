"""The portal's inbox, outbox, applications and exchange times."""

from plugins.portal.models import PORTAL_MODELS


def upgrade(db):
    db.create_tables(PORTAL_MODELS)
