"""The workers' open receive windows (Get has no acknowledge; see ``PortalGetWindow``), frozen here."""

import peewee


def upgrade(db):
    class PortalGetWindow(peewee.Model):
        worker_id = peewee.CharField(max_length=64, primary_key=True)
        opened_at = peewee.DateTimeField()
        watermark = peewee.DateTimeField(null=True)
        touched_at = peewee.DateTimeField()

        class Meta:
            database = db
            table_name = "portal_get_window"

    db.create_tables([PortalGetWindow])
