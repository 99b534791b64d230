"""The absence notes table."""

from plugins.absence_notes.models import ABSENCE_NOTE_MODELS


def upgrade(db):
    db.create_tables(ABSENCE_NOTE_MODELS)
