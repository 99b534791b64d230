"""The registries' part of the access log: names of what they write, who may read the log, what belongs to whom.

A school admin answers for the school's data, so they read every record about the school's students,
parents, classes and staff, and every record the school's staff made; a municipality specialist reads the same
for the schools of the municipality. People are named in full only to those who may open their card; the
municipality sees a child as «обучающийся 5А, Школа № 3», never by name.
"""

from __future__ import annotations

import functools
import operator
from typing import Any

import peewee

from core.api import AuditRecord, AuditVocabulary, Scope, allow, lazy_gettext
from plugins.registries import models as m
from plugins.registries.service import linked_student_ids, school_ids_of

LOG_READERS = ("school_admin", "municipality")

VOCABULARY = AuditVocabulary(
    actions={
        "student.read": lazy_gettext("просмотр карточки обучающегося"),
        "student.list": lazy_gettext("просмотр списка обучающихся"),
        "student.create": lazy_gettext("внесение обучающегося в реестр"),
        "student.update": lazy_gettext("изменение данных обучающегося"),
        "student.status": lazy_gettext("изменение статуса обучающегося"),
        "student.transfer_in": lazy_gettext("зачисление переводом из другой школы"),
        "parent.read": lazy_gettext("просмотр карточки родителя"),
        "parent.list": lazy_gettext("просмотр списка родителей"),
        "parent.create": lazy_gettext("внесение родителя в реестр"),
        "parent.update": lazy_gettext("изменение данных родителя"),
        "link.create": lazy_gettext("связь родителя с ребёнком"),
        "link.update": lazy_gettext("изменение связи родителя с ребёнком"),
        "link.end": lazy_gettext("прекращение связи родителя с ребёнком"),
        "consent.create": lazy_gettext("регистрация согласия на обработку данных"),
        "consent.revoke": lazy_gettext("отзыв согласия на обработку данных"),
        "class.create": lazy_gettext("создание класса"),
        "class.update": lazy_gettext("изменение класса"),
        "user.create": lazy_gettext("создание пользователя"),
        "user.update": lazy_gettext("изменение пользователя"),
        "registry.read": lazy_gettext("просмотр реестров школы"),
        "registry.write": lazy_gettext("изменение реестров школы"),
        "registry.import": lazy_gettext("импорт реестров"),
        "registry.export": lazy_gettext("выгрузка реестров"),
        "registry.school": lazy_gettext("выбор школы"),
        "registry.readiness": lazy_gettext("просмотр готовности к услуге"),
        "registry.readiness.details": lazy_gettext("просмотр списков неготовых"),
        "registry.readiness.drill": lazy_gettext("просмотр готовности школы или класса"),
        "registry.readiness.school": lazy_gettext("просмотр готовности школы по классам"),
        "registry.readiness.class": lazy_gettext("просмотр того, чего не хватает классу"),
        "municipality.create": lazy_gettext("создание муниципалитета"),
        "municipality.update": lazy_gettext("изменение муниципалитета"),
        "municipality.list": lazy_gettext("просмотр списка муниципалитетов"),
        "school.create": lazy_gettext("создание школы"),
        "school.update": lazy_gettext("изменение данных школы"),
        "school.read": lazy_gettext("просмотр карточки школы"),
        "school.list": lazy_gettext("просмотр списка школ"),
        "staff.create": lazy_gettext("создание учётной записи сотрудника"),
        "staff.update": lazy_gettext("изменение данных сотрудника"),
        "staff.read": lazy_gettext("просмотр карточки сотрудника"),
        "staff.list": lazy_gettext("просмотр списка сотрудников"),
        "staff.write": lazy_gettext("изменение учётной записи сотрудника"),
        "org.read": lazy_gettext("просмотр организаций"),
        "org.write": lazy_gettext("изменение организаций"),
    },
    objects={
        "student": lazy_gettext("обучающийся"),
        "parent": lazy_gettext("родитель"),
        "parent_link": lazy_gettext("связь родителя с ребёнком"),
        "parentlink": lazy_gettext("связь родителя с ребёнком"),
        "consent": lazy_gettext("согласие на обработку данных"),
        "school": lazy_gettext("школа"),
        "municipality": lazy_gettext("муниципалитет"),
        "region": lazy_gettext("регион"),
        "school_class": lazy_gettext("класс"),
        "schoolclass": lazy_gettext("класс"),
        "staff": lazy_gettext("сотрудник"),
        "report": lazy_gettext("отчёт"),
    },
    roles={
        "teacher": lazy_gettext("учитель"),
        "deputy": lazy_gettext("заместитель директора"),
        "school_admin": lazy_gettext("администратор школы"),
        "municipality": lazy_gettext("специалист муниципалитета"),
    },
)


def _ids(model: type, condition: Any) -> Any:
    """A subquery of ids as the audit log stores them (text), so ``object_id IN (…)`` uses its index."""
    return model.select(model.id.cast("TEXT")).where(condition)


def _is(object_type: str, ids: Any) -> Any:
    return (AuditRecord.object_type == object_type) & AuditRecord.object_id.in_(ids)


def about_schools(schools: Any) -> Any:
    """Records about the schools, their students, parents, classes and staff, and those their staff made."""
    students = m.Student.select(m.Student.id).where(m.Student.school.in_(schools))
    parents = m.ParentLink.select(m.ParentLink.parent).where(m.ParentLink.student.in_(students))
    staff_users = m.Staff.select(m.Staff.user).where(m.Staff.school.in_(schools) & m.Staff.user.is_null(False))
    return functools.reduce(operator.or_, [
        _is("school", _ids(m.School, m.School.id.in_(schools))),
        _is("student", _ids(m.Student, m.Student.school.in_(schools))),
        _is("parent", _ids(m.Parent, m.Parent.id.in_(parents) | m.Parent.registered_school.in_(schools))),
        _is("school_class", _ids(m.SchoolClass, m.SchoolClass.school.in_(schools))),
        _is("staff", _ids(m.Staff, m.Staff.school.in_(schools))),
        AuditRecord.user_id.in_(staff_users),
    ])


def about(object_type: str, object_id: str) -> Any:
    """``audit_about``: what belongs to a school, a municipality or a student in the registries."""
    if not object_id.isdigit():
        return None
    if object_type == "school":
        return about_schools([int(object_id)])
    if object_type == "municipality":
        return about_schools(m.School.select(m.School.id).where(m.School.municipality == int(object_id)))
    if object_type == "student":
        links = _ids(m.ParentLink, m.ParentLink.student == int(object_id))
        consents = _ids(m.Consent, m.Consent.subject_student == int(object_id))
        return _is("parent_link", links) | _is("consent", consents)
    return None


def may_read_log(actor: Any) -> bool:
    return actor.role in LOG_READERS and bool(school_ids_of(actor.user))


def permission(actor: Any, action: str) -> Any:
    """A school admin and a municipality specialist read the log of their schools."""
    if action == "audit.read" and may_read_log(actor):
        return allow("the school admin and the municipality read the access log of their schools")
    return None


def scope(actor: Any) -> Scope | None:
    if not may_read_log(actor):
        return None
    return Scope.allow(about_schools(school_ids_of(actor.user)),
                       "records about the actor's schools and what their staff did")


def names(actor: Any, object_type: str, object_ids: list[str]) -> dict[str, str] | None:
    """``audit_names`` for registry objects; people in full only for those who may open their cards."""
    ids = [int(i) for i in object_ids if i.isdigit()]
    if object_type == "school":
        return {str(s.id): s.short_name for s in m.School.select().where(m.School.id.in_(ids))}
    if object_type == "municipality":
        return {str(x.id): x.name for x in m.Municipality.select().where(m.Municipality.id.in_(ids))}
    if object_type in ("school_class", "schoolclass"):
        rows = m.SchoolClass.select(m.SchoolClass, m.School).join(m.School).where(m.SchoolClass.id.in_(ids))
        return {str(c.id): f"{c.name}, {c.school.short_name}" for c in rows}
    if object_type == "staff":
        return {str(s.id): s.full_name for s in m.Staff.select().where(m.Staff.id.in_(ids))}
    if object_type == "student":
        return _student_names(actor, ids)
    if object_type == "parent":
        known = _known_people(actor, m.Parent, ids)
        return {str(p.id): p.full_name if p.id in known else str(lazy_gettext("родитель обучающегося"))
                for p in m.Parent.select().where(m.Parent.id.in_(ids))}
    return None


def _student_names(actor: Any, ids: list[int]) -> dict[str, str]:
    rows = (m.Student.select(m.Student, m.SchoolClass, m.School).join(m.School)
            .switch(m.Student).join(m.SchoolClass, peewee.JOIN.LEFT_OUTER).where(m.Student.id.in_(ids)))
    known = _known_people(actor, m.Student, ids)
    named = {}
    for student in rows:
        place = ", ".join(p for p in ((student.school_class.name if student.school_class_id else ""),
                                      student.school.short_name) if p)
        who = student.full_name if student.id in known else str(lazy_gettext("обучающийся"))
        named[str(student.id)] = f"{who}, {place}"
    return named


def _known_people(actor: Any, model: type, ids: list[int]) -> set[int]:
    """Which of these people the actor may know by name: their own family, or the staff of their school."""
    user = getattr(actor, "user", None)
    if user is None:
        return set()
    if actor.role == "parent" and model is m.Student:
        return {sid for (sid,) in linked_student_ids(user.id).tuples()} & set(ids)
    if actor.role in ("teacher", "deputy", "school_admin"):
        schools = school_ids_of(user)
        if model is m.Student:
            query = m.Student.select(m.Student.id).where(m.Student.id.in_(ids) & m.Student.school.in_(schools))
        else:
            students = m.Student.select(m.Student.id).where(m.Student.school.in_(schools))
            query = m.Parent.select(m.Parent.id).where(m.Parent.id.in_(ids) & (
                m.Parent.id.in_(m.ParentLink.select(m.ParentLink.parent).where(m.ParentLink.student.in_(students)))
                | m.Parent.registered_school.in_(schools)))
        return {row.id for row in query}
    return set()
