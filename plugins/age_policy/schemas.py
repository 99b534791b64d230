"""Schemas of the age_policy plugin: its region config section."""

from marshmallow import RAISE, Schema


class Settings(Schema):
    """The [age_policy] section of a region config."""

    class Meta:
        unknown = RAISE
