"""Schemas of the auth_esia plugin: its region config section."""

from marshmallow import RAISE, Schema


class Settings(Schema):
    """The [auth_esia] section of a region config."""

    class Meta:
        unknown = RAISE
