"""What the gradebook offers other plugins through ``core.api.service("gradebook")``.

Other plugins never import the gradebook's modules; they ask this object. Writes go
through ``journal`` so the change history, the late flags and the closed-year rule
hold for them as for the teacher's own entries. Access decisions stay with the caller.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from core.api import settings
from plugins.gradebook import journal, queries
from plugins.gradebook.models import AcademicYear, Attendance, AttendanceCode, Lesson


@dataclass(frozen=True)
class StudentLesson:
    """A lesson of a student's timetable, with the student's attendance code there ("" = present)."""

    lesson_id: int
    date: dt.date
    number: int
    subject: str
    attendance: str


class GradebookService:
    """Lessons, attendance and progress of one student, for plugins such as absence notes and the portal."""

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
        return [p for _, periods in reversed(queries.periods_for_student(student)) for p in periods]

    def attendance_codes(self, school_id: int) -> dict[str, dict[str, Any]]:
        """The school's attendance codes: code → {"name", "is_absence", "is_excused"}."""
        journal.local_act_for(school_id)  # makes sure the school's default codes exist
        return {c.code: {"name": c.name, "is_absence": c.is_absence, "is_excused": c.is_excused}
                for c in AttendanceCode.select().where(AttendanceCode.school_id == school_id)
                .order_by(AttendanceCode.id)}

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
