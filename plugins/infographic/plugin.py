"""Hook implementations of the infographic plugin."""

from core.api import NavItem, _, hookimpl
from plugins.infographic.schemas import Settings


@hookimpl
def config_schema():
    return Settings


@hookimpl
def plugin_requires():
    return []


@hookimpl
def blueprints():
    from plugins.infographic.views import bp

    return [bp]


@hookimpl
def nav_items(actor):
    items = [NavItem(_("Как получить услугу"), "infographic.page", order=50)]
    if actor.is_authenticated and actor.role == "school_admin":
        items.append(NavItem(_("Подготовка к услуге"), "infographic.checklist", order=60))
    return items
