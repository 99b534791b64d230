"""The core's own behaviour, written as hook implementations like any plugin's."""

from __future__ import annotations

from peewee import SQL

from core.access_log import FAMILY_ROLES
from core.db import migrations_from_package
from core.i18n import lazy_gettext
from core.jobs import Job
from core.models import CORE_MODELS, AuditRecord, LoginIdentity
from core.plugins import hookimpl
from core.ratelimit import ApiRateWindow
from core.types import NavItem, Scope, allow, deny


@hookimpl
def models():
    return [*CORE_MODELS, ApiRateWindow, Job]


@hookimpl
def migrations():
    return migrations_from_package("core.migrations")


@hookimpl(tryfirst=True)
def resolve_identity(identity):
    """An identity already linked to a user resolves to that user, whatever else plugins know."""
    link = (
        LoginIdentity.select()
        .where((LoginIdentity.provider == identity.provider) & (LoginIdentity.subject == identity.subject))
        .first()
    )
    return link.user if link is not None else None


@hookimpl
def permission(actor, action, resource):
    """The region operator reads the audit log; a job's result is its owner's; the rest belongs to plugins."""
    if action == "audit.read" and actor.is_authenticated and actor.role == "operator":
        return allow("the region operator reads the audit log")
    if action == "job.read" and isinstance(resource, Job):
        if actor.is_authenticated and resource.owner_id == actor.id:
            return allow("a job's progress and result belong to the person who started it")
        return deny("somebody else's job")
    return None


@hookimpl
def policy_scope(actor, action, model):
    """The region operator's audit log holds every record."""
    if action == "audit.read" and model is AuditRecord and actor.is_authenticated and actor.role == "operator":
        return Scope.allow(SQL("1 = 1"), "the region operator reads the whole audit log")
    return None


@hookimpl
def nav_items(actor):
    from core.api import relations
    from core.policy import can

    if not actor.is_authenticated:
        return None
    items = []
    if can(actor, "audit.read", None):
        items.append(NavItem(lazy_gettext("Журнал доступа"), "core.audit_log", order=900))
    if actor.role not in FAMILY_ROLES:
        items.append(NavItem(lazy_gettext("Мои задания"), "core.my_jobs", order=880))
    # only families have children or a self to be told about: staff pages (the journal) ask nothing more
    if actor.role in FAMILY_ROLES and any(r.kind in ("child", "self") for r in relations(actor)):
        items.append(NavItem(lazy_gettext("Кто смотрел данные"), "core.data_access", order=890))
    return items


@hookimpl
def job_kinds():
    """The core's own long work: the access log's XLSX export."""
    from datetime import timedelta

    from core.jobs import JobKind
    from core.web import run_audit_export

    def back(params):
        return "core.audit_log", dict(params.get("filters", {}))

    return [JobKind("core.audit_export", lazy_gettext("Выгрузка журнала доступа"), run_audit_export,
                    personal=True, keep=timedelta(hours=24), back=back)]
