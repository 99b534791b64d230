"""The registries service: what other plugins may ask about people without importing this plugin.

Registered as ``core.api.service("registries")``. Its attributes and methods
below are the documented contract (see ``docs/plugins/registries.md``).
"""

from __future__ import annotations

from typing import Any

import peewee

from plugins.registries import models as m

FAMILY_ROLES = ("parent", "student")
SCHOOL_ROLES = ("teacher", "deputy", "school_admin")


def active_consent_for_student() -> Any:
    """Condition on ``Student``: an unrevoked consent covers the student's data."""
    return peewee.fn.EXISTS(
        m.Consent.select(m.Consent.id).where(
            (m.Consent.subject_student == m.Student.id) & m.Consent.revoked_at.is_null()
        )
    )


def linked_student_ids(parent_user_id: int) -> Any:
    """Subquery: ids of students with an active link to the parent whose user is given."""
    return (
        m.ParentLink.select(m.ParentLink.student)
        .join(m.Parent)
        .where((m.Parent.user == parent_user_id) & m.ParentLink.ended_at.is_null())
    )


class RegistryService:
    """People and organisations, for other plugins (gradebook, auth, infographic)."""

    Municipality = m.Municipality
    School = m.School
    Staff = m.Staff
    SchoolClass = m.SchoolClass
    Student = m.Student
    Parent = m.Parent
    ParentLink = m.ParentLink
    Consent = m.Consent

    def person_of(self, user: Any) -> m.Student | m.Parent | m.Staff | None:
        """The registry person behind a user account, by the account's role."""
        if user is None:
            return None
        model = {"parent": m.Parent, "student": m.Student}.get(user.role, m.Staff)
        return model.get_or_none(model.user == user.id)

    def staff_of(self, user: Any) -> m.Staff | None:
        return m.Staff.get_or_none(m.Staff.user == user.id) if user is not None else None

    def school_ids_of(self, user: Any) -> list[int]:
        """Schools a staff account works in: its school, or every school of its municipality."""
        staff = self.staff_of(user)
        if staff is None:
            return []
        if staff.school_id is not None:
            return [staff.school_id]
        if staff.municipality_id is not None:
            return [s.id for s in m.School.select(m.School.id).where(m.School.municipality == staff.municipality_id)]
        return []

    def municipality_id_of(self, user: Any) -> int | None:
        staff = self.staff_of(user)
        if staff is None:
            return None
        if staff.municipality_id is not None:
            return staff.municipality_id
        return staff.school.municipality_id if staff.school_id else None

    def children_of(self, user: Any) -> peewee.ModelSelect:
        """Students a parent may see through the service: active link and active consent."""
        return (
            m.Student.select()
            .where(m.Student.id.in_(linked_student_ids(user.id)) & active_consent_for_student())
            .order_by(m.Student.last_name, m.Student.first_name)
        )

    def has_active_consent(self, student: m.Student) -> bool:
        return (
            m.Consent.select()
            .where((m.Consent.subject_student == student.id) & m.Consent.revoked_at.is_null())
            .exists()
        )

    def active_consent_condition(self) -> Any:
        return active_consent_for_student()
