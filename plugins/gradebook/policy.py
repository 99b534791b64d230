"""Who may read and write what in the gradebook (issue 6, rule 9).

Registries already scopes ``progress.read`` on ``Student`` for parents
(linked children, with consent), students (themselves), the deputy and the
school admin (their school). This module adds teachers (students of the
classes and groups they teach) and class teachers (their class), the journal
itself (``journal.read`` / ``journal.write`` on a ``TeachingAssignment``), timetable changes
(``lesson.schedule``: the journal's teacher and the school's managers), the
school's gradebook settings and the timeliness reports. The municipality sees
aggregates only: counts per school, and per teacher and class inside its own schools.
"""

from __future__ import annotations

from typing import Any

from flask import g

from core.api import Scope, allow, deny, service
from plugins.gradebook.models import GroupMember, TeachingAssignment

SCHOOL_STAFF = ("teacher", "deputy", "school_admin")
FAMILY_ROLES = ("parent", "student")
SCHOOL_MANAGERS = ("deputy", "school_admin")


def staff_id_of(actor: Any) -> int | None:
    """The registry Staff id of an authenticated actor (cached per request), or None."""
    if not actor.is_authenticated:
        return None
    cache = g.setdefault("_gradebook_staff", {})
    if actor.id not in cache:
        staff = service("registries").staff_of(actor.user)
        cache[actor.id] = staff.id if staff is not None else None
    return cache[actor.id]


def school_ids_of(actor: Any) -> list[int]:
    cache = g.setdefault("_gradebook_schools", {})
    if actor.id not in cache:
        cache[actor.id] = service("registries").school_ids_of(actor.user)
    return cache[actor.id]


def own_class_ids(staff_id: int) -> Any:
    return service("registries").led_class_ids(staff_id)


def taught_students(staff_id: int) -> Any:
    """Condition on ``Student``: in a class the staff member teaches or leads, or in a group they teach."""
    reg = service("registries")
    classes = TeachingAssignment.select(TeachingAssignment.class_id).where(
        (TeachingAssignment.teacher_id == staff_id) & TeachingAssignment.group.is_null())
    groups = (GroupMember.select(GroupMember.student_id)
              .join(TeachingAssignment, on=(GroupMember.group == TeachingAssignment.group))
              .where(TeachingAssignment.teacher_id == staff_id))
    return (reg.student_condition(class_ids=classes) | reg.student_condition(ids=groups)
            | reg.student_condition(class_ids=own_class_ids(staff_id)))


def scope(actor: Any, action: str, model: type) -> Scope | None:
    if not actor.is_authenticated:
        return None
    reg = service("registries")
    about_students = reg.kind_of(model) == "student"
    if actor.role in FAMILY_ROLES and action == "progress.read" and about_students:
        # Defence in depth: whatever allows a family member in, the consent must be active.
        return Scope.restrict(reg.active_consent_condition(),
                              "the family sees progress only with an active consent", params=())
    if actor.role not in SCHOOL_STAFF:
        return None
    staff_id = staff_id_of(actor)
    if staff_id is None:
        return None
    if action == "progress.read" and about_students:
        return Scope.allow(taught_students(staff_id), "a teacher reads the students they teach or lead")
    if action == "journal.read" and model is TeachingAssignment:
        condition = ((TeachingAssignment.teacher_id == staff_id)
                     | TeachingAssignment.class_id.in_(own_class_ids(staff_id)))
        if actor.role in SCHOOL_MANAGERS:
            condition = condition | TeachingAssignment.school_id.in_(school_ids_of(actor))
        return Scope.allow(condition, "own assignments, own class, or the whole school for its managers")
    return None


def _is_class_teacher(staff_id: int, class_id: int) -> bool:
    school_class = service("registries").classes([class_id]).get(class_id)
    return school_class is not None and school_class.class_teacher_id == staff_id


def decide(actor: Any, action: str, resource: Any):
    if not actor.is_authenticated:
        return None
    role = actor.role
    if action == "progress.read" and role == "municipality":
        return deny("the municipality sees aggregates only, never a single child's progress")
    if action in ("journal.read", "journal.write") and isinstance(resource, TeachingAssignment):
        return _journal(actor, action, resource)
    if action == "lesson.schedule" and isinstance(resource, TeachingAssignment):
        return _schedule(actor, resource)
    if action in ("gradebook.manage", "year.close", "timeliness.read", "attainment.read", "journal.archive"):
        school_id = getattr(resource, "id", resource)
        if school_id is None or role not in SCHOOL_MANAGERS or school_id not in school_ids_of(actor):
            return None
        if action == "gradebook.manage" and role != "school_admin":
            return None
        return allow("a manager of this school")
    if action in ("timeliness.aggregate", "attainment.aggregate") and role in ("municipality", "operator"):
        if resource is None:
            return allow("the municipality and the operator see reports aggregated by school")
        if role == "operator" or getattr(resource, "id", resource) in school_ids_of(actor):
            return allow("counts per teacher or class of a school the actor oversees")
        return None
    return None


def _schedule(actor: Any, assignment: TeachingAssignment):
    """Adding, moving and cancelling lessons: the journal's teacher, and the school's deputy or admin
    (who make the timetable changes: replacements, moved days)."""
    staff_id = staff_id_of(actor)
    if staff_id is None:
        return None
    own = assignment.teacher_id == staff_id
    manager = actor.role in SCHOOL_MANAGERS and assignment.school_id in school_ids_of(actor)
    if not (own or manager):
        return None
    if assignment.year.is_closed:  # loaded with the assignment, or fetched once here
        return deny("the academic year is closed into the archive")
    return allow("the teacher of this assignment" if own else "a manager of the school changes its timetable")


def _journal(actor: Any, action: str, assignment: TeachingAssignment):
    staff_id = staff_id_of(actor)
    if staff_id is None:
        return None
    own = assignment.teacher_id == staff_id
    if action == "journal.write":
        if not own:
            return None
        year = assignment.year
        if year.is_closed:
            return deny("the academic year is closed into the archive")
        return allow("the teacher of this assignment keeps its journal")
    if own:
        return allow("the teacher of this assignment")
    if _is_class_teacher(staff_id, assignment.class_id):
        return allow("the class teacher reads every journal of their class")
    if actor.role in SCHOOL_MANAGERS and assignment.school_id in school_ids_of(actor):
        return allow("a manager of the school reads its journals")
    return None
