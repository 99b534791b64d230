"""Changes to organisations, staff accounts and classes, each audited with its old and new values.

The web pages call these (the command line keeps its own small versions). A
staff member is never deleted: the account is blocked instead.
"""

from __future__ import annotations

from typing import Any

import peewee

from core.api import User, _, audit, model_dict
from plugins.registries import models as m
from plugins.registries import people
from plugins.registries.importer import academic_year
from plugins.registries.people import RegistryConflict

MUNICIPALITY_FIELDS = ("code", "name")
SCHOOL_FIELDS = ("code", "name", "short_name", "address", "phone", "email", "website", "service_contact",
                 "municipality")
STAFF_FIELDS = ("last_name", "first_name", "middle_name", "position")
CLASS_TEACHER_ROLES = ("teacher", "deputy")


def _check_code_free(model: type, code: str, own_id: int | None, message: str) -> None:
    found = model.get_or_none(model.code == code)
    if found is not None and found.id != own_id:
        raise RegistryConflict("code", message)


def _check_municipality_code(code: str, own_id: int | None = None) -> None:
    _check_code_free(m.Municipality, code, own_id, _("Муниципалитет с этим кодом уже есть."))


def _check_school_code(code: str, own_id: int | None = None) -> None:
    _check_code_free(m.School, code, own_id, _("Школа с этим кодом уже есть."))


def _unique_guard(field: str, message: str):
    """A concurrent insert of the same code surfaces as the same field error (caller holds a savepoint)."""

    class Guard:
        def __enter__(self):
            return self

        def __exit__(self, kind, exc, tb):
            if kind is not None and issubclass(kind, peewee.IntegrityError):
                raise RegistryConflict(field, message) from exc
            return False

    return Guard()


def create_municipality(data: dict[str, Any]) -> m.Municipality:
    _check_municipality_code(data["code"])
    with _unique_guard("code", _("Муниципалитет с этим кодом уже есть.")):
        created = m.Municipality.create(**{k: data[k] for k in MUNICIPALITY_FIELDS})
    audit("municipality.create", "municipality", created.id,
          details={"old": None, "new": model_dict(created, MUNICIPALITY_FIELDS)})
    return created


def update_municipality(municipality: m.Municipality, data: dict[str, Any]) -> dict:
    _check_municipality_code(data["code"], municipality.id)
    with _unique_guard("code", _("Муниципалитет с этим кодом уже есть.")):
        return people.update_record(municipality, {k: data[k] for k in MUNICIPALITY_FIELDS},
                                    MUNICIPALITY_FIELDS, "municipality")


def _school_values(data: dict[str, Any]) -> dict[str, Any]:
    values = {k: data[k] for k in SCHOOL_FIELDS}
    values["short_name"] = values["short_name"] or values["name"][:200]
    if m.Municipality.get_or_none(m.Municipality.id == values["municipality"]) is None:
        raise RegistryConflict("municipality", _("Выберите муниципалитет из списка."))
    return values


def create_school(data: dict[str, Any]) -> m.School:
    _check_school_code(data["code"])
    values = _school_values(data)
    with _unique_guard("code", _("Школа с этим кодом уже есть.")):
        created = m.School.create(**values)
    audit("school.create", "school", created.id, details={"old": None, "new": model_dict(created, SCHOOL_FIELDS)})
    return created


def update_school(school: m.School, data: dict[str, Any]) -> dict:
    _check_school_code(data["code"], school.id)
    values = _school_values(data)
    with _unique_guard("code", _("Школа с этим кодом уже есть.")):
        return people.update_record(school, values, SCHOOL_FIELDS, "school")


def create_staff(role: str, data: dict[str, Any], *, school: m.School | None = None,
                 municipality: m.Municipality | None = None) -> m.Staff:
    """A staff member with a user account of ``role``, scoped to a school or a municipality."""
    if role in m.SCHOOL_STAFF_ROLES and school is None or role == "municipality" and municipality is None:
        raise ValueError(f"{role} needs its school or municipality")
    staff = m.Staff(school=school, municipality=municipality, **{k: data[k] for k in STAFF_FIELDS})
    user = User.create(display_name=staff.full_name, role=role)
    staff.user = user
    staff.save()
    audit("user.create", "user", user.id, details={"old": None, "new": {"role": role, "person": f"staff:{staff.id}"}})
    audit("staff.create", "staff", staff.id, details={"old": None, "new": {
        **model_dict(staff, STAFF_FIELDS), "role": role, "user": user.id,
        "school": school.id if school else None, "municipality": municipality.id if municipality else None}})
    return staff


def update_staff(staff: m.Staff, data: dict[str, Any]) -> dict:
    """Names and position; the account's display name follows the full name."""
    changes = people.update_record(staff, {k: data[k] for k in STAFF_FIELDS}, STAFF_FIELDS, "staff")
    if staff.user_id is not None:
        user = User.get_by_id(staff.user_id)
        if user.display_name != staff.full_name:
            old = user.display_name
            User.update(display_name=staff.full_name).where(User.id == user.id).execute()
            audit("user.update", "user", user.id,
                  details={"old": {"display_name": old}, "new": {"display_name": staff.full_name}})
    return changes


def teachers_of(school_id: int) -> list[m.Staff]:
    """Staff who may lead a class: the school's teachers and deputies with active accounts."""
    return list(m.Staff.select(m.Staff).join(User).where(
        (m.Staff.school == school_id) & User.role.in_(CLASS_TEACHER_ROLES) & (User.is_blocked == False))  # noqa: E712
        .order_by(m.Staff.last_name, m.Staff.first_name, m.Staff.id))


def _check_teacher(school_id: int, staff_id: int | None) -> None:
    if staff_id is not None and staff_id not in {s.id for s in teachers_of(school_id)}:
        raise RegistryConflict("class_teacher", _("Выберите классного руководителя из учителей школы."))


def create_class(school_id: int, grade: int, letter: str, class_teacher: int | None,
                 year: int | None = None) -> m.SchoolClass:
    year = academic_year() if year is None else year
    _check_teacher(school_id, class_teacher)
    exists = m.SchoolClass.get_or_none((m.SchoolClass.school == school_id) & (m.SchoolClass.year == year)
                                       & (m.SchoolClass.grade == grade) & (m.SchoolClass.letter == letter))
    if exists is not None:
        raise RegistryConflict("name", _("Такой класс в этом учебном году уже есть."))
    with _unique_guard("name", _("Такой класс в этом учебном году уже есть.")):
        created = m.SchoolClass.create(school=school_id, year=year, grade=grade, letter=letter,
                                       class_teacher=class_teacher)
    audit("class.create", "school_class", created.id,
          details={"old": None, "new": {"name": created.name, "year": year, "class_teacher": class_teacher}})
    return created


def set_class_teacher(school_class: m.SchoolClass, class_teacher: int | None) -> bool:
    _check_teacher(school_class.school_id, class_teacher)
    old = school_class.class_teacher_id
    if old == class_teacher:
        return False
    m.SchoolClass.update(class_teacher=class_teacher).where(m.SchoolClass.id == school_class.id).execute()
    school_class.class_teacher = class_teacher
    audit("class.update", "school_class", school_class.id,
          details={"old": {"class_teacher": old}, "new": {"class_teacher": class_teacher}})
    return True
