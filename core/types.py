"""Plain value types that cross the boundary between the core and plugins."""

from __future__ import annotations

import datetime as dt
import random as _random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask_login import AnonymousUserMixin, UserMixin


@dataclass(frozen=True)
class Identity:
    """A person as proven by a login provider, before the platform knows them.

    ``level`` is the account level the provider reports: ``"confirmed"``,
    ``"standard"``, ``"simple"`` or ``"child"`` (ESIA's ``KD``). ``confirmed``
    is a shortcut for ``level == "confirmed"`` where a provider has no levels.
    """

    provider: str
    subject: str
    snils: str | None = None
    birth_date: dt.date | None = None
    last_name: str = ""
    first_name: str = ""
    middle_name: str = ""
    confirmed: bool | None = None
    level: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)


@dataclass(frozen=True)
class LoginMethod:
    """One way in, shown on the login page: a button (``url``) or a form (``template``)."""

    name: str
    label: str
    url: str | None = None
    template: str | None = None
    description: str = ""
    order: int = 100


@dataclass(frozen=True)
class NavItem:
    """One entry of the main navigation."""

    label: str
    endpoint: str
    order: int = 100
    values: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Refusal:
    """A vetoed login: ``message`` is shown to the person, in Russian."""

    message: str
    code: str = "refused"


class LoginRefused(Exception):
    """Raised by a provider or a resolver to stop a login with a message for the person."""

    def __init__(self, message: str, code: str = "refused"):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Relation:
    """How an actor relates to a person or an organisation (see ``actor_relations``)."""

    kind: str
    object_type: str
    object_id: int | str


@dataclass(frozen=True)
class Decision:
    """A policy decision. ``allowed`` is True, False, or None (abstain)."""

    allowed: bool | None
    reason: str
    plugin: str = ""
    votes: tuple["Decision", ...] = ()

    def __bool__(self) -> bool:
        return self.allowed is True


def allow(reason: str) -> Decision:
    """A policy plugin's "yes", with the reason recorded for explanations."""
    return Decision(True, reason)


def deny(reason: str) -> Decision:
    """A policy plugin's "no"; it vetoes any allow."""
    return Decision(False, reason)


@dataclass(frozen=True)
class Scope:
    """A query condition contributed by a policy plugin (see ``policy_scope``).

    ``params``: when the condition's SQL is the same for every actor but for the values of some
    ``core.api.Param(name, value)`` nodes in it, those Params — then the policy renders a lookup
    through the scope once and reuses it (``get_or_deny`` with a prepared query). ``None`` (the
    default): the condition holds its values inline and is rendered anew on every use.
    """

    condition: Any
    reason: str
    restricting: bool = False
    params: tuple | None = None

    @classmethod
    def allow(cls, condition: Any, reason: str, params: tuple | None = None) -> "Scope":
        return cls(condition, reason, False, None if params is None else tuple(params))

    @classmethod
    def restrict(cls, condition: Any, reason: str, params: tuple | None = None) -> "Scope":
        return cls(condition, reason, True, None if params is None else tuple(params))


@dataclass(frozen=True)
class AuditVocabulary:
    """Russian names for what a plugin writes to the audit log (see ``audit_vocabulary``).

    ``actions`` maps an action (``"progress.read"``) to a label («просмотр успеваемости»), ``objects`` an
    object type (``"student"``) to a label («обучающийся»), ``roles`` a user role to a label.
    """

    actions: dict[str, Any] = field(default_factory=dict)
    objects: dict[str, Any] = field(default_factory=dict)
    roles: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Change:
    """A change to a record about a person that people may be told about (see ``change_recorded``).

    ``source`` is the plugin that keeps the record (``"gradebook"``); ``kind`` and
    ``field`` name what changed (``"mark"``/``"value"``); ``old`` and ``new`` are the
    values as text (``""`` = none); ``at`` is the entry time (naive UTC), never a
    lesson date; ``by`` the user who made it; ``person_id`` the person the record is
    about (a student id for the gradebook), or ``None`` for a record about a group;
    ``context`` holds the source's own references (lesson, assignment ids).
    """

    source: str
    kind: str
    field: str
    object_id: int
    old: str
    new: str
    at: dt.datetime
    by: int | None = None
    person_id: int | None = None
    context: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Migration:
    """One schema change of a plugin; ``apply(database)`` runs inside a transaction."""

    name: str
    apply: Callable[[Any], None]


class Actor(UserMixin):
    """The authenticated person behind a request: a User plus the live session.

    ``get_id`` returns the session token, not the user id, so a session can be
    revoked server-side (Flask-Login's "alternative tokens"). An actor
    authenticated by an API bearer token has ``session`` None and ``api_token`` set.
    """

    api_token = None

    def __init__(self, user: Any, session: Any, token: str):
        self.user = user
        self.session = session
        self._token = token

    def get_id(self) -> str:
        return self._token

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def role(self) -> str:
        return self.user.role

    @property
    def display_name(self) -> str:
        return self.user.display_name

    @property
    def provider(self) -> str:
        """The login provider of the session, or ``"api_token"`` for a bearer-token request."""
        return self.session.provider if self.session is not None else "api_token"

    def __repr__(self) -> str:
        return f"<Actor user={self.user.id} role={self.role}>"


class AnonymousActor(AnonymousUserMixin):
    """A visitor who has not logged in."""

    id = None
    user = None
    role = "anonymous"
    display_name = ""
    provider = ""

    def __repr__(self) -> str:
        return "<Actor anonymous>"


@dataclass(frozen=True)
class DemoLogin:
    """An account of the demo region a newcomer can try, printed by ``eschool demo``."""

    who: str
    how: str
    login: str
    password: str = ""
    note: str = ""


@dataclass
class Demo:
    """What ``demo_data`` implementations receive (see the hook's docstring)."""

    random: _random.Random
    students: int
    today: dt.date
    instance_path: Path
    shared: dict[str, Any] = field(default_factory=dict)
    logins: list[DemoLogin] = field(default_factory=list)
    progress: Callable[[str, Iterable[Any]], Iterable[Any]] = lambda label, items: items

    def add_login(self, who: str, how: str, login: str, password: str = "", note: str = "") -> None:
        self.logins.append(DemoLogin(who, how, login, password, note))
