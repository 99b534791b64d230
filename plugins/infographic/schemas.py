"""Schemas of the infographic plugin: its region config section.

Every link, name and contact the public pages show comes from here, so a
region's pages are right without anyone editing a picture. Texts left out
fall back to the wording of the letter (through gettext), never to another
region's links.
"""

import re

from marshmallow import RAISE, Schema, ValidationError, fields, validate

WEB_SCHEMES = {"http", "https"}

# A CSP host-source or keyword that may frame the embeddable snippet.
FRAME_SOURCE = re.compile(r"^(\*|'self'|https?:|https?://(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*(:\d{1,5})?)$", re.IGNORECASE)


def web_url(**kwargs) -> fields.Url:
    """An absolute http(s) URL with a real host name."""
    return fields.Url(schemes=WEB_SCHEMES, **kwargs)


def frame_source(value: str) -> None:
    if not FRAME_SOURCE.match(value):
        raise ValidationError(
            f"'{value}' is not a CSP frame-ancestors source: use *, 'self', https: or https://host[:port]"
        )


class AppLink(Schema):
    """A mobile app of the e-school system: its store name and the link to install it."""

    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=validate.Length(min=1, max=80))
    url = web_url(required=True)


class HelpContact(Schema):
    """Somebody families may ask: a regional help desk, a municipal specialist."""

    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    phone = fields.String(load_default="", validate=validate.Length(max=50))
    email = fields.Email(load_default="")
    url = web_url(load_default=None, allow_none=True)
    hours = fields.String(load_default="", validate=validate.Length(max=200))


class Settings(Schema):
    """The [infographic] section of a region config.

    ``portal_url`` is the service's page on the regional public-services
    portal (without it the page shows only the personal cabinet);
    ``cabinet_url`` is the personal cabinet of the e-school system (default:
    this site's login page); ``embed_frame_ancestors`` are the sites allowed to
    show the embeddable snippet in an ``<iframe>`` (default: any site).
    """

    class Meta:
        unknown = RAISE

    service_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=300))
    system_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=120))
    portal_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=200))
    portal_url = web_url(load_default=None, allow_none=True)
    cabinet_url = web_url(load_default=None, allow_none=True)
    mobile_apps = fields.List(fields.Nested(AppLink), load_default=list)
    help_contacts = fields.List(fields.Nested(HelpContact), load_default=list)
    school_help_text = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=500))
    embed_frame_ancestors = fields.List(
        fields.String(validate=frame_source), load_default=lambda: ["*"], validate=validate.Length(min=1)
    )
