"""The gradebook's part of the access log: names of its actions and journal pages, and a child's journal reads.

A teacher who opens a class's journal reads every child of it, so «Кто смотрел данные ребёнка» counts the
journal pages (grid, lesson, attestation, history) of the child's class and groups among the child's records.
"""

from __future__ import annotations

import functools
import operator
from typing import Any

from core.api import AuditRecord, AuditVocabulary, lazy_gettext, service
from plugins.gradebook.models import GroupMember, Lesson, Subject, TeachingAssignment
from plugins.gradebook.queries import class_names

# Object types under which the journal pages of one assignment are audited, keyed by the assignment's id.
ASSIGNMENT_PAGES = ("assignment", "attestation", "history")

VOCABULARY = AuditVocabulary(
    actions={
        "progress.read": lazy_gettext("просмотр успеваемости"),
        "progress.list": lazy_gettext("просмотр списка детей"),
        "journal.read": lazy_gettext("просмотр журнала"),
        "journal.write": lazy_gettext("запись в журнал"),
        "journal.archive": lazy_gettext("выгрузка архива журнала"),
        "lesson.schedule": lazy_gettext("изменение расписания уроков"),
        "gradebook.manage": lazy_gettext("настройка журнала школы"),
        "year.close": lazy_gettext("закрытие учебного года"),
        "timeliness.read": lazy_gettext("просмотр своевременности заполнения журнала"),
        "attainment.read": lazy_gettext("просмотр отчёта об успеваемости"),
    },
    objects={
        "assignment": lazy_gettext("журнал предмета"),
        "attestation": lazy_gettext("аттестация по предмету"),
        "history": lazy_gettext("история изменений журнала"),
        "lesson": lazy_gettext("урок"),
        "teachingassignment": lazy_gettext("журнал предмета"),
        "academic_year": lazy_gettext("учебный год"),
        "year": lazy_gettext("учебный год"),
        "period": lazy_gettext("учебный период"),
        "holiday": lazy_gettext("каникулы"),
        "subject": lazy_gettext("предмет"),
        "work_type": lazy_gettext("вид работы"),
        "code": lazy_gettext("обозначение посещаемости"),
        "group": lazy_gettext("группа"),
        "slot": lazy_gettext("расписание"),
        "local_act": lazy_gettext("локальный акт о текущем контроле"),
    },
)


def _titles(assignment_ids: list[int]) -> dict[int, str]:
    """«Математика, 5А» for each assignment."""
    rows = (TeachingAssignment.select(TeachingAssignment.id, TeachingAssignment.class_id, Subject.name)
            .join(Subject).where(TeachingAssignment.id.in_(assignment_ids)).tuples())
    rows = list(rows)
    classes = class_names(class_id for _, class_id, _ in rows)
    return {aid: ", ".join(p for p in (subject, classes.get(class_id, "")) if p) for aid, class_id, subject in rows}


def names(object_type: str, object_ids: list[str]) -> dict[str, str] | None:
    ids = [int(i) for i in object_ids if i.isdigit()]
    if object_type in ASSIGNMENT_PAGES or object_type == "teachingassignment":
        return {str(k): v for k, v in _titles(ids).items()}
    if object_type == "lesson":
        lessons = list(Lesson.select(Lesson.id, Lesson.date, Lesson.assignment).where(Lesson.id.in_(ids)))
        titles = _titles(sorted({lesson.assignment_id for lesson in lessons}))
        return {str(lesson.id): f"{titles.get(lesson.assignment_id, '')}, {lesson.date.strftime('%d.%m.%Y')}"
                for lesson in lessons}
    return None


def about(object_type: str, object_id: str) -> Any:
    """The journal pages of the child's class (and of the groups the child is in)."""
    if object_type != "student" or not object_id.isdigit():
        return None
    student = service("registries").students([int(object_id)]).get(int(object_id))
    if student is None or student.school_class_id is None:
        return None
    groups = GroupMember.select(GroupMember.group).where(GroupMember.student_id == student.id)
    assignments = TeachingAssignment.select(TeachingAssignment.id.cast("TEXT")).where(
        (TeachingAssignment.class_id == student.school_class_id)
        & (TeachingAssignment.group.is_null() | TeachingAssignment.group.in_(groups)))
    lessons = Lesson.select(Lesson.id.cast("TEXT")).where(Lesson.assignment.in_(
        TeachingAssignment.select(TeachingAssignment.id).where(TeachingAssignment.class_id == student.school_class_id)))
    pages = [(AuditRecord.object_type == kind) & AuditRecord.object_id.in_(assignments) for kind in ASSIGNMENT_PAGES]
    pages.append((AuditRecord.object_type == "lesson") & AuditRecord.object_id.in_(lessons))
    return functools.reduce(operator.or_, pages)
