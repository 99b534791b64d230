"""Who may send, read and decide absence notes: the conditions behind the plugin's policy hooks.

Default deny. A parent sends a notice for a child whose progress they may read
(active link and consent, decided by the registries' policy) and sees the
notices they sent while that still holds. "May read the progress" is asked the
way the progress pages ask it: the child is in the actor's ``progress.read``
scope, and no policy plugin vetoes ``progress.read`` on that child. The class teacher of the child's
class reads and decides; the deputy and the school admin of the school read.
Nobody else sees a notice.
"""

from __future__ import annotations

from typing import Any

from core.api import Decision, Scope, allow, deny, explain, service
from plugins.absence_notes.models import AbsenceNote

READERS = ("deputy", "school_admin")


def reg() -> Any:
    return service("registries")


def own_class_ids(actor: Any) -> Any:
    """Subquery: ids of the classes whose class teacher the actor is."""
    staff = reg().staff_of(actor.user)
    # not "class_teacher IS NULL": an account without a staff record leads no class
    return reg().led_class_ids(staff.id if staff is not None else 0)


def leads_class(actor: Any, class_id: int) -> bool:
    staff = reg().staff_of(actor.user)
    school_class = reg().classes([class_id]).get(class_id)
    return staff is not None and school_class is not None and school_class.class_teacher_id == staff.id


def is_class_teacher(actor: Any) -> bool:
    return actor.role == "teacher" and own_class_ids(actor).exists()


def readable_children(actor: Any) -> Any:
    """Subquery: ids of students whose progress the actor may read now."""
    return reg().visible_student_ids(actor, "progress.read")


def may_follow(actor: Any, student: Any) -> bool:
    """Whether the actor may read this child's progress: in the scope, and no plugin says no."""
    if student is None or not reg().may_act_on_students(actor, "progress.read", [student.id]):
        return False
    return not any(vote.allowed is False for vote in explain(actor, "progress.read", student).votes)


def note_scope(actor: Any, action: str) -> Scope | None:
    """Notices the actor may list and open (``absence_note.read``)."""
    if action != "absence_note.read":
        return None
    if actor.role == "parent":
        return Scope.allow((AbsenceNote.parent_user_id == actor.id)
                           & AbsenceNote.student_id.in_(readable_children(actor)),
                           "a parent sees the notices they sent about children they may still follow")
    if actor.role == "teacher":
        return Scope.allow(AbsenceNote.class_id.in_(own_class_ids(actor)),
                           "the class teacher sees the notices of their class")
    if actor.role in READERS:
        return Scope.allow(AbsenceNote.school_id.in_(reg().school_ids_of(actor.user)),
                           "the deputy and the school admin see the notices of their school")
    return None


def decide(actor: Any, action: str, resource: Any) -> Decision | None:
    """Decisions about the ``absence_note.*`` actions."""
    role = actor.role
    if action == "absence_note.create":
        if role != "parent":
            return deny("only a parent sends absence notices")
        if may_follow(actor, resource):
            return allow("a parent who may follow the child's progress")
        return deny("the parent may not follow this child's progress")
    if action == "absence_note.list":
        if role in ("parent",) + READERS or is_class_teacher(actor):
            return allow("parents, class teachers, the deputy and the school admin have a list of notices")
        return deny("absence notices are for parents, class teachers and the school's managers")
    if not isinstance(resource, AbsenceNote):
        return deny("an absence note action needs a notice") if action.startswith("absence_note.") else None
    if action == "absence_note.read":
        part = note_scope(actor, action)
        if part is not None and AbsenceNote.select().where(
                (AbsenceNote.id == resource.id) & part.condition).exists():
            return allow("the notice is in the actor's scope")
        return deny("the notice is not the actor's to see")
    if action == "absence_note.decide":
        if role == "teacher" and resource.class_id is not None \
                and leads_class(actor, resource.class_id):
            return allow("the class teacher of the child's class")
        return deny("only the class teacher of the child's class decides a notice")
    if action == "absence_note.withdraw":
        if role == "parent" and resource.parent_user_id == actor.id:
            return allow("the parent who sent the notice")
        return deny("only the parent who sent a notice withdraws it")
    return deny("unknown absence note action")
