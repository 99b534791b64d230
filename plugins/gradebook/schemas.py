"""Schemas of the gradebook plugin: its region config section."""

from marshmallow import RAISE, Schema


class Settings(Schema):
    """The [gradebook] section of a region config."""

    class Meta:
        unknown = RAISE
