"""The timeliness report: is the journal kept on time, per teacher and class, and per school.

Counts come from SQL aggregates over lessons that already took place in the
chosen range (late flags were computed from the local act when each entry was
made): late marks, late attendance, late topics and homework, missing topics
and homework, and empty lessons (no topic, no mark, no attendance at all).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import peewee
from peewee import JOIN, Case, fn

from core.api import Workbook, _, service
from plugins.gradebook.models import Attendance, Lesson, Mark, Subject, TeachingAssignment

COUNTS = ("lessons", "empty_lessons", "missing_topics", "missing_homework", "late_topics", "late_homework",
          "late_marks", "late_attendance")


def count_titles() -> dict[str, str]:
    return {
        "lessons": _("Уроков проведено"),
        "empty_lessons": _("Пустых уроков"),
        "missing_topics": _("Без темы"),
        "missing_homework": _("Без домашнего задания"),
        "late_topics": _("Тема внесена с опозданием"),
        "late_homework": _("Д/з внесено с опозданием"),
        "late_marks": _("Отметки с опозданием"),
        "late_attendance": _("Посещаемость с опозданием"),
    }


@dataclass
class TimelinessRow:
    """Counts for one teacher in one class (``teacher``/``class_name`` empty on a per-school row)."""

    school_id: int
    school: str = ""
    teacher_id: int | None = None
    teacher: str = ""
    class_id: int | None = None
    class_name: str = ""
    subjects: str = ""
    lessons: int = 0
    empty_lessons: int = 0
    missing_topics: int = 0
    missing_homework: int = 0
    late_topics: int = 0
    late_homework: int = 0
    late_marks: int = 0
    late_attendance: int = 0

    def add(self, other: "TimelinessRow") -> None:
        for name in COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _sum(condition) -> peewee.Expression:
    return fn.COALESCE(fn.SUM(Case(None, [(condition, 1)], 0)), 0)


def per_assignment(school_ids: list[int], start: dt.date, end: dt.date) -> dict[int, TimelinessRow]:
    """Counts per teaching assignment, for lessons dated from ``start`` to ``end``."""
    has_mark = fn.EXISTS(Mark.select(Mark.id).where(Mark.lesson == Lesson.id))
    has_attendance = fn.EXISTS(Attendance.select(Attendance.id).where(Attendance.lesson == Lesson.id))
    rows = (TeachingAssignment
            .select(TeachingAssignment.id, TeachingAssignment.school_id, TeachingAssignment.teacher_id,
                    TeachingAssignment.class_id, Subject.name.alias("subject_name"),
                    fn.COUNT(Lesson.id).alias("lessons"),
                    _sum((Lesson.topic == "") & ~has_mark & ~has_attendance).alias("empty_lessons"),
                    _sum(Lesson.topic == "").alias("missing_topics"),
                    _sum(Lesson.homework == "").alias("missing_homework"),
                    _sum(Lesson.topic_late == True).alias("late_topics"),  # noqa: E712 (SQL comparison)
                    _sum(Lesson.homework_late == True).alias("late_homework"))  # noqa: E712
            .join(Subject, on=(TeachingAssignment.subject == Subject.id))
            .switch(TeachingAssignment)
            .join(Lesson, JOIN.INNER, on=(Lesson.assignment == TeachingAssignment.id))
            .where(TeachingAssignment.school_id.in_(school_ids) & Lesson.date.between(start, end))
            .group_by(TeachingAssignment.id, TeachingAssignment.school_id, TeachingAssignment.teacher_id,
                      TeachingAssignment.class_id, Subject.name)
            .objects())
    found = {}
    for r in rows:
        found[r.id] = TimelinessRow(r.school_id, teacher_id=r.teacher_id, class_id=r.class_id,
                                    subjects=r.subject_name, **{n: int(getattr(r, n)) for n in COUNTS[:6]})
    if not found:
        return found
    for model, name in ((Mark, "late_marks"), (Attendance, "late_attendance")):
        late = (model.select(model.assignment_id, fn.COUNT(model.id).alias("n"))
                .where(model.assignment_id.in_(list(found)) & model.lesson_date.between(start, end)
                       & (model.is_late == True))  # noqa: E712
                .group_by(model.assignment_id).tuples())
        for assignment_id, n in late:
            setattr(found[assignment_id], name, int(n))
    return found


def by_teacher_and_class(school_ids: list[int], start: dt.date, end: dt.date) -> list[TimelinessRow]:
    """The deputy's report: one row per teacher × class, worst first."""
    reg = service("registries")
    merged: dict[tuple[int, int], TimelinessRow] = {}
    for row in per_assignment(school_ids, start, end).values():
        key = (row.teacher_id, row.class_id)
        if key not in merged:
            merged[key] = TimelinessRow(row.school_id, teacher_id=row.teacher_id, class_id=row.class_id)
            merged[key].subjects = row.subjects
        else:
            merged[key].subjects += f", {row.subjects}"
        merged[key].add(row)
    staff = {i: s.short_name for i, s in reg.staff_members(k[0] for k in merged).items()}
    classes = {i: c.name for i, c in reg.classes(k[1] for k in merged).items()}
    for (teacher_id, class_id), row in merged.items():
        row.teacher = staff.get(teacher_id, "")
        row.class_name = classes.get(class_id, "")
    return sorted(merged.values(), key=lambda r: (-problems(r), r.teacher, r.class_name))


def by_school(school_ids: list[int], start: dt.date, end: dt.date) -> list[TimelinessRow]:
    """The municipality's report: totals per school, no teacher or child named."""
    reg = service("registries")
    totals = {sid: TimelinessRow(sid) for sid in school_ids}
    for row in per_assignment(school_ids, start, end).values():
        totals[row.school_id].add(row)
    names = {i: s.short_name for i, s in reg.schools(school_ids).items()}
    for row in totals.values():
        row.school = names.get(row.school_id, "")
    return sorted(totals.values(), key=lambda r: r.school)


def problems(row: TimelinessRow) -> int:
    return sum(getattr(row, n) for n in COUNTS if n != "lessons")


def to_xlsx(rows: list[TimelinessRow], columns: list[tuple[str, str]], title: str) -> bytes:
    """The report as an XLSX workbook (the core writer): ``columns`` are (attribute, header) pairs."""
    book = Workbook()
    sheet = book.sheet(title)
    sheet.append([header for _attr, header in columns], bold=True)
    for row in rows:
        sheet.append([getattr(row, attr) for attr, _header in columns])
    for index, (attr, header) in enumerate(columns, start=1):
        width = max([len(str(header))] + [len(str(getattr(r, attr))) for r in rows]) + 2
        sheet.width(index, min(width, 50))
    return book.to_bytes()


