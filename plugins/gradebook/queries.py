"""Reading the journal: the queries behind the family pages, the teacher's grid and the JSON API.

Every function here takes objects the caller is already allowed to read (a
``Student`` obtained through ``get_or_deny``, an assignment checked with
``journal.read``); the functions themselves do no access control and no
auditing. They return plain dataclasses that ``schemas.py`` dumps.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import peewee

from core.api import Param, prepared, region_today, service
from plugins.gradebook.journal import attendance_codes, default_work_type, local_act_for
from plugins.gradebook.models import (
    AcademicYear,
    Attendance,
    AttendanceCode,
    GroupMember,
    Holiday,
    JournalChange,
    Lesson,
    Mark,
    Period,
    PeriodGrade,
    Subject,
    TeachingAssignment,
    WorkType,
)
from plugins.gradebook.rules import (
    GradeRule,
    marks_needed,
    running_averages,
    suggest_period_grade,
    suggest_year_grade,
    weighted_average,
)

WEEK_DAYS = 6
HOMEWORK_LOOKBACK_DAYS = 14


def registries() -> Any:
    return service("registries")


# --- calendar -------------------------------------------------------------------


def years_of_school(school_id: int) -> list[AcademicYear]:
    """The school's academic years, newest first (closed ones included: the archive)."""
    return _years_of_school(school=school_id)


@prepared
def _years_of_school():
    return (AcademicYear.select().where(AcademicYear.school_id == Param("school"))
            .order_by(AcademicYear.start_year.desc()))


def year_on(school_id: int, day: dt.date) -> AcademicYear | None:
    """The school's academic year that contains ``day``, else the latest one that started before it."""
    return year_among(years_of_school(school_id), day)


def year_among(years: list[AcademicYear], day: dt.date) -> AcademicYear | None:
    """:func:`year_on` over one school's years, newest first."""
    for year in years:
        if year.starts_on <= day <= year.ends_on:
            return year
    started = [y for y in years if y.starts_on <= day]
    return started[0] if started else (years[-1] if years else None)


@prepared
def _periods_of_year():
    return Period.select().where(Period.year == Param("year")).order_by(Period.number)


def periods_of(year: AcademicYear) -> list[Period]:
    return _periods_of_year(year=year.id)


def period_on(year: AcademicYear, day: dt.date) -> Period | None:
    """The period containing ``day``; between periods the last finished one; before all, the first."""
    return period_among(periods_of(year), day)


def period_among(periods: list[Period], day: dt.date) -> Period | None:
    """:func:`period_on` over one year's periods, in order."""
    for period in periods:
        if period.starts_on <= day <= period.ends_on:
            return period
    finished = [p for p in periods if p.ends_on < day]
    return finished[-1] if finished else (periods[0] if periods else None)


def years_of_student(student: Any) -> list[AcademicYear]:
    """The years a student's record can be read in, newest first: every year of the student's school,
    and the years of earlier schools in which the student has marks or grades (after a transfer the
    child's record comes along, as the paper «личное дело» does). Each year carries ``school_name``."""
    years = list(_years_of_student(student=student.id, school=student.school_id))
    known = getattr(student, "school_short_name", None)  # a StudentInfo has its school's name
    names = {student.school_id: known} if known is not None else {}
    others = {y.school_id for y in years} - set(names)  # earlier schools: asked only after a transfer
    names.update({i: school.short_name for i, school in registries().schools(others).items()})
    for year in years:
        year.school_name = names.get(year.school_id, "")
    return years


@prepared
def _years_of_student():
    marked = (TeachingAssignment.select(TeachingAssignment.year)
              .where(TeachingAssignment.id.in_(Mark.select(Mark.assignment_id)
                                               .where(Mark.student_id == Param("student")))))
    graded = PeriodGrade.select(PeriodGrade.year).where(PeriodGrade.student_id == Param("student"))
    return (AcademicYear.select()
            .where((AcademicYear.school_id == Param("school"))
                   | AcademicYear.id.in_(marked) | AcademicYear.id.in_(graded))
            .order_by(AcademicYear.start_year.desc(), AcademicYear.school_id != Param("school")))


def student_year(student: Any, year_id: int | None, today: dt.date,
                 years: list[AcademicYear] | None = None) -> AcademicYear | None:
    """The year asked for, if the student's record can be read in it; without one, the current year.
    ``years``: :func:`years_of_student`, when the caller has it already."""
    years = years if years is not None else years_of_student(student)
    if year_id is None:  # the current year of the student's own school
        return year_among([y for y in years if y.school_id == student.school_id], today)
    return next((y for y in years if y.id == year_id), None)


def student_period(student: Any, period_id: int | None, today: dt.date,
                   years: list[AcademicYear] | None = None) -> Period | None:
    """The period asked for, if it lies in one of the student's years; without one, the current period.
    ``years``: :func:`years_of_student`, when the caller has it already."""
    years = years if years is not None else years_of_student(student)
    if period_id is None:
        year = student_year(student, None, today, years)
        period = period_on(year, today) if year else None
    else:
        by_id = {y.id: y for y in years}
        period = _period_by_id.first(period=period_id)
        if period is None or period.year_id not in by_id:
            return None
        period.year = by_id[period.year_id]
    return period


@prepared
def _period_by_id():
    return Period.select().where(Period.id == Param("period")).limit(1)


def periods_for_student(student: Any, years: list[AcademicYear] | None = None
                        ) -> list[tuple[AcademicYear, list[Period]]]:
    """Every year of :func:`years_of_student` with its periods, newest first (for the period chooser)."""
    years = years if years is not None else years_of_student(student)
    by_year: dict[int, list[Period]] = defaultdict(list)
    for period in _periods_of_years(years=[y.id for y in years]):
        by_year[period.year_id].append(period)
    return [(year, by_year[year.id]) for year in years]


@prepared
def _periods_of_years():
    return Period.select().where(Period.year.in_(Param("years", many=True))).order_by(Period.year, Period.number)


# --- who learns what ------------------------------------------------------------


def _assignments_query(student, class_id, year, starts_on, ends_on) -> peewee.ModelSelect:
    groups = GroupMember.select(GroupMember.group).where(GroupMember.student_id == student)
    marked = Mark.select(Mark.assignment_id).where(
        (Mark.student_id == student) & Mark.lesson_date.between(starts_on, ends_on))
    graded = PeriodGrade.select(PeriodGrade.assignment_id).where(
        (PeriodGrade.student_id == student) & (PeriodGrade.year == year))
    mine = (((TeachingAssignment.class_id == class_id) & TeachingAssignment.group.is_null())
            | TeachingAssignment.group.in_(groups) | TeachingAssignment.id.in_(marked)
            | TeachingAssignment.id.in_(graded))
    return (TeachingAssignment.select(TeachingAssignment, Subject).join(Subject)
            .where((TeachingAssignment.year == year) & mine)
            .order_by(Subject.name, TeachingAssignment.id))


def student_assignments(student: Any, year: AcademicYear) -> peewee.ModelSelect:
    """Assignments a student learns in a year: the class's, their groups', and any that marked them.

    A query to refine (``.where``, ``.exists``); :func:`assignments_of` runs the same one, prepared."""
    return _assignments_query(student.id, student.school_class_id, year.id, year.starts_on, year.ends_on)


@prepared
def _student_assignments():
    query = _assignments_query(Param("student"), Param("school_class"), Param("year"), Param("start"), Param("end"))
    return query.select(TeachingAssignment, Subject.name.alias("subject_name")).objects()  # flat rows


def assignments_of(student: Any, year: AcademicYear) -> list[TeachingAssignment]:
    """The rows of :func:`student_assignments`, each with its subject's name as ``subject_name``."""
    return _student_assignments(student=student.id, school_class=student.school_class_id, year=year.id,
                                start=year.starts_on, end=year.ends_on)


def students_of_assignment(assignment: TeachingAssignment) -> list[Any]:
    """Students of a class or group, plus anyone already marked in it (e.g. after a transfer), by name."""
    reg = registries()
    if assignment.group_id is not None:
        find = reg.prepared_students("gradebook: a group's students", _group_students)
        return find(group=assignment.group_id, assignment=assignment.id)
    find = reg.prepared_students("gradebook: a class's students", _class_students)
    return find(school_class=assignment.class_id, assignment=assignment.id)


def _marked_or_graded() -> Any:
    """Condition on students: marked or graded in the assignment ``Param("assignment")``."""
    reg = registries()
    marked = Mark.select(Mark.student_id).where(Mark.assignment_id == Param("assignment"))
    graded = PeriodGrade.select(PeriodGrade.student_id).where(PeriodGrade.assignment_id == Param("assignment"))
    return reg.student_condition(ids=marked) | reg.student_condition(ids=graded)


def _group_students() -> Any:
    members = GroupMember.select(GroupMember.student_id).where(GroupMember.group == Param("group"))
    return registries().student_condition(ids=members) | _marked_or_graded()


def _class_students() -> Any:
    return registries().student_condition(class_ids=[Param("school_class")], enrolled=True) | _marked_or_graded()


def teacher_names(staff_ids: Iterable[int]) -> dict[int, str]:
    return {i: s.short_name for i, s in registries().staff_members(staff_ids).items()}


def class_names(class_ids: Iterable[int]) -> dict[int, str]:
    return {i: c.name for i, c in registries().classes(class_ids).items()}


def assignment_title(assignment: TeachingAssignment) -> str:
    name = class_names([assignment.class_id]).get(assignment.class_id, "")
    if assignment.group_id is not None:
        name = f"{name}, {assignment.group.name}"
    return f"{assignment.subject.name} — {name}"


# --- the family's view ----------------------------------------------------------


@dataclass
class MarkView:
    """A current mark as families and the API see it."""

    id: int
    lesson_id: int
    date: dt.date
    value: str
    work_type: str
    weight: Decimal
    comment: str
    entered_at: dt.datetime
    is_late: bool
    updated_at: dt.datetime | None = None


@dataclass
class SubjectProgress:
    """One subject in one period: marks, weighted average, the rule's suggestion and the period grade."""

    subject_id: int
    subject: str
    teacher: str
    scale: str
    marks: list[MarkView] = field(default_factory=list)
    average: Decimal | None = None
    suggested: str = ""
    period_grade: str = ""
    absences: int = 0


@dataclass
class Homework:
    """Homework given at a lesson and due at the next lesson of the subject."""

    lesson_id: int
    subject: str
    given_on: dt.date
    due_on: dt.date | None
    text: str
    has_file: bool
    entered_at: dt.datetime | None = None


@dataclass
class Absence:
    """An absence at one lesson of the period, with the moment it was entered or last changed."""

    subject_id: int
    date: dt.date
    code: str
    changed_at: dt.datetime


@dataclass
class Progress:
    """A student's progress in one period (the `/progress` page and the API call)."""

    student_id: int
    year: AcademicYear
    period: Period
    subjects: list[SubjectProgress]
    attendance: dict[str, int]
    homework: list[Homework]
    absence_list: list[Absence] = field(default_factory=list)
    rule: GradeRule | None = None  # the local act's rule the period is weighed by


def _mark_views():
    """A query of a student's marks as plain rows, the fields of :class:`MarkView` (and the subject) in order:
    a period holds dozens of marks, and model instances for them would cost more than the query."""
    return (Mark.select(Mark.id, Mark.lesson, Mark.lesson_date, Mark.value, WorkType.name, Mark.weight, Mark.comment,
                        Mark.entered_at, Mark.is_late, Mark.updated_at, Mark.subject_id)
            .join(WorkType).where(Mark.student_id == Param("student")).tuples())


def _mark_view(row: tuple) -> MarkView:
    return MarkView(*row[:5], Decimal(row[5]), *row[6:10])


def fresh_marks(subjects: list[SubjectProgress], since: dt.datetime | None) -> dict[int, str]:
    """Marks entered («new») or changed («changed») after ``since`` — a reader's previous visit."""
    if since is None:
        return {}
    return {m.id: "new" if m.entered_at > since else "changed"
            for s in subjects for m in s.marks if (m.updated_at or m.entered_at) > since}


@dataclass
class WhatsNew:
    """What changed for a family since their previous visit, keyed on entry time (never the lesson date):
    marks entered or changed, absences entered or changed, homework entered; ``per_subject`` counts the
    new and changed marks of each subject."""

    since: dt.datetime | None
    marks: list[tuple[SubjectProgress, MarkView, str]] = field(default_factory=list)
    absences: list[tuple[SubjectProgress, Absence]] = field(default_factory=list)
    homework: list[Homework] = field(default_factory=list)
    per_subject: dict[int, int] = field(default_factory=dict)
    old_values: dict[int, str] = field(default_factory=dict)  # a changed mark's value before the first change

    @property
    def empty(self) -> bool:
        return not (self.marks or self.absences or self.homework)


def whats_new(data: Progress, since: dt.datetime | None) -> WhatsNew:
    """:class:`WhatsNew` from a :class:`Progress` already read (no query of its own)."""
    news = WhatsNew(since)
    if since is None:
        return news
    fresh = fresh_marks(data.subjects, since)
    by_id = {s.subject_id: s for s in data.subjects}
    for s in data.subjects:
        for m in s.marks:
            if m.id in fresh:
                news.marks.append((s, m, fresh[m.id]))
                news.per_subject[s.subject_id] = news.per_subject.get(s.subject_id, 0) + 1
    news.marks.sort(key=lambda item: item[1].updated_at or item[1].entered_at, reverse=True)
    news.absences = sorted(((by_id[a.subject_id], a) for a in data.absence_list if a.changed_at > since),
                           key=lambda item: item[1].date)
    news.homework = [h for h in data.homework if h.entered_at is not None and h.entered_at > since]
    changed = {m.id for _s, m, kind in news.marks if kind == "changed"}
    if changed:  # old → new: one indexed read of the journal's history since the visit, only when needed
        for object_id, old in _value_changes_since(student=data.student_id, since=since):
            if object_id in changed and object_id not in news.old_values and old:
                news.old_values[object_id] = old
    return news


@prepared
def _value_changes_since():
    return (JournalChange.select(JournalChange.object_id, JournalChange.old_value)
            .where((JournalChange.student_id == Param("student")) & (JournalChange.changed_at > Param("since"))
                   & (JournalChange.kind == "mark") & (JournalChange.field == "value"))
            .order_by(JournalChange.changed_at, JournalChange.id).tuples())


def progress_for(student: Any, period: Period, today: dt.date | None = None, homework_days: int = 7) -> Progress:
    """Marks, averages, period grades, attendance and coming homework of a student in a period."""
    year = period.year
    rule = GradeRule.of(local_act_for(year.school_id))  # an earlier school's period keeps that school's rules
    assignments = assignments_of(student, year)
    by_subject: dict[int, SubjectProgress] = {}
    names = teacher_names(a.teacher_id for a in assignments)
    for a in assignments:
        if a.subject_id not in by_subject:
            by_subject[a.subject_id] = SubjectProgress(
                a.subject_id, a.subject_name, names.get(a.teacher_id, ""), a.scale)
    for row in _marks_in_period(student=student.id, start=period.starts_on, end=period.ends_on):
        entry = by_subject.get(row[-1])
        if entry is not None:
            entry.marks.append(_mark_view(row))
    for subject_id, value in _period_grades(student=student.id, period=period.id):
        if subject_id in by_subject:
            by_subject[subject_id].period_grade = value
    assignment_subject = {a.id: a.subject_id for a in assignments}
    counts: dict[str, int] = defaultdict(int)
    absence_codes = {code for (code,) in _absence_codes(school=year.school_id)}
    absence_list: list[Absence] = []
    for code, assignment_id, day, entered_at, updated_at in _attendance_in_period(
            student=student.id, start=period.starts_on, end=period.ends_on):
        counts[code] += 1
        subject_id = assignment_subject.get(assignment_id)
        if subject_id in by_subject and code in absence_codes:
            by_subject[subject_id].absences += 1
            absence_list.append(Absence(subject_id, day, code, max(entered_at, updated_at or entered_at)))
    for entry in by_subject.values():
        pairs = [(m.value, m.weight) for m in entry.marks]
        entry.average = weighted_average(pairs)
        entry.suggested = suggest_period_grade(pairs, entry.scale, rule)
    today = today or region_today()
    return Progress(student.id, year, period, list(by_subject.values()), dict(counts),
                    homework_upcoming(student, today, homework_days, assignments=assignments), absence_list, rule)


@prepared
def _marks_in_period():
    return (_mark_views().where(Mark.lesson_date.between(Param("start"), Param("end")))
            .order_by(Mark.lesson_date, Mark.id))


@prepared
def _period_grades():
    return (PeriodGrade.select(PeriodGrade.subject_id, PeriodGrade.value)
            .where((PeriodGrade.student_id == Param("student")) & (PeriodGrade.period == Param("period"))).tuples())


@prepared
def _absence_codes():
    return (AttendanceCode.select(AttendanceCode.code)
            .where((AttendanceCode.school_id == Param("school")) & AttendanceCode.is_absence).tuples())


@prepared
def _attendance_in_period():
    return (Attendance.select(Attendance.code, Attendance.assignment_id, Attendance.lesson_date,
                              Attendance.entered_at, Attendance.updated_at)
            .where((Attendance.student_id == Param("student"))
                   & Attendance.lesson_date.between(Param("start"), Param("end"))).tuples())


@dataclass
class WhatIf:
    """The calculator's answer for one subject: the average and the rule's grade with the marks one adds,
    and how many marks of 5 (or 4) of a chosen weight would reach that grade."""

    average: Decimal | None
    suggested: str
    needed: dict[str, int | None]


def what_if(entry: SubjectProgress, extra: list[tuple[str, Decimal]], rule: GradeRule,
            weight: Decimal = Decimal(1)) -> WhatIf:
    """Apply the school's own rule to the subject's marks plus ``extra`` (value, weight) pairs."""
    pairs = [(m.value, m.weight) for m in entry.marks] + list(extra)
    needed = {target: marks_needed(pairs, target, weight, rule) for target in ("5", "4")}
    return WhatIf(weighted_average(pairs), suggest_period_grade(pairs, entry.scale, rule), needed)


def homework_upcoming(student: Any, today: dt.date, days: int = 7, assignments=None) -> list[Homework]:
    """Homework due from ``today`` to ``today + days``: given at a lesson, due at the subject's next lesson."""
    if assignments is None:
        year = year_on(student.school_id, today)
        assignments = assignments_of(student, year) if year else []
    by_id = {a.id: a for a in assignments}
    if not by_id:
        return []
    lessons = _homework_lessons(assignments=list(by_id), start=today - dt.timedelta(days=HOMEWORK_LOOKBACK_DAYS),
                                end=today + dt.timedelta(days=days))
    found = []
    grouped: dict[int, list[tuple]] = defaultdict(list)
    for row in lessons:  # (id, assignment, date, homework, file, entered at)
        grouped[row[1]].append(row)
    for assignment_id, rows in grouped.items():
        subject = by_id[assignment_id].subject_name
        for here, after in zip(rows, rows[1:] + [None], strict=False):
            lesson_id, _assignment, given_on, text, file, entered_at = here
            due = after[2] if after is not None else None
            if text and ((due is not None and today <= due <= today + dt.timedelta(days=days))
                         or (due is None and given_on >= today - dt.timedelta(days=1))):
                found.append(Homework(lesson_id, subject, given_on, due, text, bool(file), entered_at))
    found.sort(key=lambda h: (h.due_on or h.given_on, h.subject))
    return found


@prepared
def _homework_lessons():
    return (Lesson.select(Lesson.id, Lesson.assignment, Lesson.date, Lesson.homework, Lesson.homework_file,
                          Lesson.homework_entered_at)
            .where(Lesson.assignment.in_(Param("assignments", many=True))
                   & Lesson.date.between(Param("start"), Param("end")))
            .order_by(Lesson.assignment, Lesson.date, Lesson.number).tuples())


@dataclass
class DiaryLesson:
    lesson_id: int
    number: int
    starts_at: dt.time | None
    ends_at: dt.time | None
    room: str
    subject: str
    topic: str
    homework: str
    has_file: bool
    marks: list[MarkView] = field(default_factory=list)
    attendance: str = ""


@dataclass
class DiaryDay:
    date: dt.date
    lessons: list[DiaryLesson] = field(default_factory=list)
    holiday: str = ""  # the name of the holidays or day off the date falls in


def diary_week(student: Any, monday: dt.date) -> list[DiaryDay]:
    """The week diary: for Monday–Saturday, the lessons with topic, homework, marks and attendance."""
    monday = monday - dt.timedelta(days=monday.weekday())
    days = [DiaryDay(monday + dt.timedelta(days=i)) for i in range(WEEK_DAYS)]
    year = year_on(student.school_id, monday)
    if year is None:
        return days
    end = monday + dt.timedelta(days=WEEK_DAYS - 1)
    for holiday in _holidays_between(year=year.id, start=monday, end=end):
        for day in days:
            if holiday.starts_on <= day.date <= holiday.ends_on:
                day.holiday = holiday.name
    assignments = {a.id: a for a in assignments_of(student, year)}
    if not assignments:
        return days
    lessons = _lessons_between(assignments=list(assignments), start=monday, end=end)
    ids = [lesson.id for lesson in lessons]
    marks: dict[int, list[MarkView]] = defaultdict(list)
    codes: dict[int, str] = {}
    if ids:  # the student's marks and attendance of the week (all at lessons of their assignments)
        for row in _marks_between(student=student.id, start=monday, end=end):
            marks[row[1]].append(_mark_view(row))
        for lesson_id, code in _attendance_between(student=student.id, start=monday, end=end):
            codes[lesson_id] = code
    by_date = {d.date: d for d in days}
    for lesson in lessons:
        a = assignments[lesson.assignment]
        by_date[lesson.date].lessons.append(DiaryLesson(
            lesson.id, lesson.number, lesson.starts_at, lesson.ends_at, lesson.room, a.subject_name, lesson.topic,
            lesson.homework, bool(lesson.homework_file), marks.get(lesson.id, []), codes.get(lesson.id, "")))
    return days


@prepared
def _lessons_between():
    return (Lesson.select(Lesson.id, Lesson.assignment, Lesson.date, Lesson.number, Lesson.starts_at, Lesson.ends_at,
                          Lesson.room, Lesson.topic, Lesson.homework, Lesson.homework_file)
            .where(Lesson.assignment.in_(Param("assignments", many=True))
                   & Lesson.date.between(Param("start"), Param("end")))
            .order_by(Lesson.date, Lesson.number).namedtuples())


@prepared
def _holidays_between():
    return Holiday.select().where((Holiday.year == Param("year")) & (Holiday.starts_on <= Param("end"))
                                  & (Holiday.ends_on >= Param("start")))


@prepared
def _marks_between():
    return _mark_views().where(Mark.lesson_date.between(Param("start"), Param("end"))).order_by(Mark.id)


@prepared
def _attendance_between():
    return (Attendance.select(Attendance.lesson, Attendance.code)
            .where((Attendance.student_id == Param("student"))
                   & Attendance.lesson_date.between(Param("start"), Param("end"))).tuples())


@dataclass
class ReportCardRow:
    subject: str
    grades: dict[int, str]
    year_grade: str


def report_card(student: Any, year: AcademicYear) -> tuple[list[Period], list[ReportCardRow]]:
    """The табель: period and year grades of every subject of a year."""
    periods = periods_of(year)
    rows: dict[int, ReportCardRow] = {}
    for a in assignments_of(student, year):
        rows.setdefault(a.subject_id, ReportCardRow(a.subject_name, {}, ""))
    for subject_id, period_id, value in _grades_of_year(student=student.id, year=year.id):
        row = rows.get(subject_id)
        if row is None:
            continue
        if period_id is None:
            row.year_grade = value
        else:
            row.grades[period_id] = value
    return periods, list(rows.values())


@prepared
def _grades_of_year():
    return (PeriodGrade.select(PeriodGrade.subject_id, PeriodGrade.period, PeriodGrade.value)
            .where((PeriodGrade.student_id == Param("student")) & (PeriodGrade.year == Param("year"))).tuples())


def trend_points(marks: list[MarkView]) -> list[tuple[dt.date, Decimal]]:
    """The running weighted average after each mark, for the trend chart."""
    averages = running_averages([(mark.value, mark.weight) for mark in marks])
    return [(mark.date, average) for mark, average in zip(marks, averages, strict=True)
            if average is not None and mark.value.isdigit()]


@dataclass
class MarkChange:
    """A change of a mark or grade since a moment (for notifications; keyed on entry/change time)."""

    id: int
    kind: str
    object_id: int
    student_id: int
    lesson_id: int | None
    subject: str
    lesson_date: dt.date | None
    field: str
    old_value: str
    new_value: str
    changed_at: dt.datetime


def marks_changed_since(student_ids: Iterable[int], since: dt.datetime, limit: int = 500) -> list[MarkChange]:
    """Marks and period grades entered, changed or removed after ``since`` (UTC), oldest first."""
    ids = list(student_ids)
    if not ids:
        return []
    rows = (JournalChange.select(JournalChange, Subject.name.alias("subject_name"), Lesson.date.alias("on_date"))
            .join(TeachingAssignment, peewee.JOIN.LEFT_OUTER, on=(JournalChange.assignment_id == TeachingAssignment.id))
            .join(Subject, peewee.JOIN.LEFT_OUTER)
            .switch(JournalChange)
            .join(Lesson, peewee.JOIN.LEFT_OUTER, on=(JournalChange.lesson_id == Lesson.id))
            .where(JournalChange.student_id.in_(ids) & JournalChange.kind.in_(("mark", "grade"))
                   & (JournalChange.changed_at > since))
            .order_by(JournalChange.changed_at, JournalChange.id).limit(limit).objects())
    return [MarkChange(r.id, r.kind, r.object_id, r.student_id, r.lesson_id, r.subject_name or "", r.on_date,
                       r.field, r.old_value, r.new_value, r.changed_at) for r in rows]


def mark_history(mark_id: int) -> list[JournalChange]:
    return list(JournalChange.select().where((JournalChange.kind == "mark") & (JournalChange.object_id == mark_id))
                .order_by(JournalChange.changed_at, JournalChange.id))


# --- the teacher's grid -----------------------------------------------------------


@dataclass
class Cell:
    """One journal cell: the mark of the lesson's column work type, the attendance code, other marks."""

    mark: str = ""
    code: str = ""
    late: bool = False
    others: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(p for p in (self.code, self.mark) if p)


@dataclass
class GridRow:
    student: Any
    cells: dict[int, Cell]
    average: Decimal | None
    suggested: str
    period_grade: str


@dataclass
class JournalGrid:
    assignment: TeachingAssignment
    period: Period
    lessons: list[Lesson]
    rows: list[GridRow]
    codes: list[str]
    work_types: dict[int, WorkType]


def journal_grid(assignment: TeachingAssignment, period: Period) -> JournalGrid:
    """Students × lessons of an assignment in a period, with averages and the rule's suggestion."""
    rule = GradeRule.of(local_act_for(assignment.school_id))
    fallback = default_work_type(assignment.school_id)
    work_types = {w.id: w for w in _work_types_of_school(school=assignment.school_id)}
    lessons = _lessons_in_period(assignment=assignment.id, start=period.starts_on, end=period.ends_on)
    column_type = {lesson.id: lesson.work_type_id or fallback.id for lesson in lessons}
    students = students_of_assignment(assignment)
    cells: dict[tuple[int, int], Cell] = defaultdict(Cell)
    marks_of: dict[int, list[tuple[str, Decimal]]] = defaultdict(list)
    if lessons:
        lesson_ids = list(column_type)
        # plain tuples: a quarter of a class is about a thousand marks, model instances would dominate
        for lesson_id, student_id, work_type_id, value, is_late, weight in (
                Mark.select(Mark.lesson, Mark.student_id, Mark.work_type, Mark.value, Mark.is_late, Mark.weight)
                .where(Mark.lesson.in_(lesson_ids)).order_by(Mark.lesson_date, Mark.id).tuples()):
            cell = cells[(lesson_id, student_id)]
            if work_type_id == column_type[lesson_id]:
                cell.mark, cell.late = value, bool(is_late)
            else:
                cell.others.append(value)
            marks_of[student_id].append((value, Decimal(weight)))
        for lesson_id, student_id, code in (Attendance.select(Attendance.lesson, Attendance.student_id,
                                                              Attendance.code)
                                            .where(Attendance.lesson.in_(lesson_ids)).tuples()):
            cells[(lesson_id, student_id)].code = code
    grades = dict(_grades_of_assignment(assignment=assignment.id, period=period.id))
    rows = []
    empty = Cell()  # shared by every empty cell of the grid, which is only read from here on
    for student in students:
        pairs = marks_of.get(student.id, [])
        rows.append(GridRow(student, {lesson.id: cells.get((lesson.id, student.id), empty) for lesson in lessons},
                            weighted_average(pairs), suggest_period_grade(pairs, assignment.scale, rule),
                            grades.get(student.id, "")))
    return JournalGrid(assignment, period, lessons, rows, attendance_codes(assignment.school_id), work_types)


@prepared
def _work_types_of_school():
    return WorkType.select().where(WorkType.school_id == Param("school"))


@prepared
def _lessons_in_period():
    return (Lesson.select().where((Lesson.assignment == Param("assignment"))
                                  & Lesson.date.between(Param("start"), Param("end")))
            .order_by(Lesson.date, Lesson.number))


@prepared
def _grades_of_assignment():
    return (PeriodGrade.select(PeriodGrade.student_id, PeriodGrade.value)
            .where((PeriodGrade.assignment_id == Param("assignment")) & (PeriodGrade.period == Param("period")))
            .tuples())


@dataclass
class AttestationRow:
    """A student's line on the attestation page: per period average, suggestion, grade; year likewise."""

    student: Any
    periods: dict[int, tuple[Decimal | None, str, str]]
    year_suggested: str
    year_grade: str


def attestation(assignment: TeachingAssignment) -> tuple[list[Period], list[AttestationRow]]:
    """What the teacher sees when setting period and year grades for an assignment."""
    year = assignment.year
    rule = GradeRule.of(local_act_for(assignment.school_id))
    periods = periods_of(year)
    students = students_of_assignment(assignment)
    marks: dict[tuple[int, int], list[tuple[str, Decimal]]] = defaultdict(list)
    for mark in Mark.select(Mark.student_id, Mark.lesson_date, Mark.value, Mark.weight).where(
            Mark.assignment_id == assignment.id):
        for period in periods:
            if period.starts_on <= mark.lesson_date <= period.ends_on:
                marks[(mark.student_id, period.id)].append((mark.value, Decimal(mark.weight)))
    grades: dict[tuple[int, int | None], str] = {}
    for grade in PeriodGrade.select().where(PeriodGrade.assignment_id == assignment.id):
        grades[(grade.student_id, grade.period_id)] = grade.value
    rows = []
    for student in students:
        cells = {}
        for period in periods:
            pairs = marks.get((student.id, period.id), [])
            cells[period.id] = (weighted_average(pairs), suggest_period_grade(pairs, assignment.scale, rule),
                                grades.get((student.id, period.id), ""))
        given = [grades.get((student.id, p.id), "") for p in periods]
        rows.append(AttestationRow(student, cells, suggest_year_grade([g for g in given if g], assignment.scale, rule),
                                   grades.get((student.id, None), "")))
    return periods, rows
