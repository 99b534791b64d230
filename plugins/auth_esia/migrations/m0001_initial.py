"""Login attempts (OAuth state)."""

from plugins.auth_esia.models import EsiaLoginAttempt


def upgrade(db):
    db.create_tables([EsiaLoginAttempt])
