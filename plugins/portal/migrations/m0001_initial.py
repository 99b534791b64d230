"""The portal's inbox, outbox, applications and exchange times."""

from plugins.portal.models import PortalApplication, PortalExchange, PortalInbox, PortalOutbox


def upgrade(db):
    db.create_tables([PortalInbox, PortalOutbox, PortalApplication, PortalExchange])
