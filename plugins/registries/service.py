"""The registries service: what other plugins may ask about people without importing this plugin.

Registered as ``core.api.service("registries")``; it implements ``core.api.RegistriesService`` (the
documented contract, ``docs/plugins/registries.md``) and hands out frozen values (``StudentInfo`` …),
never rows or table classes. The ``*_row`` functions are for this plugin's own modules.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

import peewee

from core.api import (
    ClassInfo,
    LoginIdentity,
    Param,
    ParentInfo,
    PersonInfo,
    RegistriesService,
    SchoolInfo,
    StaffInfo,
    StudentInfo,
    get_or_deny,
    in_scope,
    lazy_gettext,
    prepared,
    scope,
    utcnow,
)
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


def _row_of_user(model: type) -> Any:
    return prepared(lambda: model.select().where(model.user == Param("user")).limit(1))


# the registry row behind an account: read on most pages (the header, the policy), so prepared
_ROW_OF_USER = {model: _row_of_user(model) for model in (m.Parent, m.Student, m.Staff)}


def person_row(user: Any) -> m.Student | m.Parent | m.Staff | None:
    """The registry row behind a user account, by the account's role."""
    if user is None:
        return None
    model = {"parent": m.Parent, "student": m.Student}.get(user.role, m.Staff)
    return _ROW_OF_USER[model].first(user=user.id)


def staff_row(user: Any) -> m.Staff | None:
    return _ROW_OF_USER[m.Staff].first(user=user.id) if user is not None else None


def school_ids_of(user: Any) -> list[int]:
    """Schools a staff account works in: its school, or every school of its municipality."""
    staff = staff_row(user)
    if staff is None:
        return []
    if staff.school_id is not None:
        return [staff.school_id]
    if staff.municipality_id is not None:
        return [s.id for s in m.School.select(m.School.id).where(m.School.municipality == staff.municipality_id)]
    return []


def municipality_id_of(user: Any) -> int | None:
    staff = staff_row(user)
    if staff is None:
        return None
    if staff.municipality_id is not None:
        return staff.municipality_id
    return staff.school.municipality_id if staff.school_id else None


def children_rows(user: Any) -> peewee.ModelSelect:
    """Students a parent may see through the service: active link and active consent."""
    return (
        m.Student.select()
        .where(m.Student.id.in_(linked_student_ids(user.id)) & active_consent_for_student())
        .order_by(m.Student.last_name, m.Student.first_name)
    )


# --- rows → values -----------------------------------------------------------------------------------

def _ids(ids: Iterable[int]) -> list[int]:
    return list({int(i) for i in ids if i is not None})


def school_info(s: m.School) -> SchoolInfo:
    return SchoolInfo(id=s.id, municipality_id=s.municipality_id, code=s.code, name=s.name,
                      short_name=s.short_name, address=s.address, phone=s.phone, email=s.email,
                      website=s.website, service_contact=s.service_contact)


def class_info(c: m.SchoolClass, school_short_name: str = "") -> ClassInfo:
    return ClassInfo(id=c.id, school_id=c.school_id, year=c.year, grade=c.grade, letter=c.letter,
                     class_teacher_id=c.class_teacher_id, school_short_name=school_short_name)


def staff_info(s: m.Staff, school_short_name: str = "", municipality_name: str = "") -> StaffInfo:
    return StaffInfo(id=s.id, last_name=s.last_name, first_name=s.first_name, middle_name=s.middle_name,
                     position=s.position, school_id=s.school_id, municipality_id=s.municipality_id,
                     user_id=s.user_id, school_short_name=school_short_name, municipality_name=municipality_name)


def parent_info(p: m.Parent) -> ParentInfo:
    return ParentInfo(id=p.id, last_name=p.last_name, first_name=p.first_name, middle_name=p.middle_name,
                      user_id=p.user_id)


# Students are read with their school's and class's names in one query.
_STUDENT_COLUMNS = (m.Student.id, m.Student.last_name, m.Student.first_name, m.Student.middle_name,
                    m.Student.birth_date, m.Student.gender, m.Student.school, m.Student.school_class,
                    m.Student.status, m.Student.user, m.School.name, m.School.short_name,
                    m.SchoolClass.grade, m.SchoolClass.letter)


def _student_select() -> peewee.ModelSelect:
    return (m.Student.select(*_STUDENT_COLUMNS)
            .join(m.School, on=(m.Student.school == m.School.id))
            .switch(m.Student)
            .join(m.SchoolClass, peewee.JOIN.LEFT_OUTER, on=(m.Student.school_class == m.SchoolClass.id)))


@prepared
def _classes_by_id():
    return m.SchoolClass.select().where(m.SchoolClass.id.in_(Param("ids", many=True)))


@prepared
def _schools_by_id():
    return m.School.select().where(m.School.id.in_(Param("ids", many=True)))


_PREPARED_STUDENTS: dict[str, Callable[..., list[StudentInfo]]] = {}  # prepared_students, by name


@prepared
def _students():
    return _student_select().tuples()


@prepared
def _first_students_by_name():
    return _student_select().order_by(*_BY_NAME).limit(Param("limit")).tuples()


@prepared
def _students_by_id():
    return _student_select().where(m.Student.id.in_(Param("ids", many=True))).tuples()


@prepared
def _staff_with_places():
    return (m.Staff.select(m.Staff, m.School.short_name.alias("school_short"),
                           m.Municipality.name.alias("municipality_name"))
            .join(m.School, peewee.JOIN.LEFT_OUTER, on=(m.Staff.school == m.School.id)).switch(m.Staff)
            .join(m.Municipality, peewee.JOIN.LEFT_OUTER, on=(m.Staff.municipality == m.Municipality.id))
            .where(m.Staff.id.in_(Param("ids", many=True))).objects())


def _student_values(query: Any) -> list[StudentInfo]:
    """Values of ``_student_select()`` rows: the query itself, or tuples it has already given."""
    out = []
    for (sid, last, first, middle, born, gender, school_id, class_id, status, user_id,
         school_name, school_short, grade, letter) in (query.tuples() if hasattr(query, "tuples") else query):
        out.append(StudentInfo(id=sid, last_name=last, first_name=first, middle_name=middle or "",
                               birth_date=born, gender=gender, school_id=school_id, school_class_id=class_id,
                               status=status, user_id=user_id, school_name=school_name,
                               school_short_name=school_short or "",
                               class_name=f"{grade}{letter or ''}" if class_id is not None else ""))
    return out


_BY_NAME = (m.Student.last_name, m.Student.first_name, m.Student.id)
_KINDS = {m.Student: "student", m.SchoolClass: "class", m.School: "school", m.Staff: "staff", m.Parent: "parent"}


class RegistryService:
    """People and organisations, for other plugins: implements ``core.api.RegistriesService``."""

    # accounts → people

    def person_of(self, user: Any) -> PersonInfo | None:
        row = person_row(user)
        if row is None:
            return None
        kind = {m.Student: "student", m.Parent: "parent"}.get(type(row), "staff")
        return PersonInfo(kind=kind, id=row.id, last_name=row.last_name, first_name=row.first_name,
                          middle_name=row.middle_name, user_id=row.user_id,
                          birth_date=getattr(row, "birth_date", None),
                          school_id=getattr(row, "school_id", None),
                          school_class_id=getattr(row, "school_class_id", None),
                          municipality_id=getattr(row, "municipality_id", None))

    def staff_of(self, user: Any) -> StaffInfo | None:
        row = staff_row(user)
        return staff_info(row) if row is not None else None

    def school_ids_of(self, user: Any) -> list[int]:
        return school_ids_of(user)

    def municipality_id_of(self, user: Any) -> int | None:
        return municipality_id_of(user)

    def children_of(self, user: Any) -> list[StudentInfo]:
        if user is None:
            return []
        return _student_values(_student_select().where(
            m.Student.id.in_(linked_student_ids(user.id)) & active_consent_for_student()).order_by(*_BY_NAME))

    def snils_matches(self, user: Any, snils: str) -> bool | None:
        row = person_row(user)
        registered = re.sub(r"\D", "", getattr(row, "snils", None) or "")
        if not registered:
            return None
        return registered == re.sub(r"\D", "", snils or "")

    # batched lookups

    def schools(self, ids: Iterable[int]) -> dict[int, SchoolInfo]:
        wanted = _ids(ids)
        if not wanted:
            return {}
        return {s.id: school_info(s) for s in _schools_by_id(ids=wanted)}

    def school(self, school_id: int) -> SchoolInfo | None:
        return self.schools([school_id]).get(school_id)

    def all_school_ids(self) -> list[int]:
        return [i for (i,) in m.School.select(m.School.id).order_by(m.School.id).tuples()]

    def classes(self, ids: Iterable[int]) -> dict[int, ClassInfo]:
        wanted = _ids(ids)
        if not wanted:
            return {}
        return {c.id: class_info(c) for c in _classes_by_id(ids=wanted)}

    def classes_of_school(self, school_id: int, year: int | None = None) -> list[ClassInfo]:
        where = m.SchoolClass.school == school_id
        if year is not None:
            where &= m.SchoolClass.year == year
        return [class_info(c) for c in m.SchoolClass.select().where(where)
                .order_by(m.SchoolClass.year.desc(), m.SchoolClass.grade, m.SchoolClass.letter)]

    def staff_members(self, ids: Iterable[int]) -> dict[int, StaffInfo]:
        wanted = _ids(ids)
        if not wanted:
            return {}
        return {s.id: staff_info(s, s.school_short or "", s.municipality_name or "")
                for s in _staff_with_places(ids=wanted)}

    def staff_of_school(self, school_id: int) -> list[StaffInfo]:
        return [staff_info(s) for s in m.Staff.select().where(m.Staff.school == school_id)
                .order_by(m.Staff.last_name, m.Staff.first_name, m.Staff.id)]

    def students(self, ids: Iterable[int]) -> dict[int, StudentInfo]:
        wanted = _ids(ids)
        if not wanted:
            return {}
        return {s.id: s for s in _student_values(_students_by_id(ids=wanted))}

    def find_students(self, where: Any, *, limit: int | None = None) -> list[StudentInfo]:
        query = _student_select().where(where).order_by(*_BY_NAME)
        return _student_values(query.limit(limit) if limit is not None else query)

    def prepared_students(self, name: str, where: Callable[[], Any]) -> Callable[..., list[StudentInfo]]:
        found = _PREPARED_STUDENTS.get(name)
        if found is None:
            query = prepared(lambda: _student_select().where(where()).order_by(*_BY_NAME).tuples())

            def found(**params: Any) -> list[StudentInfo]:
                return _student_values(query(**params))

            _PREPARED_STUDENTS[name] = found
        return found

    def parents(self, ids: Iterable[int]) -> dict[int, ParentInfo]:
        wanted = _ids(ids)
        if not wanted:
            return {}
        return {p.id: parent_info(p) for p in m.Parent.select().where(m.Parent.id.in_(wanted))}

    def parents_of(self, student_ids: Iterable[int]) -> dict[int, list[ParentInfo]]:
        wanted = _ids(student_ids)
        out: dict[int, list[ParentInfo]] = {}
        if not wanted:
            return out
        rows = (m.Parent.select(m.Parent, m.ParentLink.student.alias("linked_student"))
                .join(m.ParentLink, on=(m.ParentLink.parent == m.Parent.id))
                .where(m.ParentLink.student.in_(wanted) & m.ParentLink.ended_at.is_null())
                .order_by(m.Parent.id).objects())
        for p in rows:
            out.setdefault(p.linked_student, []).append(parent_info(p))
        return out

    def parents_with_accounts(self, limit: int, exclude: Iterable[int] = ()) -> list[ParentInfo]:
        return [parent_info(p) for p in m.Parent.select().where(
            m.Parent.user.is_null(False) & m.Parent.id.not_in(_ids(exclude) or [0]))
            .order_by(m.Parent.id).limit(limit)]

    def attach_student_user(self, student_id: int, user_id: int) -> None:
        m.Student.update(user=user_id, updated_at=utcnow()).where(m.Student.id == student_id).execute()

    # families

    def is_linked_parent(self, user: Any, student_id: int) -> bool:
        if user is None:
            return False
        return (m.ParentLink.select().join(m.Parent)
                .where((m.Parent.user == user.id) & (m.ParentLink.student == student_id)
                       & m.ParentLink.ended_at.is_null()).exists())

    def has_active_consent(self, student_id: int) -> bool:
        return (m.Consent.select()
                .where((m.Consent.subject_student == student_id) & m.Consent.revoked_at.is_null())
                .exists())

    # policy-checked reads

    def student_or_deny(self, actor: Any, action: str, student_id: int) -> StudentInfo:
        # one query: the scope and the names together (get_or_deny adds the id and the scope)
        row = get_or_deny(actor, action, m.Student, student_id, query=_students)
        return _student_values([row])[0]

    def may_act_on_students(self, actor: Any, action: str, student_ids: Iterable[int]) -> set[int]:
        wanted = _ids(student_ids)
        if not wanted:
            return set()
        return {i for (i,) in m.Student.select(m.Student.id).where(
            m.Student.id.in_(wanted) & scope(actor, action, m.Student)).tuples()}

    def visible_students(self, actor: Any, action: str, where: Any = None, *,
                         limit: int | None = None) -> list[StudentInfo]:
        if where is None and limit is not None:  # a family's children: the statement rendered once
            found, values = in_scope(_first_students_by_name, actor, action, m.Student, name="by name")
            return _student_values(found(limit=limit, **values))
        condition = scope(actor, action, m.Student)
        return self.find_students(condition if where is None else condition & where, limit=limit)

    def visible_student_ids(self, actor: Any, action: str) -> Any:
        return m.Student.select(m.Student.id).where(scope(actor, action, m.Student))

    def class_or_deny(self, actor: Any, action: str, class_id: int) -> ClassInfo:
        row = get_or_deny(actor, action, m.SchoolClass, class_id,
                          query=m.SchoolClass.select(m.SchoolClass, m.School.short_name).join(m.School))
        return class_info(row, row.school.short_name)

    def visible_classes(self, actor: Any, action: str) -> list[ClassInfo]:
        rows = (m.SchoolClass.select(m.SchoolClass, m.School.short_name).join(m.School)
                .where(scope(actor, action, m.SchoolClass))
                .order_by(m.School.short_name, m.SchoolClass.year.desc(), m.SchoolClass.grade, m.SchoolClass.letter))
        return [class_info(c, c.school.short_name) for c in rows]

    # SQL helpers

    def kind_of(self, model: Any) -> str | None:
        return _KINDS.get(model)

    def student_condition(self, *, ids: Any = None, class_ids: Any = None, school_ids: Any = None,
                          enrolled: bool | None = None, snils: str | None = None,
                          birth_date: Any = None) -> Any:
        parts = []
        if ids is not None:
            parts.append(m.Student.id.in_(ids))
        if class_ids is not None:
            parts.append(m.Student.school_class.in_(class_ids))
        if school_ids is not None:
            parts.append(m.Student.school.in_(school_ids))
        if enrolled is not None:
            parts.append((m.Student.status == "enrolled") if enrolled else (m.Student.status != "enrolled"))
        if snils is not None:
            parts.append(m.Student.snils == snils)
        if birth_date is not None:
            parts.append(m.Student.birth_date == birth_date)
        if not parts:
            return peewee.SQL("1 = 1")
        condition = parts[0]
        for part in parts[1:]:
            condition = condition & part
        return condition

    def class_condition(self, *, ids: Any = None, school_ids: Any = None) -> Any:
        parts = []
        if ids is not None:
            parts.append(m.SchoolClass.id.in_(ids))
        if school_ids is not None:
            parts.append(m.SchoolClass.school.in_(school_ids))
        if not parts:
            return peewee.SQL("1 = 1")
        return parts[0] & parts[1] if len(parts) == 2 else parts[0]

    def active_consent_condition(self) -> Any:
        return active_consent_for_student()

    def led_class_ids(self, staff_id: int) -> Any:
        return m.SchoolClass.select(m.SchoolClass.id).where(m.SchoolClass.class_teacher == staff_id)

    # readiness

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


def make_service() -> RegistriesService:
    """The one ``service("registries")`` object, typed by its Protocol."""
    return RegistryService()
