"""The facade: everything a plugin may import from the core, and nothing else.

Plugins import from here only (``from core.api import hookimpl, BaseModel, ...``),
never from the core's other modules or from each other. What is exported here
is the stable contract documented in ``docs/plugin-api.md``.
"""

from __future__ import annotations

from typing import Any, Literal, overload

from flask import current_app
from flask_login import current_user

from core.audit import details_json as audit_details
from core.audit import last_recorded as last_audited
from core.audit import mask_snils
from core.audit import record as audit
from core.audit import record_from as audit_from
from core.audit import record_many as audit_many
from core.auth import (
    block_user,
    complete_login,
    create_api_token,
    link_identity,
    list_api_tokens,
    login_required,
    public,
    refused_page,
    revoke_api_token,
    revoke_sessions,
    roles_required,
    rotate_session,
    safe_next,
    signed_link,
    unblock_user,
)
from core.auth import resolve as resolve_login
from core.bulk import Bulk
from core.config import ConfigError, SecretRef
from core.db import BaseModel, apply_schema, database, migrations_from_package, model_dict, utcnow
from core.formatting import format_average, format_day, format_number, format_percent, region_language
from core.i18n import gettext, lazy_gettext, ngettext
from core.inputs import DecimalText, RecordId, Text, check_text
from core.jobs import JobContext, JobError, JobKind, JobResult, follow_job, start_job
from core.models import AuditRecord, LoginIdentity, User
from core.plugins import hookimpl
from core.policy import can, explain, get_or_deny, in_scope, require, scope
from core.prepared import Param, prepared
from core.services import (
    AgePolicyService,
    ChangeDetails,
    ClassInfo,
    EsiaSignersService,
    GradebookService,
    ParentInfo,
    PersonInfo,
    RegistriesService,
    SchoolInfo,
    StaffInfo,
    StudentInfo,
    StudentLesson,
)
from core.spreadsheets import Workbook, csv_bytes, inert, unquote_cell
from core.types import (
    Actor,
    AnonymousActor,
    AuditVocabulary,
    Change,
    Decision,
    Demo,
    DemoLogin,
    Identity,
    LoginMethod,
    LoginRefused,
    Migration,
    NavItem,
    Refusal,
    Relation,
    Scope,
    allow,
    deny,
)
from core.web import region_today

_ = gettext

__all__ = [
    "Actor",
    "AgePolicyService",
    "AnonymousActor",
    "AuditRecord",
    "AuditVocabulary",
    "BaseModel",
    "Bulk",
    "Change",
    "ChangeDetails",
    "ClassInfo",
    "ConfigError",
    "DecimalText",
    "Decision",
    "Demo",
    "DemoLogin",
    "EsiaSignersService",
    "GradebookService",
    "Identity",
    "JobContext",
    "JobError",
    "JobKind",
    "JobResult",
    "LoginIdentity",
    "LoginMethod",
    "LoginRefused",
    "Migration",
    "NavItem",
    "Param",
    "ParentInfo",
    "PersonInfo",
    "RecordId",
    "Refusal",
    "RegistriesService",
    "Relation",
    "SchoolInfo",
    "Scope",
    "SecretRef",
    "StaffInfo",
    "StudentInfo",
    "StudentLesson",
    "Text",
    "User",
    "Workbook",
    "_",
    "allow",
    "announce_change",
    "apply_schema",
    "audit",
    "audit_details",
    "audit_from",
    "audit_many",
    "block_user",
    "can",
    "check_text",
    "complete_login",
    "core_settings",
    "create_api_token",
    "csv_bytes",
    "current_actor",
    "database",
    "deny",
    "enabled",
    "explain",
    "follow_job",
    "format_average",
    "format_day",
    "format_number",
    "format_percent",
    "region_language",
    "get_or_deny",
    "in_scope",
    "hookimpl",
    "inert",
    "last_audited",
    "lazy_gettext",
    "link_identity",
    "list_api_tokens",
    "login_required",
    "mask_snils",
    "migrations_from_package",
    "model_dict",
    "ngettext",
    "prepared",
    "public",
    "refused_page",
    "region_today",
    "relations",
    "require",
    "resolve_login",
    "revoke_api_token",
    "revoke_sessions",
    "roles_required",
    "rotate_session",
    "safe_next",
    "scope",
    "service",
    "settings",
    "signed_link",
    "start_job",
    "unblock_user",
    "unquote_cell",
    "utcnow",
]


def current_actor() -> Any:
    """The actor of the current request (an ``Actor``, or an ``AnonymousActor``)."""
    return current_user._get_current_object()


def settings(plugin: str) -> dict[str, Any]:
    """The validated config section of ``plugin`` in the current app (defaults filled in)."""
    return current_app.extensions["eschool"].plugin_settings.get(plugin, {})


def core_settings() -> dict[str, Any]:
    """The validated ``[eschool]`` section of the current app."""
    return current_app.extensions["eschool"].core_settings


@overload
def service(name: Literal["registries"], default: None = None) -> RegistriesService | None: ...
@overload
def service(name: Literal["age_policy"], default: None = None) -> AgePolicyService | None: ...
@overload
def service(name: Literal["gradebook"], default: None = None) -> GradebookService | None: ...
@overload
def service(name: Literal["esia_signers"], default: None = None) -> EsiaSignersService | None: ...
@overload
def service(name: str, default: Any = None) -> Any: ...


def service(name: str, default: Any = None) -> Any:
    """A service another plugin registered (``services`` hook); ``default`` if that plugin is off.

    The built-in services are typed by their Protocols in ``core.services`` (``RegistriesService`` …).
    """
    return current_app.extensions["eschool"].services.get(name, default)


def enabled(plugin: str) -> bool:
    """Whether the region enabled ``plugin``."""
    return current_app.extensions["eschool"].pm.has_plugin(plugin)


def relations(actor: Any) -> list[Relation]:
    """Everything ``actor`` relates to, from every plugin (``actor_relations``), cached per request."""
    from flask import g

    cache = g.setdefault("_eschool_relations", {})
    key = getattr(actor, "id", None)
    if key not in cache:
        pm = current_app.extensions["eschool"].pm
        cache[key] = [r for group in pm.hook.actor_relations(actor=actor) for r in (group or [])]
    return cache[key]



def announce_change(change: Change) -> None:
    """Tell every plugin about ``change`` (``change_recorded``), inside the caller's transaction."""
    current_app.extensions["eschool"].pm.hook.change_recorded(change=change)
