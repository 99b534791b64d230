"""Schemas of the infographic plugin: its region config section."""

from marshmallow import RAISE, Schema


class Settings(Schema):
    """The [infographic] section of a region config."""

    class Meta:
        unknown = RAISE
