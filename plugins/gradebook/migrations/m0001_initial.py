"""Calendar, teaching, journal, attestation and the change history."""

from plugins.gradebook.models import GRADEBOOK_MODELS


def upgrade(db):
    db.create_tables(GRADEBOOK_MODELS)
