"""Hook implementations of the gradebook plugin."""

from __future__ import annotations

from core.api import JobKind, NavItem, hookimpl, lazy_gettext, migrations_from_package
from plugins.gradebook import audit_log, policy
from plugins.gradebook.models import GRADEBOOK_MODELS
from plugins.gradebook.schemas import Settings


@hookimpl
def config_schema():
    return Settings


@hookimpl
def plugin_requires():
    return ["registries"]


@hookimpl
def models():
    return GRADEBOOK_MODELS


@hookimpl
def migrations():
    return migrations_from_package("plugins.gradebook.migrations")


@hookimpl
def services():
    from plugins.gradebook.service import make_service

    return {"gradebook": make_service()}


@hookimpl
def policy_scope(actor, action, model):
    return policy.scope(actor, action, model)


@hookimpl
def permission(actor, action, resource):
    return policy.decide(actor, action, resource)


@hookimpl
def audit_vocabulary():
    return audit_log.VOCABULARY


@hookimpl
def audit_names(actor, object_type, object_ids):
    return audit_log.names(object_type, object_ids)


@hookimpl
def audit_about(object_type, object_id):
    return audit_log.about(object_type, object_id)


@hookimpl
def blueprints():
    # the pages, by audience, each adding its routes to the one blueprint of views.py
    from plugins.gradebook import admin_views, family_views, journal_views, report_views  # noqa: F401
    from plugins.gradebook.api import bp as api_bp
    from plugins.gradebook.tokens_views import bp as tokens_bp
    from plugins.gradebook.views import bp

    return [bp, api_bp, tokens_bp]


@hookimpl
def nav_items(actor):
    if not actor.is_authenticated:
        return None
    role = actor.role
    items = []
    if role in ("parent", "student"):
        items.append(NavItem(lazy_gettext("Успеваемость"), "gradebook.progress_index", order=100))
    if role in policy.SCHOOL_STAFF:
        items.append(NavItem(lazy_gettext("Журнал"), "gradebook.journal_index", order=110))
    if role in policy.SCHOOL_MANAGERS:
        items.append(NavItem(lazy_gettext("Своевременность"), "gradebook.timeliness_school", order=300))
        items.append(NavItem(lazy_gettext("Успеваемость"), "gradebook.attainment_school", order=305))
        items.append(NavItem(lazy_gettext("Архив журналов"), "gradebook.journal_archive", order=308))
    if role in ("municipality", "operator"):
        items.append(NavItem(lazy_gettext("Своевременность по школам"), "gradebook.timeliness_municipality",
                             order=300))
        items.append(NavItem(lazy_gettext("Успеваемость по школам"), "gradebook.attainment_municipality",
                             order=305))
    if role == "school_admin":
        items.append(NavItem(lazy_gettext("Настройки журнала"), "gradebook.admin_index", order=310))
    items.append(NavItem(lazy_gettext("Ключи API"), "gradebook_tokens.api_tokens", order=900))
    return items or None


@hookimpl
def demo_data(demo):
    from plugins.gradebook.demo import generate

    generate(demo)


@hookimpl
def job_kinds():
    """A class's journal of a year for the archive: one workbook, built outside the request."""
    from plugins.gradebook.report_views import run_journal_archive

    def back(params):
        return "gradebook.journal_archive", {"year": params["year_id"]}

    return [JobKind("gradebook.journal_archive", lazy_gettext("Архив журнала класса"), run_journal_archive,
                    personal=True, back=back)]
