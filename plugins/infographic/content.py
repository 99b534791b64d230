"""What the infographic says: the region's links, names and age rules, ready for the templates.

One function, ``infographic()``, turns the ``[infographic]`` settings, the
``[eschool]`` region name and (when that plugin is enabled) the
``age_policy`` settings into plain values, so the page, the poster and the
embeddable snippet say exactly the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from flask import url_for

from core.api import _, core_settings, ngettext, service, settings

# The letter's rule: Gosuslugi from 14; younger students get a login from the school.
LETTER_MIN_AGE = 14.0


@dataclass(frozen=True)
class AgeRules:
    """Who may log in how, by age.

    ``younger`` is ``"school_login"`` (a login and password issued by the
    school), ``"child_account"`` (Gosuslugi with a child account the parent
    creates), ``"school_login_or_child_account"`` (either), or
    ``"parents_only"`` (younger students do not log in themselves).
    ``source`` is ``"age_policy"`` or ``"letter"``.
    """

    min_age: float
    younger: str
    source: str

    @property
    def child_account(self) -> bool:
        """Whether younger students may use a Gosuslugi child account."""
        return self.younger in ("child_account", "school_login_or_child_account")

    @property
    def badge(self) -> str:
        """The threshold as a short number: ``14`` or ``14,5``."""
        return format_number(self.min_age)

    @property
    def age_text(self) -> str:
        """The threshold in words: «14 лет», «14 лет и 6 месяцев»."""
        years = int(self.min_age)
        months = round((self.min_age - years) * 12)
        text = ngettext("%(num)s год", "%(num)s лет", years)
        if months:
            text = _("%(years)s и %(months)s", years=text,
                     months=ngettext("%(num)s месяц", "%(num)s месяцев", months))
        return text


@dataclass(frozen=True)
class Link:
    """A named link shown as a button and as a QR code."""

    name: str
    url: str

    @property
    def host(self) -> str:
        """The address as people type it: host and path, without the scheme."""
        parts = urlsplit(self.url)
        return (parts.netloc + (parts.path if parts.path not in ("", "/") else "")).removeprefix("www.")


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str = ""
    email: str = ""
    url: str | None = None
    hours: str = ""


@dataclass(frozen=True)
class Infographic:
    """Everything the public pages show, for one region (and optionally one school)."""

    region_name: str
    service_name: str
    system_name: str
    portal: Link | None
    cabinet: Link
    apps: list[Link]
    contacts: list[Contact]
    school_help_text: str
    rules: AgeRules
    school: Any = None
    frame_ancestors: list[str] = field(default_factory=list)

    @property
    def qr_links(self) -> list[Link]:
        """Every link the poster prints as a QR code, in reading order."""
        return [link for link in (self.portal, self.cabinet, *self.apps) if link is not None]


def format_number(value: float) -> str:
    """``14.0`` → ``14``, ``14.5`` → ``14,5`` (Russian decimal comma)."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}".replace(".", ",")


def age_rules() -> AgeRules:
    """The region's age rules from the ``age_policy`` service when enabled, else the letter's rule (14)."""
    rules = service("age_policy")
    if rules is None:
        return AgeRules(LETTER_MIN_AGE, "school_login", "letter")
    return AgeRules(rules.min_age_esia(), rules.younger_students(), "age_policy")


def infographic(school: Any = None) -> Infographic:
    """The infographic of the current app's region; ``school`` adds that school's contacts."""
    conf = settings("infographic")
    system_name = conf["system_name"] or _("Электронная школа")
    portal = None
    if conf["portal_url"]:
        portal = Link(conf["portal_name"] or _("Региональный портал государственных услуг"), conf["portal_url"])
    cabinet = Link(
        _("Личный кабинет «%(system)s»", system=system_name),
        conf["cabinet_url"] or url_for("core.login", _external=True),
    )
    school_help_text = conf["school_help_text"] or _(
        "Администратор системы «%(system)s» в школе или классный руководитель вашего ребёнка.", system=system_name
    )
    return Infographic(
        region_name=core_settings()["region_name"] or _("Регион"),
        service_name=conf["service_name"] or _("Предоставление информации о текущей успеваемости учащегося"),
        system_name=system_name,
        portal=portal,
        cabinet=cabinet,
        apps=[Link(app["name"], app["url"]) for app in conf["mobile_apps"]],
        contacts=[Contact(**contact) for contact in conf["help_contacts"]],
        school_help_text=school_help_text,
        rules=age_rules(),
        school=school,
        frame_ancestors=list(conf["embed_frame_ancestors"]),
    )
