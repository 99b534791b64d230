"""Who may read and change registry data: the conditions behind the plugin's policy hooks.

Default deny. The school admin keeps the registries of their own school; a
deputy head sees readiness of the school; the municipality and the region
operator see readiness aggregates only and never a single person's card.
"""

from __future__ import annotations

from typing import Any

from core.api import (
    ClassInfo,
    Decision,
    ParentInfo,
    SchoolInfo,
    Scope,
    StaffInfo,
    StudentInfo,
    User,
    allow,
    deny,
)
from plugins.registries import models as m
from plugins.registries.service import school_ids_of, staff_row

AGGREGATE_ROLES = ("municipality", "operator")
READINESS_ROLES = ("school_admin", "deputy") + AGGREGATE_ROLES


def school_parent_ids(school_ids: list[int]) -> Any:
    """Subquery: parents linked (now or before) to a student of the schools."""
    return (m.ParentLink.select(m.ParentLink.parent).join(m.Student)
            .where(m.Student.school.in_(school_ids)))


def parent_condition(school_ids: list[int]) -> Any:
    return m.Parent.id.in_(school_parent_ids(school_ids)) | m.Parent.registered_school.in_(school_ids)


def registry_scope(actor: Any, action: str, model: type) -> Scope | None:
    """Rows of a registry model the school admin may list or open (``registry.*`` actions)."""
    if actor.role != "school_admin":
        return None
    schools = school_ids_of(actor.user)
    if model is m.Student:
        return Scope.allow(m.Student.school.in_(schools), "the school admin keeps the school's students")
    if model is m.Parent:
        return Scope.allow(parent_condition(schools), "the school admin keeps parents of the school's students")
    if model is m.ParentLink:
        return Scope.allow(m.ParentLink.student.in_(
            m.Student.select(m.Student.id).where(m.Student.school.in_(schools))), "links of the school's students")
    if model is m.SchoolClass:
        return Scope.allow(m.SchoolClass.school.in_(schools), "classes of the school admin's school")
    if model is m.Consent:
        students = m.Student.select(m.Student.id).where(m.Student.school.in_(schools))
        parents = m.Parent.select(m.Parent.id).where(parent_condition(schools))
        return Scope.allow(m.Consent.subject_student.in_(students) | m.Consent.subject_parent.in_(parents),
                           "consents about the school's people")
    return None


def in_school(actor: Any, resource: Any) -> bool:
    """Whether a registry object belongs to the actor's school."""
    schools = school_ids_of(actor.user)
    if isinstance(resource, (m.Student, StudentInfo)):
        return resource.school_id in schools
    if isinstance(resource, (m.Parent, ParentInfo)):
        return m.Parent.select().where((m.Parent.id == resource.id) & parent_condition(schools)).exists()
    if isinstance(resource, (m.School, SchoolInfo)):
        return resource.id in schools
    if isinstance(resource, (m.SchoolClass, ClassInfo)):
        return resource.school_id in schools
    return False


def registry_permission(actor: Any, action: str, resource: Any) -> Decision | None:
    """Decisions about ``registry.*`` actions and about opening a single child's card."""
    role = actor.role
    if action == "registry.readiness":
        if role in READINESS_ROLES:
            return allow("readiness figures of the actor's schools")
        return deny("readiness figures are for school and municipal staff")
    if action == "registry.readiness.details":
        if role == "school_admin":
            return allow("the school admin sees who lacks which step")
        return deny("lists of people are for the school admin; others see aggregates only")
    if action == "registry.readiness.drill":
        # one school's readiness by class, and one class's list of what is missing (issue 16, item 6)
        if role not in READINESS_ROLES:
            return deny("readiness figures are for school and municipal staff")
        if resource is None or role == "operator":
            return allow("readiness of the region's schools")
        is_school = isinstance(resource, (m.School, SchoolInfo))
        school_id = resource.id if is_school else getattr(resource, "school_id", None)
        if school_id in school_ids_of(actor.user):
            return allow("readiness of one of the actor's schools")
        return deny("the school is not one of the actor's schools")
    if action.startswith("registry."):
        if role != "school_admin":
            return deny("registries are kept by the school admin")
        if resource is None or in_school(actor, resource):
            return allow("the school admin keeps the registries of their school")
        return deny("the person is not in the school admin's school")
    if action == "student.read" and role in AGGREGATE_ROLES:
        return deny("the municipality sees aggregates only, never a single child's card")
    return None


# --- organisations and staff accounts ----------------------------------------------------------------

# Who may create which staff account: role of the actor → roles it may create.
STAFF_CREATORS = {
    "operator": ("municipality", "school_admin"),
    "municipality": ("school_admin",),
    "school_admin": ("teacher", "deputy"),
}
# Accounts a school admin manages (edit names, block): the school's teachers and deputies.
MANAGED_ROLES = ("teacher", "deputy")


def own_staff(actor: Any) -> m.Staff | None:
    return staff_row(actor.user)


def _admins_kept_by(actor: Any) -> Any:
    """Staff rows the municipality or the operator edits and blocks: one level down, as they issue logins.

    The municipality keeps the school admins of its schools; the operator keeps every school
    admin and every municipality specialist. Nobody keeps their own account here.
    """
    def with_role(*roles: str) -> Any:
        return m.Staff.user.in_(User.select(User.id).where(User.role.in_(roles) & (User.id != actor.id)))

    if actor.role == "operator":
        return with_role("school_admin", "municipality")
    staff = own_staff(actor)
    if staff is None or staff.municipality_id is None:
        return m.Staff.id.is_null(True)  # matches nothing
    schools = m.School.select(m.School.id).where(m.School.municipality == staff.municipality_id)
    return with_role("school_admin") & m.Staff.school.in_(schools)


def org_scope(actor: Any, action: str, model: type) -> Scope | None:
    """Organisations and staff rows behind the ``org.*`` and ``staff.*`` actions."""
    role = actor.role
    if model is m.School and action == "org.read":
        if role == "operator":
            return Scope.allow(m.School.id.is_null(False), "the region operator sees every school")
        if role == "municipality":
            staff = own_staff(actor)
            if staff is not None and staff.municipality_id is not None:
                return Scope.allow(m.School.municipality == staff.municipality_id,
                                   "the municipality sees the schools of its municipality")
        return None
    if model is m.Municipality and action in ("org.read", "org.write") and role == "operator":
        return Scope.allow(m.Municipality.id.is_null(False), "the region operator keeps the municipalities")
    if model is m.School and action == "org.write" and role == "operator":
        return Scope.allow(m.School.id.is_null(False), "the region operator keeps the schools")
    if model is m.Staff and action == "staff.write" and role in ("municipality", "operator"):
        return Scope.allow(_admins_kept_by(actor), "the accounts this role keeps: school admins (and, for the "
                                                   "operator, municipality specialists)")
    if model is m.Staff and action in ("staff.read", "staff.write") and role == "school_admin":
        staff = own_staff(actor)
        if staff is None or staff.school_id is None:
            return None
        condition = m.Staff.school == staff.school_id
        if action == "staff.write":
            condition &= m.Staff.user.in_(User.select(User.id).where(User.role.in_(MANAGED_ROLES)))
            return Scope.allow(condition, "the school admin manages teachers and deputies of the school")
        return Scope.allow(condition, "the school admin sees the staff of the school")
    return None


def _org_write(actor: Any, resource: Any) -> Decision:
    if actor.role == "operator":
        return allow("the region operator keeps municipalities and schools")
    return deny("municipalities and schools are kept by the region operator")


def _org_read(actor: Any, resource: Any) -> Decision:
    if actor.role == "operator":
        return allow("the region operator sees every organisation")
    if actor.role != "municipality":
        return deny("organisations are seen by the region operator and the municipality")
    staff = own_staff(actor)
    mine = staff.municipality_id if staff is not None else None
    if resource is None and mine is not None:
        return allow("the municipality sees its schools")
    if isinstance(resource, (m.School, SchoolInfo)) and mine is not None and resource.municipality_id == mine:
        return allow("a school of the actor's municipality")
    return deny("the school is not in the actor's municipality")


def _staff_create(actor: Any, resource: Any, wanted: str) -> Decision:
    role = actor.role
    if wanted not in STAFF_CREATORS.get(role, ()):
        return deny("this role may not create such accounts")
    if role == "operator":
        return allow("the region operator creates municipal and school admin accounts")
    staff = own_staff(actor)
    if staff is None:
        return deny("the actor has no staff record")
    if role == "municipality":
        if isinstance(resource, (m.School, SchoolInfo)) and resource.municipality_id == staff.municipality_id:
            return allow("a school admin for a school of the actor's municipality")
        return deny("the school is not in the actor's municipality")
    if isinstance(resource, (m.School, SchoolInfo)) and resource.id == staff.school_id:
        return allow("teachers and deputies of the school admin's own school")
    return deny("the school is not the school admin's school")


def _admins_write(actor: Any, resource: Any) -> Decision:
    if isinstance(resource, (m.Staff, StaffInfo)) and m.Staff.select().where(
            (m.Staff.id == resource.id) & _admins_kept_by(actor)).exists():
        return allow("the school admins of the actor's schools (and municipality specialists for the operator)")
    return deny("the municipality keeps the school admins of its schools; the operator also its specialists")


def _school_staff(actor: Any, resource: Any, write: bool) -> Decision:
    if actor.role != "school_admin":
        return deny("school staff accounts are kept by the school admin")
    staff = own_staff(actor)
    if staff is None or staff.school_id is None:
        return deny("the actor has no school")
    if resource is None:
        return allow("the school admin's staff list")
    if isinstance(resource, (m.Staff, StaffInfo)) and resource.school_id == staff.school_id:
        if not write or (resource.user_id is not None and User.get_by_id(resource.user_id).role in MANAGED_ROLES):
            return allow("a teacher or deputy of the school admin's school")
    return deny("not a teacher or deputy of the school admin's school")


def _staff_write(actor: Any, resource: Any) -> Decision:
    if actor.role in ("municipality", "operator"):
        return _admins_write(actor, resource)
    return _school_staff(actor, resource, write=True)


# The organisation and staff actions registries owns (docs/plugin-api.md, "Actions"): action → rule. Every
# other ``org.*`` / ``staff.*`` action belongs to the plugin that defines it, so registries says nothing.
ORG_ACTIONS = {
    "org.write": _org_write,
    "org.read": _org_read,
    "staff.read": lambda actor, resource: _school_staff(actor, resource, write=False),
    "staff.write": _staff_write,
}
STAFF_CREATE = "staff.create."  # staff.create.<role>: issue an account of that role


def org_permission(actor: Any, action: str, resource: Any) -> Decision | None:
    """Decisions about the ``org.*`` and ``staff.*`` actions of ``ORG_ACTIONS`` and ``staff.create.<role>``.

    ``None`` for any other action of those prefixes: another plugin's to allow or deny (default deny).
    """
    if action.startswith(STAFF_CREATE):
        return _staff_create(actor, resource, action.removeprefix(STAFF_CREATE))
    rule = ORG_ACTIONS.get(action)
    return rule(actor, resource) if rule is not None else None
