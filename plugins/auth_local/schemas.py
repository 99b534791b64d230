"""Schemas of the auth_local plugin: its region config section."""

from marshmallow import RAISE, Schema


class Settings(Schema):
    """The [auth_local] section of a region config."""

    class Meta:
        unknown = RAISE
