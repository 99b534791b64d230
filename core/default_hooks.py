"""The core's own behaviour, written as hook implementations like any plugin's."""

from __future__ import annotations

from flask_babel import gettext as _

from core.db import migrations_from_package
from core.models import CORE_MODELS, LoginIdentity
from core.plugins import hookimpl
from core.types import NavItem, allow


@hookimpl
def models():
    return CORE_MODELS


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
    """The region operator reads the audit log; every other decision belongs to plugins."""
    if action == "audit.read" and actor.is_authenticated and actor.role == "operator":
        return allow("the region operator reads the audit log")
    return None


@hookimpl
def nav_items(actor):
    from core.policy import can

    if actor.is_authenticated and can(actor, "audit.read", None):
        return [NavItem(_("Журнал доступа"), "core.audit_log", order=900)]
    return None
