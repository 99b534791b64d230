"""Writing the journal: marks, attendance, topics and homework, period grades, closing a year.

Every write goes through these functions, which keep the change history
(old → new, who, when), compute the late-entry flag from the school's local
act, and refuse to touch a closed (archived) year. Access decisions belong to
the caller (the policy, ``journal.write``); these functions trust it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

import peewee
from marshmallow import ValidationError

from core.api import Change, Param, _, announce_change, core_settings, database, prepared, settings, utcnow
from plugins.gradebook.models import (
    MARK_VALUES,
    NOT_ASSESSED,
    AcademicYear,
    Attendance,
    AttendanceCode,
    JournalChange,
    Lesson,
    LocalAct,
    Mark,
    PeriodGrade,
    TeachingAssignment,
    WorkType,
)
from plugins.gradebook.rules import is_late, local_date

# i18n: data — seeded as the school's own records, which its admin renames
DEFAULT_WORK_TYPES = (
    # name, short, weight, written, default
    ("Ответ на уроке", "ОУ", "1", False, True),
    ("Домашняя работа", "ДР", "1", False, False),
    ("Самостоятельная работа", "СР", "1.5", True, False),
    ("Практическая работа", "ПР", "1.5", True, False),
    ("Контрольная работа", "КР", "2", True, False),
)
# i18n: data — seeded as the school's own records, which its admin renames
DEFAULT_ATTENDANCE_CODES = (
    # code, name, absence, excused
    ("Н", "Отсутствовал", True, False),
    ("Б", "Болел", True, True),
    ("УП", "Уважительная причина", True, True),
    ("ОП", "Опоздал", False, False),
)
# i18n: data — what a teacher types
MARK_SYNONYMS = {"зачет": "зач", "зачёт": "зач", "незачет": "незач", "незачёт": "незач", "на": "н/а"}


def normalize_mark(text: str) -> str:
    """A typed mark in the school's spelling: «Зачёт» → «зач», «на» → «н/а»."""
    value = (text or "").strip().lower()
    return MARK_SYNONYMS.get(value, value)


class YearClosed(Exception):
    """The academic year is archived; its journal is read-only."""


class CellError(ValueError):
    """A value typed into the journal that the school's scale or codes do not allow (Russian message)."""


@dataclass(frozen=True)
class CellValue:
    """What one journal cell holds: an optional mark and an optional attendance code."""

    mark: str = ""
    code: str = ""


@prepared
def _local_act():
    return LocalAct.select().where(LocalAct.school_id == Param("school")).limit(1)


def local_act_for(school_id: int) -> LocalAct:
    """The school's local act; created with the region's defaults (and default work types, codes) if missing."""
    act = _local_act.first(school=school_id)
    if act is not None:
        return act
    conf = settings("gradebook")
    try:
        with database.atomic():  # a savepoint inside a caller's transaction
            return _create_local_act(school_id, conf)
    except peewee.IntegrityError:
        # another request created this school's act at the same moment: use theirs
        return LocalAct.get(LocalAct.school_id == school_id)


def _create_local_act(school_id: int, conf: dict[str, Any]) -> LocalAct:
    """The act with the region's defaults, and the school's default work types and attendance codes."""
    act = LocalAct.create(
        school_id=school_id,
        period_kind=conf["period_kind"],
        min_marks=conf["min_marks"],
        mark_days=conf["mark_days"],
        written_mark_days=conf["written_mark_days"],
    )
    if not WorkType.select().where(WorkType.school_id == school_id).exists():
        for name, short, weight, written, default in DEFAULT_WORK_TYPES:
            WorkType.create(school_id=school_id, name=name, short_name=short, weight=weight,
                            is_written=written, is_default=default)
    if not AttendanceCode.select().where(AttendanceCode.school_id == school_id).exists():
        for code, name, absence, excused in DEFAULT_ATTENDANCE_CODES:
            AttendanceCode.create(school_id=school_id, code=code, name=name, is_absence=absence,
                                  is_excused=excused)
    return act


@prepared
def _work_types_of_school():
    return WorkType.select().where(WorkType.school_id == Param("school")).order_by(WorkType.id)


@prepared
def _attendance_codes_of_school():
    return AttendanceCode.select().where(AttendanceCode.school_id == Param("school")).order_by(AttendanceCode.id)


def work_types_of(school_id: int) -> list[WorkType]:
    """The school's work types in the admin's order (seeded with the local act on first use)."""
    local_act_for(school_id)
    return _work_types_of_school(school=school_id)


def default_among(work_types: list[WorkType]) -> WorkType:
    """The school's default work type among its ``work_types``: the one marked default, else the first."""
    return min(work_types, key=lambda w: (not w.is_default, w.id))


def default_work_type(school_id: int) -> WorkType:
    return default_among(work_types_of(school_id))


def attendance_code_rows(school_id: int) -> list[AttendanceCode]:
    """The school's attendance codes with their names, in the admin's order (seeded on first use)."""
    local_act_for(school_id)
    return _attendance_codes_of_school(school=school_id)


def attendance_codes(school_id: int) -> list[str]:
    return [c.code for c in attendance_code_rows(school_id)]


def parse_cell(text: str, scale: str, codes: list[str]) -> CellValue:
    """Read a journal cell: «5», «Н», «ОП 4», «н/а», «зач»… Raise ``CellError`` with a Russian message."""
    mark = code = ""
    by_upper = {c.upper(): c for c in codes}
    allowed_marks = MARK_VALUES.get(scale, ())
    for token in (text or "").split():
        lowered = MARK_SYNONYMS.get(token.lower(), token.lower())
        if token.upper() in by_upper and lowered != NOT_ASSESSED:
            if code:
                raise CellError(_("В ячейке два кода посещаемости: оставьте один."))
            code = by_upper[token.upper()]
        elif lowered in allowed_marks:
            if mark:
                raise CellError(_("В ячейке две отметки: оставьте одну."))
            mark = lowered
        else:
            if scale == "none":
                hint = _("в этом классе безотметочное обучение, допустимы только коды посещаемости: %(codes)s",
                         codes=", ".join(codes))
            else:
                hint = _("допустимы отметки %(marks)s и коды посещаемости %(codes)s",
                         marks=", ".join(allowed_marks), codes=", ".join(codes))
            raise CellError(_("Недопустимое значение «%(value)s»: %(hint)s.", value=token, hint=hint))
    return CellValue(mark, code)


@prepared
def _year_by_id():
    return AcademicYear.select().where(AcademicYear.id == Param("year")).limit(1)


def ensure_open(assignment: TeachingAssignment) -> None:
    """Refuse a change in a closed year; the year is read afresh (inside the caller's transaction)."""
    year = _year_by_id.first(year=assignment.year_id)
    if year.is_closed:
        raise YearClosed(_("Учебный год %(year)s закрыт и переведён в архив: изменения невозможны.", year=year.name))


CHANGE_FIELDS = ("kind", "object_id", "field", "old_value", "new_value", "changed_by", "changed_at", "lesson_id",
                 "student_id", "assignment_id")


@prepared
def _insert_change():
    """One line of the journal's history: a page of thirty saved cells writes thirty of these."""
    return JournalChange.insert({getattr(JournalChange, name): Param(name) for name in CHANGE_FIELDS})


def _change_row(kind: str, obj_id: int, field: str, old: Any, new: Any, by: int | None, *, lesson_id=None,
                student_id=None, assignment_id=None, at: dt.datetime | None = None) -> dict[str, Any]:
    """One line of the history as ``_insert_change`` takes it."""
    return {"kind": kind, "object_id": obj_id, "field": field, "old_value": "" if old is None else str(old),
            "new_value": "" if new is None else str(new), "changed_by": by, "changed_at": at or utcnow(),
            "lesson_id": lesson_id, "student_id": student_id, "assignment_id": assignment_id}


def _announce(row: dict[str, Any]) -> None:
    """Every kept change is announced in its own transaction (notifications write their outbox there)."""
    announce_change(Change("gradebook", row["kind"], row["field"], row["object_id"], row["old_value"],
                           row["new_value"], row["changed_at"], row["changed_by"], row["student_id"],
                           {"lesson_id": row["lesson_id"], "assignment_id": row["assignment_id"]}))


def _log(kind: str, obj_id: int, field: str, old: Any, new: Any, by: int | None, **ids: Any) -> None:
    row = _change_row(kind, obj_id, field, old, new, by, **ids)
    _insert_change.cursor(**row)
    _announce(row)


def _timezone() -> str:
    return core_settings()["timezone"]


def set_mark(lesson: Lesson, student_id: int, value: str, by: int | None, *, work_type: WorkType | None = None,
             comment: str | None = None, now: dt.datetime | None = None) -> Mark | None:
    """Put, change or remove (empty ``value``) a student's mark for a lesson; history and late flag kept."""
    assignment = lesson.assignment
    ensure_open(assignment)
    take_turn(assignment.id)
    now = now or utcnow()
    work_type = work_type or lesson.work_type or default_work_type(assignment.school_id)
    where = (Mark.lesson == lesson.id) & (Mark.student_id == student_id) & (Mark.work_type == work_type.id)
    existing = Mark.select().where(where).first()
    ids = {"lesson_id": lesson.id, "student_id": student_id, "assignment_id": assignment.id, "at": now}
    if not value:
        if existing is not None:
            existing.delete_instance()
            _log("mark", existing.id, "value", existing.value, "", by, **ids)
        return None
    if existing is None:
        act = local_act_for(assignment.school_id)
        days = act.written_mark_days if work_type.is_written else act.mark_days
        mark = Mark.create(
            lesson=lesson.id, student_id=student_id, assignment_id=assignment.id, subject_id=assignment.subject_id,
            lesson_date=lesson.date, value=value, work_type=work_type.id, weight=work_type.weight,
            comment=comment or "", entered_at=now, entered_by=by, updated_at=now, updated_by=by,
            is_late=is_late(lesson.date, now, days, _timezone()),
        )
        _log("mark", mark.id, "value", "", value, by, **ids)
        if comment:
            _log("mark", mark.id, "comment", "", comment, by, **ids)
        return mark
    changed = False
    if existing.value != value:
        _log("mark", existing.id, "value", existing.value, value, by, **ids)
        existing.value = value
        changed = True
    if comment is not None and comment != existing.comment:
        _log("mark", existing.id, "comment", existing.comment, comment, by, **ids)
        existing.comment = comment
        changed = True
    if changed:
        existing.updated_at = now
        existing.updated_by = by
        existing.save()
    return existing


def set_attendance(lesson: Lesson, student_id: int, code: str, by: int | None,
                   *, now: dt.datetime | None = None) -> Attendance | None:
    """Record, change or clear (empty ``code`` = present) a student's attendance at a lesson."""
    assignment = lesson.assignment
    ensure_open(assignment)
    take_turn(assignment.id)
    now = now or utcnow()
    existing = Attendance.get_or_none((Attendance.lesson == lesson.id) & (Attendance.student_id == student_id))
    ids = {"lesson_id": lesson.id, "student_id": student_id, "assignment_id": assignment.id, "at": now}
    if not code:
        if existing is not None:
            existing.delete_instance()
            _log("attendance", existing.id, "code", existing.code, "", by, **ids)
        return None
    if existing is None:
        act = local_act_for(assignment.school_id)
        row = Attendance.create(
            lesson=lesson.id, student_id=student_id, assignment_id=assignment.id, lesson_date=lesson.date,
            code=code, entered_at=now, entered_by=by, updated_at=now,
            is_late=is_late(lesson.date, now, act.attendance_days, _timezone()),
        )
        _log("attendance", row.id, "code", "", code, by, **ids)
        return row
    if existing.code != code:
        _log("attendance", existing.id, "code", existing.code, code, by, **ids)
        existing.code = code
        existing.updated_at = now
        existing.save()
    return existing


def set_lesson_text(lesson: Lesson, by: int | None, *, topic: str | None = None, homework: str | None = None,
                    work_type: WorkType | None = None, now: dt.datetime | None = None) -> Lesson:
    """Change a lesson's topic, homework or column work type; the first entry time of each text is kept."""
    ensure_open(lesson.assignment)
    now = now or utcnow()
    act = local_act_for(lesson.assignment.school_id)
    ids = {"lesson_id": lesson.id, "assignment_id": lesson.assignment_id, "at": now}
    if topic is not None and topic.strip() != lesson.topic:
        _log("lesson", lesson.id, "topic", lesson.topic, topic.strip(), by, **ids)
        lesson.topic = topic.strip()
        if lesson.topic and lesson.topic_entered_at is None:
            lesson.topic_entered_at = now
            lesson.topic_late = is_late(lesson.date, now, act.topic_days, _timezone())
    if homework is not None and homework.strip() != lesson.homework:
        _log("lesson", lesson.id, "homework", lesson.homework, homework.strip(), by, **ids)
        lesson.homework = homework.strip()
        if lesson.homework and lesson.homework_entered_at is None:
            lesson.homework_entered_at = now
            lesson.homework_late = is_late(lesson.date, now, act.homework_days, _timezone())
    if work_type is not None and work_type.id != lesson.work_type_id:
        _log("lesson", lesson.id, "work_type", lesson.work_type_id or "", work_type.id, by, **ids)
        lesson.work_type = work_type.id
    lesson.save()
    return lesson


# --- the lessons themselves: an extra lesson, a moved one, a cancelled empty one ------------------

SCHEDULE_FIELDS = ("date", "number", "starts_at", "ends_at", "room")


def _check_slot(assignment: TeachingAssignment, date: dt.date, number: int, lesson_id: int | None = None) -> None:
    """The date lies in the assignment's academic year and the journal has no other lesson with that number."""
    year = AcademicYear.get_by_id(assignment.year_id)
    if not year.starts_on <= date <= year.ends_on:
        raise ValidationError(_("Дата вне учебного года %(year)s: с %(start)s по %(end)s.", year=year.name,
                                start=year.starts_on.strftime("%d.%m.%Y"), end=year.ends_on.strftime("%d.%m.%Y")),
                              "date")
    clash = Lesson.select(Lesson.id).where((Lesson.assignment == assignment.id) & (Lesson.date == date)
                                           & (Lesson.number == number))
    if lesson_id is not None:
        clash = clash.where(Lesson.id != lesson_id)
    if clash.exists():
        raise ValidationError(_("В этот день в журнале уже есть %(n)s-й урок.", n=number), "number")


def has_entries(lesson: Lesson) -> bool:
    """True when anything was written for the lesson: marks, attendance, topic, homework or a file."""
    return bool(lesson.topic or lesson.homework or lesson.homework_file
                or Mark.select(Mark.id).where(Mark.lesson == lesson.id).exists()
                or Attendance.select(Attendance.id).where(Attendance.lesson == lesson.id).exists())


def add_lesson(assignment: TeachingAssignment, by: int | None, data: dict[str, Any], *,
               now: dt.datetime | None = None) -> Lesson:
    """An extra lesson outside the timetable (a make-up lesson, a second lesson on a day)."""
    ensure_open(assignment)
    _check_slot(assignment, data["date"], data["number"])
    lesson = Lesson.create(assignment=assignment.id, **{name: data[name] for name in SCHEDULE_FIELDS})
    _log("lesson", lesson.id, "created", "", f"{lesson.date.isoformat()} №{lesson.number}", by,
         lesson_id=lesson.id, assignment_id=assignment.id, at=now)
    return lesson


def reschedule_lesson(lesson: Lesson, by: int | None, data: dict[str, Any], *, now: dt.datetime | None = None) -> int:
    """Move a lesson to another date, number, time or room; returns how many fields changed.

    The copies of the date kept on its marks and attendance move with it (progress
    and timeliness read them), in the caller's transaction. Late flags stay as they
    were computed when each entry was made. A lesson that already has marks or
    attendance cannot move into the future: nobody can have been marked there yet.
    """
    assignment = lesson.assignment
    ensure_open(assignment)
    now = now or utcnow()
    _check_slot(assignment, data["date"], data["number"], lesson.id)
    moved = data["date"] != lesson.date
    if moved and data["date"] > local_date(now, _timezone()) and (
            Mark.select(Mark.id).where(Mark.lesson == lesson.id).exists()
            or Attendance.select(Attendance.id).where(Attendance.lesson == lesson.id).exists()):
        raise ValidationError(_("На уроке уже есть отметки или посещаемость: перенести его можно только на "
                                "прошедшую или сегодняшнюю дату."), "date")
    changed = 0
    for name in SCHEDULE_FIELDS:
        old, new = getattr(lesson, name), data[name]
        if old != new:
            _log("lesson", lesson.id, name, old, new, by, lesson_id=lesson.id, assignment_id=assignment.id, at=now)
            setattr(lesson, name, new)
            changed += 1
    if changed:
        lesson.save()
    if moved:
        Mark.update(lesson_date=lesson.date).where(Mark.lesson == lesson.id).execute()
        Attendance.update(lesson_date=lesson.date).where(Attendance.lesson == lesson.id).execute()
    return changed


def delete_lesson(lesson: Lesson, by: int | None, *, now: dt.datetime | None = None) -> None:
    """Cancel a lesson that has nothing written for it; one with entries is moved or cleared first."""
    ensure_open(lesson.assignment)
    if has_entries(lesson):
        raise ValidationError(_("На уроке уже есть записи (тема, задание, отметки или посещаемость), поэтому его "
                                "нельзя удалить. Перенесите урок или сначала очистите записи."), "lesson")
    _log("lesson", lesson.id, "deleted", f"{lesson.date.isoformat()} №{lesson.number}", "", by,
         lesson_id=lesson.id, assignment_id=lesson.assignment_id, at=now)
    lesson.delete_instance()


def set_period_grade(assignment: TeachingAssignment, student_id: int, period, value: str, by: int | None, *,
                     average=None, suggested: str = "", now: dt.datetime | None = None) -> PeriodGrade | None:
    """Set, change or remove a period grade (``period`` None = the year grade), keeping history."""
    ensure_open(assignment)
    now = now or utcnow()
    period_id = period.id if period is not None else None
    query = PeriodGrade.select().where(
        (PeriodGrade.assignment_id == assignment.id) & (PeriodGrade.student_id == student_id)
        & (PeriodGrade.period.is_null() if period_id is None else PeriodGrade.period == period_id)
    )
    existing = query.first()
    ids = {"student_id": student_id, "assignment_id": assignment.id, "at": now}
    if not value:
        if existing is not None:
            existing.delete_instance()
            _log("grade", existing.id, "value", existing.value, "", by, **ids)
        return None
    if existing is None:
        grade = PeriodGrade.create(
            student_id=student_id, assignment_id=assignment.id, subject_id=assignment.subject_id,
            year=assignment.year_id, period=period_id, value=value, average=average, suggested=suggested,
            set_at=now, set_by=by,
        )
        _log("grade", grade.id, "value", "", value, by, **ids)
        return grade
    if existing.value != value:
        _log("grade", existing.id, "value", existing.value, value, by, **ids)
        existing.value = value
        existing.average = average
        existing.suggested = suggested
        existing.set_at = now
        existing.set_by = by
        existing.save()
    return existing


def close_year(year: AcademicYear, by: int | None) -> AcademicYear:
    """Close a finished academic year into the read-only archive."""
    if year.closed_at is None:
        year.closed_at = utcnow()
        year.closed_by = by
        year.save()
        _log("year", year.id, "closed_at", "", year.closed_at.isoformat(), by)
    return year


# --- the teacher's grid: its reads prepared once, a page of cells written in a few statements -------


class GridLesson(NamedTuple):
    """A column of the grid: what the page shows of a lesson and what saving its cells needs."""

    id: int
    date: dt.date
    number: int
    work_type_id: int | None
    topic: str
    homework: str
    homework_file: str
    homework_file_name: str


def _lessons_in_period() -> peewee.ModelSelect:
    return Lesson.select(Lesson.id).where((Lesson.assignment == Param("assignment"))
                                          & Lesson.date.between(Param("start"), Param("end")))


@prepared
def _grid_lessons():
    return (Lesson.select(Lesson.id, Lesson.date, Lesson.number, Lesson.work_type, Lesson.topic, Lesson.homework,
                          Lesson.homework_file, Lesson.homework_file_name)
            .where((Lesson.assignment == Param("assignment")) & Lesson.date.between(Param("start"), Param("end")))
            .order_by(Lesson.date, Lesson.number).tuples())


@prepared
def _grid_marks():
    return (Mark.select(Mark.lesson, Mark.student_id, Mark.work_type, Mark.value, Mark.is_late, Mark.weight)
            .where(Mark.lesson.in_(_lessons_in_period())).order_by(Mark.lesson_date, Mark.id).tuples())


@prepared
def _grid_attendance():
    return (Attendance.select(Attendance.lesson, Attendance.student_id, Attendance.code)
            .where(Attendance.lesson.in_(_lessons_in_period())).tuples())


@prepared
def _grid_grades():
    return (PeriodGrade.select(PeriodGrade.student_id, PeriodGrade.value)
            .where((PeriodGrade.assignment_id == Param("assignment")) & (PeriodGrade.period == Param("period")))
            .tuples())


def grid_lessons(assignment_id: int, start: dt.date, end: dt.date) -> list[GridLesson]:
    """The assignment's lessons from ``start`` to ``end``, in order."""
    return [GridLesson(*row) for row in _grid_lessons(assignment=assignment_id, start=start, end=end)]


def grid_marks(assignment_id: int, start: dt.date, end: dt.date) -> list[tuple]:
    """(lesson id, student id, work type id, value, is late, weight) of those lessons' marks, in entry order.

    A period of a class is hundreds of marks: the driver's rows are taken as they are (ids, texts), only the
    late flag and the weight made a bool and a ``Decimal`` here, once per distinct weight.
    """
    weights: dict[Any, Decimal] = {}
    rows = []
    for lesson_id, student_id, work_type_id, value, late, weight in _grid_marks.cursor(
            assignment=assignment_id, start=start, end=end):
        if weight not in weights:
            weights[weight] = Decimal(str(weight))
        rows.append((lesson_id, student_id, work_type_id, value, bool(late), weights[weight]))
    return rows


def grid_attendance(assignment_id: int, start: dt.date, end: dt.date) -> list[tuple]:
    """(lesson id, student id, code) of those lessons' attendance."""
    return _grid_attendance.cursor(assignment=assignment_id, start=start, end=end).fetchall()


def grid_grades(assignment_id: int, period_id: int) -> dict[int, str]:
    """student id → the period grade set in the assignment."""
    return dict(_grid_grades(assignment=assignment_id, period=period_id))


MARK_ROW = ("lesson_id", "student_id", "assignment_id", "subject_id", "lesson_date", "value", "work_type_id",
            "weight", "comment", "entered_at", "entered_by", "updated_at", "updated_by", "is_late")
ATTENDANCE_ROW = ("lesson_id", "student_id", "assignment_id", "lesson_date", "code", "entered_at", "entered_by",
                  "updated_at", "is_late")


@prepared
def _insert_mark():
    return Mark.insert({getattr(Mark, name): Param(name) for name in MARK_ROW})


@prepared
def _insert_attendance():
    return Attendance.insert({getattr(Attendance, name): Param(name) for name in ATTENDANCE_ROW})


@prepared
def _update_mark():
    return (Mark.update(value=Param("value"), updated_at=Param("at"), updated_by=Param("by"))
            .where(Mark.id == Param("id")))


@prepared
def _update_attendance():
    return Attendance.update(code=Param("code"), updated_at=Param("at")).where(Attendance.id == Param("id"))


def _marks_now(lesson_ids: list[int], student_ids: list[int], column: dict[int, int]
               ) -> dict[tuple[int, int], tuple[int, str]]:
    """(lesson, student) → (id, value) of the stored marks of each lesson's column work type in those cells."""
    return {(lesson_id, student_id): (mark_id, value) for mark_id, lesson_id, student_id, work_type_id, value in
            Mark.select(Mark.id, Mark.lesson, Mark.student_id, Mark.work_type, Mark.value)
            .where(Mark.lesson.in_(lesson_ids) & Mark.student_id.in_(student_ids)).tuples()
            if work_type_id == column[lesson_id]}


def _codes_now(lesson_ids: list[int], student_ids: list[int]) -> dict[tuple[int, int], tuple[int, str]]:
    """(lesson, student) → (id, code) of the stored attendance in those cells."""
    return {(lesson_id, student_id): (row_id, code) for row_id, lesson_id, student_id, code in
            Attendance.select(Attendance.id, Attendance.lesson, Attendance.student_id, Attendance.code)
            .where(Attendance.lesson.in_(lesson_ids) & Attendance.student_id.in_(student_ids)).tuples()}


def take_turn(assignment_id: int) -> None:
    """Concurrent journal writes of one assignment take turns, to the end of the caller's transaction.

    A write reads what is stored, then inserts what is new: two saves of the same cells at once (two tabs,
    two teachers) would both find no mark and both insert one, and the second would fail on the unique
    key. On PostgreSQL the assignment's row is locked (``FOR UPDATE``), so the second save reads what the
    first wrote; SQLite's transactions already take turns at the write gate (``BEGIN``). Outside a
    transaction there is nothing to hold the turn to, and nothing is done.
    """
    db = database.obj
    if isinstance(db, peewee.PostgresqlDatabase) and db.in_transaction():
        list(TeachingAssignment.select(TeachingAssignment.id).where(TeachingAssignment.id == assignment_id)
             .for_update().tuples())


def save_cells(assignment: TeachingAssignment, lessons: dict[int, GridLesson],
               cells: dict[tuple[int, int], CellValue], by: int | None, *, now: dt.datetime | None = None) -> int:
    """Write a page of grid cells (lesson id, student id) → value; returns how many cells changed.

    Each cell means what ``set_mark`` (the mark of the lesson's column work type,
    no comment) and ``set_attendance`` do with it, with the same history, late
    flags and announcements, but the page costs a fixed number of statements:
    one read of the stored marks and one of the attendance, one delete, update
    and insert of each for all the cells, one read of the new rows' ids and one
    insert of the history.
    A closed year refuses a page that changes anything (``YearClosed``). Call it
    inside the caller's transaction.
    """
    if not cells:
        return 0
    take_turn(assignment.id)  # before reading what is stored
    now = now or utcnow()
    act = local_act_for(assignment.school_id)
    types = {w.id: w for w in _work_types_of_school(school=assignment.school_id)}
    fallback = default_among(list(types.values()))
    column = {lesson.id: types.get(lesson.work_type_id, fallback) for lesson in lessons.values()}
    column_ids = {lesson_id: work_type.id for lesson_id, work_type in column.items()}
    lesson_ids, student_ids = sorted({key[0] for key in cells}), sorted({key[1] for key in cells})
    marks, codes = _marks_now(lesson_ids, student_ids, column_ids), _codes_now(lesson_ids, student_ids)
    zone = _timezone()
    gone_marks, gone_codes, new_marks, new_codes, mark_updates, code_updates = [], [], [], [], [], []
    history: list[tuple[str, tuple[int, int] | int, str, str, str, dict[str, Any]]] = []
    changed = 0
    for (lesson_id, student_id), value in cells.items():
        key, lesson = (lesson_id, student_id), lessons[lesson_id]
        ids = {"lesson_id": lesson_id, "student_id": student_id, "assignment_id": assignment.id, "at": now}
        (mark_id, old_mark), (code_id, old_code) = marks.get(key, (None, "")), codes.get(key, (None, ""))
        if value.mark != old_mark:
            if not value.mark:
                gone_marks.append(mark_id)
            elif mark_id is None:
                work_type = column[lesson_id]
                days = act.written_mark_days if work_type.is_written else act.mark_days
                new_marks.append({
                    "lesson_id": lesson_id, "student_id": student_id, "assignment_id": assignment.id,
                    "subject_id": assignment.subject_id, "lesson_date": lesson.date, "value": value.mark,
                    "work_type_id": work_type.id, "weight": work_type.weight, "comment": "", "entered_at": now,
                    "entered_by": by, "updated_at": now, "updated_by": by,
                    "is_late": is_late(lesson.date, now, days, zone)})
            else:
                mark_updates.append({"id": mark_id, "value": value.mark, "at": now, "by": by})
            history.append(("mark", mark_id or key, "value", old_mark, value.mark, ids))
        if value.code != old_code:
            if not value.code:
                gone_codes.append(code_id)
            elif code_id is None:
                new_codes.append({
                    "lesson_id": lesson_id, "student_id": student_id, "assignment_id": assignment.id,
                    "lesson_date": lesson.date, "code": value.code, "entered_at": now, "entered_by": by,
                    "updated_at": now, "is_late": is_late(lesson.date, now, act.attendance_days, zone)})
            else:
                code_updates.append({"id": code_id, "code": value.code, "at": now})
            history.append(("attendance", code_id or key, "code", old_code, value.code, ids))
        changed += int(value.mark != old_mark or value.code != old_code)
    if not changed:
        return 0
    ensure_open(assignment)
    if gone_marks:
        Mark.delete().where(Mark.id.in_(gone_marks)).execute()
    if gone_codes:
        Attendance.delete().where(Attendance.id.in_(gone_codes)).execute()
    _update_mark.many(mark_updates)
    _update_attendance.many(code_updates)
    _insert_mark.many(new_marks)
    _insert_attendance.many(new_codes)
    if new_marks or new_codes:  # the ids of the rows just inserted, for their history
        marks, codes = _marks_now(lesson_ids, student_ids, column_ids), _codes_now(lesson_ids, student_ids)
    rows = []
    for kind, obj, field, old, new, ids in history:
        if isinstance(obj, tuple):
            obj = (marks if kind == "mark" else codes)[obj][0]
        rows.append(_change_row(kind, obj, field, old, new, by, **ids))
    _insert_change.many(rows)
    for row in rows:
        _announce(row)
    return changed


def grid_setup(school_id: int) -> tuple[LocalAct, list[WorkType], list[AttendanceCode]]:
    """The school's local act, work types and attendance codes for a grid, in three statements."""
    act = local_act_for(school_id)  # seeds the defaults on first use
    return act, _work_types_of_school(school=school_id), _attendance_codes_of_school(school=school_id)
