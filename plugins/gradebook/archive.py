"""A class's journal of one academic year as an XLSX workbook, for the school's archive.

The methodological recommendations on electronic journals (letter АП-147/07) ask for archival copies on
external and paper media. At the end of a year the deputy or the school admin downloads, per class:

- «Сводная ведомость»: students × subjects with every period grade and the year grade;
- one sheet per subject (per group where a class is divided): for each period the students × lessons grid
  (attendance codes and marks, as the teacher's journal shows them) with the period grade, then the lessons'
  dates, topics and homework.

Text typed by teachers is written as text, never as a formula.
"""

from __future__ import annotations

from typing import Any

from core.api import Workbook, _, service
from plugins.gradebook import queries
from plugins.gradebook.models import AcademicYear, Subject, TeachingAssignment


def classes_of_year(school_id: int, year: AcademicYear) -> list[Any]:
    return service("registries").classes_of_school(school_id, year=year.start_year)


def class_assignments(school_class: Any, year: AcademicYear) -> list[TeachingAssignment]:
    """The class's journals of the year: the whole class's and its groups', by subject."""
    return list(TeachingAssignment.select(TeachingAssignment, Subject).join(Subject)
                .where((TeachingAssignment.year == year.id) & (TeachingAssignment.class_id == school_class.id))
                .order_by(Subject.name, TeachingAssignment.group.is_null(False), TeachingAssignment.id))


def _title(assignment: TeachingAssignment) -> str:
    title = assignment.subject.name
    if assignment.group_id is not None:
        title += f" ({assignment.group.name})"
    return title


def _put(sheet: Any, row: int, column: int, value: Any, bold: bool = False) -> None:
    sheet.put(row, column, value, bold)  # the core's writer: «=…» typed in a topic stays inert text


def class_journal_xlsx(school_class: Any, year: AcademicYear, progress: Any = None) -> tuple[bytes, list[int]]:
    """The workbook and the ids of the students it names (for the audit record).

    ``progress(done, total)`` hears of each sheet made (the summary, then one per subject).
    """
    assignments = class_assignments(school_class, year)
    if progress is not None:
        progress(0, len(assignments) + 1)
    periods = queries.periods_of(year)
    book = Workbook()
    summary = book.sheet(_("Сводная ведомость"))
    _put(summary, 1, 1, _("Сводная ведомость успеваемости: %(cls)s класс, %(year)s учебный год",
                          cls=school_class.name, year=year.name), bold=True)
    attested = [(a, *queries.attestation(a)) for a in assignments]
    students: dict[int, Any] = {}
    for _a, _periods, rows in attested:
        for row in rows:
            students.setdefault(row.student.id, row.student)
    ordered = sorted(students.values(), key=lambda s: (s.last_name, s.first_name, s.middle_name or "", s.id))
    _put(summary, 3, 1, "№", bold=True)
    _put(summary, 3, 2, _("Обучающийся"), bold=True)
    column = 3
    for assignment, _periods, rows in attested:
        by_student = {r.student.id: r for r in rows}
        for period in periods + [None]:
            header = f"{_title(assignment)}: {period.name if period else _('год')}"
            _put(summary, 3, column, header, bold=True)
            for index, student in enumerate(ordered):
                line = by_student.get(student.id)
                if line is not None:
                    value = line.periods.get(period.id, (None, "", ""))[2] if period else line.year_grade
                    _put(summary, 4 + index, column, value)
            column += 1
    for index, student in enumerate(ordered):
        _put(summary, 4 + index, 1, index + 1)
        _put(summary, 4 + index, 2, student.full_name)
    summary.width(2, 36)
    for done, assignment in enumerate(assignments, start=2):
        if progress is not None:
            progress(done - 1, len(assignments) + 1)
        _subject_sheet(book.sheet(_title(assignment)), assignment, periods)
    return book.to_bytes(), [s.id for s in ordered]


def _subject_sheet(sheet: Any, assignment: TeachingAssignment, periods: list[Any]) -> None:
    teacher = queries.teacher_names([assignment.teacher_id]).get(assignment.teacher_id, "")
    _put(sheet, 1, 1, _title(assignment), bold=True)
    _put(sheet, 2, 1, _("Учитель: %(name)s", name=teacher) if teacher else "")
    row = 4
    for period in periods:
        grid = queries.journal_grid(assignment, period)
        _put(sheet, row, 1, period.name, bold=True)
        row += 1
        _put(sheet, row, 1, _("Обучающийся"), bold=True)
        for index, lesson in enumerate(grid.lessons):
            _put(sheet, row, 2 + index, lesson.date.strftime("%d.%m"), bold=True)
        _put(sheet, row, 2 + len(grid.lessons), _("За период"), bold=True)
        for line in grid.rows:
            row += 1
            _put(sheet, row, 1, line.student.full_name)
            for index, lesson in enumerate(grid.lessons):
                cell = line.cells[lesson.id]
                text = " ".join(v for v in (cell.code, cell.mark, *cell.others) if v)
                _put(sheet, row, 2 + index, text)
            _put(sheet, row, 2 + len(grid.lessons), line.period_grade)
        row += 2
        lessons_with_text = [lesson for lesson in grid.lessons if lesson.topic or lesson.homework]
        if lessons_with_text:
            for column, header in enumerate((_("Дата"), _("Урок"), _("Тема урока"), _("Домашнее задание")), 1):
                _put(sheet, row, column, header, bold=True)
            for lesson in lessons_with_text:
                row += 1
                _put(sheet, row, 1, lesson.date.strftime("%d.%m.%Y"))
                _put(sheet, row, 2, lesson.number)
                _put(sheet, row, 3, lesson.topic)
                _put(sheet, row, 4, lesson.homework)
            row += 2
    sheet.width(1, 36)
