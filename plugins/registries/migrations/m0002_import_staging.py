"""The import's staging tables: an import is written there in short steps and applied in one."""

from plugins.registries.models import STAGING_MODELS


def upgrade(db):
    db.create_tables(STAGING_MODELS)
