"""Who may read and change registry data: the conditions behind the plugin's policy hooks.

Default deny. The school admin keeps the registries of their own school; a
deputy head sees readiness of the school; the municipality and the region
operator see readiness aggregates only and never a single person's card.
"""

from __future__ import annotations

from typing import Any

from core.api import Decision, Scope, allow, deny
from plugins.registries import models as m
from plugins.registries.service import RegistryService

service = RegistryService()

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
    schools = service.school_ids_of(actor.user)
    if model is m.Student:
        return Scope.allow(m.Student.school.in_(schools), "the school admin keeps the school's students")
    if model is m.Parent:
        return Scope.allow(parent_condition(schools), "the school admin keeps parents of the school's students")
    if model is m.ParentLink:
        return Scope.allow(m.ParentLink.student.in_(
            m.Student.select(m.Student.id).where(m.Student.school.in_(schools))), "links of the school's students")
    if model is m.Consent:
        students = m.Student.select(m.Student.id).where(m.Student.school.in_(schools))
        parents = m.Parent.select(m.Parent.id).where(parent_condition(schools))
        return Scope.allow(m.Consent.subject_student.in_(students) | m.Consent.subject_parent.in_(parents),
                           "consents about the school's people")
    return None


def in_school(actor: Any, resource: Any) -> bool:
    """Whether a registry object belongs to the actor's school."""
    schools = service.school_ids_of(actor.user)
    if isinstance(resource, m.Student):
        return resource.school_id in schools
    if isinstance(resource, m.Parent):
        return m.Parent.select().where((m.Parent.id == resource.id) & parent_condition(schools)).exists()
    if isinstance(resource, m.School):
        return resource.id in schools
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
    if action.startswith("registry."):
        if role != "school_admin":
            return deny("registries are kept by the school admin")
        if resource is None or in_school(actor, resource):
            return allow("the school admin keeps the registries of their school")
        return deny("the person is not in the school admin's school")
    if action == "student.read" and role in AGGREGATE_ROLES:
        return deny("the municipality sees aggregates only, never a single child's card")
    return None
