"""Organisations, students, parents, links, consents."""

from plugins.registries.models import REGISTRY_MODELS


def upgrade(db):
    db.create_tables(REGISTRY_MODELS)
