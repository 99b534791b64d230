"""What the gradebook offers other plugins through ``core.api.service("gradebook")`` (``core.api.GradebookService``).

Other plugins never import the gradebook's modules; they ask this object. Writes go
through ``journal`` so the change history, the late flags and the closed-year rule
hold for them as for the teacher's own entries. Access decisions stay with the caller.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from core.api import ChangeDetails, GradebookService, StudentLesson, _, settings
from plugins.gradebook import journal, queries
from plugins.gradebook.models import (
    AcademicYear,
    Attendance,
    AttendanceCode,
    Lesson,
    Mark,
    PeriodGrade,
    Subject,
    TeachingAssignment,
    WorkType,
)


class GradebookServiceImpl:
    """Lessons, attendance and progress of one student, for plugins such as absence notes and the portal;
    details of journal changes (for notifications)."""

    def progress(self, student: Any, today: dt.date, period_id: int | None = None) -> queries.Progress | None:
        """What the family's ``/progress`` page shows for ``student``: the period asked for (one of the
        student's), else the current one; ``None`` when the student has no such period. The result is
        ``queries.Progress`` (subjects with marks, weighted averages, period grades, absences; attendance
        counts; homework); each period and year carry ``name``, ``starts_on``, ``ends_on``."""
        years = queries.years_of_student(student)
        period = queries.student_period(student, period_id, today, years)
        if period is None:
            return None
        return queries.progress_for(student, period, today=today,
                                    homework_days=settings("gradebook")["homework_days_ahead"])

    def periods(self, student: Any) -> list[Any]:
        """The student's periods over every year their record can be read in, oldest first."""
        return [p for _year, periods in reversed(queries.periods_for_student(student)) for p in periods]

    def describe_changes(self, changes: list[tuple[str, int, str, dict[str, Any]]]) -> list[ChangeDetails]:
        """Details of journal changes given as ``(kind, object_id, new, context)``, in the same order.

        ``kind``, ``new`` and ``context`` are those of the announced ``core.api.Change``. A few
        batched queries for the whole list; a record deleted since keeps what its
        lesson and assignment still say.
        """
        lesson_ids = {c.get("lesson_id") for *_, c in changes} - {None}
        lessons = {x.id: x for x in Lesson.select().where(Lesson.id.in_(list(lesson_ids) or [0]))}
        assignment_ids = {c.get("assignment_id") for *_, c in changes} - {None}
        assignments = {a.id: a for a in TeachingAssignment.select(TeachingAssignment, Subject).join(Subject)
                       .where(TeachingAssignment.id.in_(list(assignment_ids) or [0]))}
        mark_ids = [i for kind, i, *_ in changes if kind == "mark"]
        work_types = {m.id: m.work_type.name for m in Mark.select(Mark.id, WorkType.name).join(WorkType)
                      .where(Mark.id.in_(mark_ids or [0]))}
        grade_ids = [i for kind, i, *_ in changes if kind == "grade"]
        periods = {g.id: (g.period.name if g.period_id else _("Год"))
                   for g in PeriodGrade.select().where(PeriodGrade.id.in_(grade_ids or [0]))}
        schools = {a.school_id for a in assignments.values()}
        codes = {(c.school_id, c.code): c for c in AttendanceCode.select()
                 .where(AttendanceCode.school_id.in_(list(schools) or [0]))}
        out = []
        for kind, object_id, new, context in changes:
            assignment = assignments.get(context.get("assignment_id"))
            lesson = lessons.get(context.get("lesson_id"))
            details = {"subject": assignment.subject.name if assignment else "",
                       "lesson_date": lesson.date if lesson else None}
            if kind == "mark":
                details["work_type"] = work_types.get(object_id, "")
            elif kind == "grade":
                details["period"] = periods.get(object_id, "")
            elif kind == "attendance" and assignment is not None:
                code = codes.get((assignment.school_id, new))
                details["is_absence"] = bool(code and code.is_absence)
                details["code_name"] = code.name if code else ""
            elif kind == "lesson" and lesson is not None and assignment is not None:
                following = (Lesson.select(Lesson.date).where((Lesson.assignment == assignment.id)
                                                              & (Lesson.date > lesson.date))
                             .order_by(Lesson.date).first())
                details["due_on"] = following.date if following else None
                details["student_ids"] = tuple(s.id for s in queries.students_of_assignment(assignment))
            out.append(ChangeDetails(**details))
        return out

    def attendance_codes(self, school_id: int) -> dict[str, dict[str, Any]]:
        """The school's attendance codes: code → {"name", "is_absence", "is_excused"}."""
        return {c.code: {"name": c.name, "is_absence": c.is_absence, "is_excused": c.is_excused}
                for c in journal.attendance_code_rows(school_id)}

    def lessons_of_student(self, student: Any, start: dt.date, end: dt.date) -> list[StudentLesson]:
        """The student's lessons from ``start`` to ``end`` (their class's and their groups'), in order."""
        year = queries.year_on(student.school_id, start)
        if year is None:
            return []
        assignments = {a.id: a for a in queries.student_assignments(student, year)}
        if not assignments:
            return []
        lessons = list(Lesson.select().where(Lesson.assignment.in_(list(assignments))
                                             & Lesson.date.between(start, end))
                       .order_by(Lesson.date, Lesson.number, Lesson.id))
        codes = {a.lesson_id: a.code for a in Attendance.select().where(
            (Attendance.student_id == student.id) & Attendance.lesson.in_([lesson.id for lesson in lessons] or [0]))}
        return [StudentLesson(lesson.id, lesson.date, lesson.number, assignments[lesson.assignment_id].subject.name,
                              codes.get(lesson.id, "")) for lesson in lessons]

    def set_attendance(self, lesson_id: int, student_id: int, code: str, by: int | None) -> bool:
        """Set a student's attendance at a lesson, with history; False when the lesson's year is closed."""
        lesson = Lesson.get_by_id(lesson_id)
        if AcademicYear.get_by_id(lesson.assignment.year_id).is_closed:
            return False
        journal.set_attendance(lesson, student_id, code, by)
        return True


def make_service() -> GradebookService:
    """The one ``service("gradebook")`` object, typed by its Protocol."""
    return GradebookServiceImpl()
