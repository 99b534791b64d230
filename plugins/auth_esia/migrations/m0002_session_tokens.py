"""ESIA refresh tokens of long sessions (the table as it was first made, frozen here)."""

import peewee


def upgrade(db):
    class EsiaSessionToken(peewee.Model):
        session_id = peewee.IntegerField(unique=True)
        oid = peewee.CharField(max_length=40)
        refresh_token = peewee.CharField(max_length=2000)
        renew_after = peewee.DateTimeField(index=True)
        renewals = peewee.IntegerField(default=0)
        ended_at = peewee.DateTimeField(null=True)
        created_at = peewee.DateTimeField()

        class Meta:
            database = db
            table_name = "esia_session_token"

    db.create_tables([EsiaSessionToken])
