"""Hook implementations of the portal plugin."""

from __future__ import annotations

from core.api import AuditVocabulary, NavItem, hookimpl, lazy_gettext, migrations_from_package
from plugins.portal.models import PORTAL_MODELS
from plugins.portal.schemas import Settings


@hookimpl
def config_schema():
    return Settings


@hookimpl
def plugin_requires():
    return ["registries", "gradebook"]


@hookimpl
def models():
    return PORTAL_MODELS


@hookimpl
def migrations():
    return migrations_from_package("plugins.portal.migrations")


@hookimpl
def blueprints():
    from plugins.portal.views import bp

    return [bp]


@hookimpl
def cli_commands():
    from plugins.portal.cli import portal_group

    return [portal_group]


@hookimpl
def nav_items(actor):
    if actor.is_authenticated and actor.role == "operator":
        return [NavItem(lazy_gettext("Заявления с портала"), "portal.applications", order=260)]
    return None


@hookimpl
def health_checks():
    from plugins.portal.worker import health

    return {"portal": health()}


@hookimpl
def audit_vocabulary():
    return AuditVocabulary(
        actions={"portal.application": lazy_gettext("заявление с регионального портала"),
                 "portal.applications.list": lazy_gettext("просмотр заявлений с портала")},
        objects={"application": lazy_gettext("заявление с портала"),
                 "inbox": lazy_gettext("сообщение из СМЭВ")},
    )
