"""Hook implementations of the absence_notes plugin."""

from __future__ import annotations

from core.api import AuditRecord, AuditVocabulary, NavItem, hookimpl, lazy_gettext, migrations_from_package
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


@hookimpl
def audit_vocabulary():
    return AuditVocabulary(
        actions={
            "absence_note.create": lazy_gettext("сообщение об отсутствии ребёнка"),
            "absence_note.read": lazy_gettext("просмотр сообщения об отсутствии"),
            "absence_note.list": lazy_gettext("просмотр списка сообщений об отсутствии"),
            "absence_note.file": lazy_gettext("просмотр приложенного документа"),
            "absence_note.withdraw": lazy_gettext("отзыв сообщения об отсутствии"),
            "absence_note.decide": lazy_gettext("решение по сообщению об отсутствии"),
            "absence_note.accept": lazy_gettext("принятие сообщения об отсутствии"),
            "absence_note.reject": lazy_gettext("отклонение сообщения об отсутствии"),
        },
        objects={"absence_note": lazy_gettext("сообщение об отсутствии"),
                 "absencenote": lazy_gettext("сообщение об отсутствии")},
    )


@hookimpl
def audit_about(object_type, object_id):
    """A child's absence notices belong to the child."""
    if object_type != "student" or not object_id.isdigit():
        return None
    notes = AbsenceNote.select(AbsenceNote.id.cast("TEXT")).where(AbsenceNote.student_id == int(object_id))
    return (AuditRecord.object_type == "absence_note") & AuditRecord.object_id.in_(notes)
