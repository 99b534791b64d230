"""Schemas of the age_policy plugin: its region config section."""

from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates


class Settings(Schema):
    """The [age_policy] section of a region config.

    Other plugins ask ``service("age_policy")`` (``AgeRulesService``), never these keys.
    """

    class Meta:
        unknown = RAISE

    # Minimum age for logging in through Gosuslugi; a whole number of months (14, 14.5, 14.25).
    min_age_esia = fields.Float(load_default=14.0, validate=validate.Range(min=0, max=25))
    # Students below the threshold may log in with a school-issued login and password.
    school_login_for_younger = fields.Boolean(load_default=True)
    # Every student logs in through Gosuslugi; below the threshold only with a child account.
    gosuslugi_only = fields.Boolean(load_default=False)
    # Outside "Gosuslugi only": may students below the threshold also use an ESIA child account?
    child_account_for_younger = fields.Boolean(load_default=False)
    # May students at or above the threshold still use a school-issued login?
    school_login_for_older = fields.Boolean(load_default=True)
    # Which login providers count as Gosuslugi and as school-issued logins.
    esia_providers = fields.List(fields.String(), load_default=lambda: ["esia"])
    school_login_providers = fields.List(fields.String(), load_default=lambda: ["local"])

    @validates("min_age_esia")
    def _whole_months(self, value, **kwargs):
        months = value * 12
        if abs(months - round(months)) > 1e-9:
            raise ValidationError("must be a whole number of months, e.g. 14, 14.5 or 14.25")
