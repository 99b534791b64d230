"""The registries service: what other plugins may ask about people without importing this plugin.

Registered as ``core.api.service("registries")``. Its attributes and methods
below are the documented contract (see ``docs/plugins/registries.md``).
"""

from __future__ import annotations

from typing import Any

import peewee

from core.api import LoginIdentity, lazy_gettext
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


def enrolled_ids(school_ids: list[int]) -> Any:
    """Subquery: ids of students enrolled now in the given schools."""
    return m.Student.select(m.Student.id).where(
        m.Student.school.in_(list(school_ids)) & (m.Student.status == "enrolled")
    )


def children_with_parents(school_ids: list[int], at_least: int) -> Any:
    """Subquery: enrolled students with at least ``at_least`` actively linked parents that have SNILS."""
    return (
        m.ParentLink.select(m.ParentLink.student)
        .join(m.Parent)
        .where(
            m.ParentLink.ended_at.is_null()
            & m.Parent.snils.is_null(False)
            & (m.Parent.snils != "")
            & m.ParentLink.student.in_(enrolled_ids(school_ids))
        )
        .group_by(m.ParentLink.student)
        .having(peewee.fn.COUNT(m.ParentLink.parent.distinct()) >= at_least)
    )


def linked_parent_ids(school_ids: list[int]) -> Any:
    """Subquery: parents actively linked to a student enrolled in the given schools."""
    return m.ParentLink.select(m.ParentLink.parent).where(
        m.ParentLink.ended_at.is_null() & m.ParentLink.student.in_(enrolled_ids(school_ids))
    )


def esia_user_ids() -> Any:
    """Subquery: users who have logged in through Gosuslugi (ESIA) at least once."""
    return LoginIdentity.select(LoginIdentity.user).where(
        (LoginIdentity.provider == "esia") & LoginIdentity.last_login_at.is_null(False)
    )


# The readiness steps: key, label, and the query pair (done rows, total rows) for a list of schools.
READINESS_STEPS = (
    ("students_consent", lazy_gettext("Обучающиеся внесены с согласием на обработку данных")),
    ("children_one_parent", lazy_gettext("У ребёнка внесён хотя бы один родитель со СНИЛС")),
    ("children_both_parents", lazy_gettext("У ребёнка внесены оба родителя со СНИЛС")),
    ("parents_user", lazy_gettext("Родителям созданы пользователи")),
    ("parents_esia", lazy_gettext("Родители хотя бы раз вошли через Госуслуги")),
)


def readiness_queries(key: str, school_ids: list[int]) -> tuple[Any, Any]:
    """(missing, total) queries of one readiness step: rows that still lack the step, and all rows."""
    ids = list(school_ids)
    if key in ("students_consent", "children_one_parent", "children_both_parents"):
        total = m.Student.select().where(m.Student.id.in_(enrolled_ids(ids)))
        if key == "students_consent":
            done_condition = active_consent_for_student()
        else:
            done_condition = m.Student.id.in_(children_with_parents(ids, 1 if key == "children_one_parent" else 2))
        return total.where(~done_condition), total
    parents = m.Parent.select().where(m.Parent.id.in_(linked_parent_ids(ids)))
    if key == "parents_user":
        return parents.where(m.Parent.user.is_null()), parents
    if key == "parents_esia":
        with_user = parents.where(m.Parent.user.is_null(False))
        return with_user.where(m.Parent.user.not_in(esia_user_ids())), with_user
    raise KeyError(key)


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

    def readiness(self, school_ids: list[int]) -> list[dict]:
        """Readiness of schools for the service («готовность к оказанию услуги»), step by step.

        One dict per step, in the order of ``READINESS_STEPS``:
        ``{"key", "label", "done", "total", "percent", "fix_endpoint"}``;
        ``percent`` is 0–100 (0 when ``total`` is 0); ``fix_endpoint`` names
        the school admin's page listing who lacks the step (no URL arguments).
        """
        out = []
        for key, label in READINESS_STEPS:
            missing, total = readiness_queries(key, school_ids)
            total_count = total.count() if school_ids else 0
            done = total_count - missing.count() if total_count else 0
            out.append({
                "key": key,
                "label": str(label),
                "done": done,
                "total": total_count,
                "percent": round(100.0 * done / total_count, 1) if total_count else 0.0,
                "fix_endpoint": f"registries.gaps_{key}",
            })
        return out
