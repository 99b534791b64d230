"""School-issued credentials and the login attempts that throttle guessing."""

from plugins.auth_local.models import AUTH_LOCAL_MODELS


def upgrade(db):
    db.create_tables(AUTH_LOCAL_MODELS)
