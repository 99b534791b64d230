"""Schemas of the registries plugin: its region config section."""

from marshmallow import RAISE, Schema


class Settings(Schema):
    """The [registries] section of a region config."""

    class Meta:
        unknown = RAISE
