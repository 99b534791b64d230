"""Hook implementations of the absence_notes plugin."""

from __future__ import annotations

from core.api import NavItem, hookimpl, lazy_gettext, migrations_from_package
from plugins.absence_notes import access
from plugins.absence_notes.models import ABSENCE_NOTE_MODELS, AbsenceNote
from plugins.absence_notes.schemas import Settings


@hookimpl
def config_schema():
    return Settings


@hookimpl
def plugin_requires():
    return ["registries", "gradebook"]


@hookimpl
def models():
    return ABSENCE_NOTE_MODELS


@hookimpl
def migrations():
    return migrations_from_package("plugins.absence_notes.migrations")


@hookimpl
def blueprints():
    from plugins.absence_notes.views import bp

    return [bp]


@hookimpl
def nav_items(actor):
    if not actor.is_authenticated:
        return None
    if actor.role == "parent":
        return [NavItem(lazy_gettext("Сообщить об отсутствии"), "absence_notes.new", order=120)]
    if actor.role in access.READERS or access.is_class_teacher(actor):
        return [NavItem(lazy_gettext("Объяснительные"), "absence_notes.index", order=120)]
    return None


@hookimpl
def permission(actor, action, resource):
    if not actor.is_authenticated or not action.startswith("absence_note."):
        return None
    return access.decide(actor, action, resource)


@hookimpl
def policy_scope(actor, action, model):
    if not actor.is_authenticated or model is not AbsenceNote:
        return None
    return access.note_scope(actor, action)


@hookimpl
def demo_data(demo):
    from plugins.absence_notes.demo import generate

    generate(demo)
