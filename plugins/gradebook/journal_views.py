"""The teacher's journal: the grid, the lesson pages (marks, attendance, homework, schedule),
attestation and the journal's history.

Journal pages check ``journal.read``/``journal.write`` (``lesson.schedule`` for moving lessons)
on the teaching assignment.
"""

from __future__ import annotations

import os
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from markupsafe import Markup, escape
from marshmallow import ValidationError
from werkzeug.utils import secure_filename

from core.api import (
    Param,
    _,
    audit,
    can,
    check_text,
    current_actor,
    database,
    format_average,
    prepared,
    require,
    roles_required,
    scope,
    settings,
)
from plugins.gradebook import journal, queries
from plugins.gradebook.models import (
    MARK_VALUES,
    AcademicYear,
    JournalChange,
    Lesson,
    Period,
    Subject,
    TeachingAssignment,
    WorkType,
)
from plugins.gradebook.rules import GradeRule, suggest_period_grade, weighted_average
from plugins.gradebook.schemas import LessonForm
from plugins.gradebook.views import STAFF_ROLES, attachment_dir, bp, int_arg, reg, send_attachment, today

CELL_NAME = re.compile(r"^c-(\d+)-(\d+)$")
TOPIC_MAX, HOMEWORK_MAX = 500, 5000  # characters a lesson's topic and homework may hold


# --- the teacher's journal ----------------------------------------------------------


def _assignment(assignment_id: int, action: str = "journal.read") -> TeachingAssignment:
    assignment = _assignment_with_subject_and_year.first(id=assignment_id)
    if assignment is None:
        abort(404)
    require(current_actor(), action, assignment, object_type="assignment", object_id=assignment_id)
    return assignment


@prepared
def _assignment_with_subject_and_year():
    return (TeachingAssignment.select(TeachingAssignment, Subject, AcademicYear).join(Subject)
            .switch(TeachingAssignment).join(AcademicYear)
            .where(TeachingAssignment.id == Param("id")).limit(1))


@bp.route("/journal")
@roles_required(*STAFF_ROLES)
def journal_index():
    query = (TeachingAssignment.select(TeachingAssignment, Subject, AcademicYear).join(Subject)
             .switch(TeachingAssignment).join(AcademicYear)
             .where(scope(current_actor(), "journal.read", TeachingAssignment))
             .order_by(AcademicYear.start_year.desc(), TeachingAssignment.class_id, Subject.name))
    assignments = list(query)
    names = queries.class_names(a.class_id for a in assignments)
    teachers = queries.teacher_names(a.teacher_id for a in assignments)
    return render_template("gradebook/journal_index.html", assignments=assignments, names=names, teachers=teachers,
                           todays=_todays_lessons(assignments))


def _todays_lessons(assignments: list[TeachingAssignment]) -> list[tuple[Lesson, TeachingAssignment]]:
    """Today's lessons of the journals the actor writes, in order: each opens its roll call."""
    actor = current_actor()
    writable = {a.id: a for a in assignments if not a.year.is_closed and can(actor, "journal.write", a)}
    if not writable:
        return []
    lessons = (Lesson.select().where(Lesson.assignment.in_(list(writable)) & (Lesson.date == today()))
               .order_by(Lesson.number, Lesson.id))
    return [(lesson, writable[lesson.assignment_id]) for lesson in lessons]


def _journal_period(assignment: TeachingAssignment, periods: list[Period]) -> Period:
    """The period asked for among the year's ``periods``, else the current one; 404 if not one of them."""
    wanted = int_arg("period")
    period = next((p for p in periods if p.id == wanted), None) if wanted else queries.period_among(periods, today())
    if period is None:
        abort(404)
    return period


@bp.route("/journal/<int:assignment_id>", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def journal_grid(assignment_id: int):
    assignment = _assignment(assignment_id)
    periods = queries.periods_of(assignment.year)
    period = _journal_period(assignment, periods)
    actor = current_actor()
    writable = can(actor, "journal.write", assignment)
    errors: dict[str, str] = {}
    submitted: dict[str, str] = {}
    if request.method == "POST":
        require(actor, "journal.write", assignment, object_type="assignment", object_id=assignment_id)
        lessons = {lesson.id: lesson for lesson in journal.grid_lessons(assignment.id, period.starts_on,
                                                                        period.ends_on)}
        errors, submitted, parsed = _parse_cells(assignment, lessons)
        if not errors:
            with database.atomic():  # the cells, their history and the audit record: one transaction
                changed = journal.save_cells(assignment, lessons, parsed, actor.id)
                audit("journal.write", "assignment", assignment.id,
                      details={"period": period.id, "cells": changed})
            flash(_("Журнал сохранён. Изменено ячеек: %(n)s.", n=changed), "success")
            return redirect(url_for(".journal_grid", assignment_id=assignment.id, period=period.id))
        flash(_("Журнал не сохранён: исправьте отмеченные ячейки."), "error")
    grid = _read_grid(assignment, period)
    audit("journal.read", "assignment", assignment.id, details={"period": period.id})
    return render_template("gradebook/journal_grid.html", grid=grid, assignment=assignment, period=period,
                           heads=_heads_html(_lesson_heads(assignment, grid)),  # (column headings, popovers)
                           cells=_grid_cells(grid, errors, submitted, writable),
                           periods=periods, writable=writable, errors=errors,
                           can_schedule=can(actor, "lesson.schedule", assignment),
                           title=queries.assignment_title(assignment),
                           year_closed=assignment.year.is_closed), (422 if errors else 200)


class Cell:
    """One journal cell as stored: the mark of the lesson's column work type, the attendance code, other marks."""

    __slots__ = ("mark", "code", "late", "others")

    def __init__(self) -> None:
        self.mark, self.code, self.late, self.others = "", "", False, []

    @property
    def text(self) -> str:
        return " ".join(p for p in (self.code, self.mark) if p)


EMPTY_CELL = Cell()  # every empty cell of a grid, which is only read once built


class GridRow(NamedTuple):
    student: Any
    average: str  # formatted for the page
    suggested: str
    period_grade: str


@dataclass
class Grid:
    """Students × lessons of an assignment in a period, as the page shows them."""

    lessons: dict[int, journal.GridLesson]  # in the page's order
    rows: list[GridRow]
    cells: dict[tuple[int, int], Cell]  # (lesson id, student id) → a stored cell; absent = empty
    codes: list[str]
    work_types: dict[int, Any]


def _read_grid(assignment: TeachingAssignment, period: Period) -> Grid:
    """The grid in a fixed number of prepared statements, whatever the size of the class or the period."""
    act, work_types, codes = journal.grid_setup(assignment.school_id)
    rule = GradeRule.of(act)
    fallback = journal.default_among(work_types)
    lessons = {lesson.id: lesson for lesson in
               journal.grid_lessons(assignment.id, period.starts_on, period.ends_on)}
    column = {lesson.id: lesson.work_type_id or fallback.id for lesson in lessons.values()}
    cells: dict[tuple[int, int], Cell] = {}
    marks_of: dict[int, list[tuple[str, Decimal]]] = defaultdict(list)
    if lessons:
        for lesson_id, student_id, work_type_id, value, is_late, weight in journal.grid_marks(
                assignment.id, period.starts_on, period.ends_on):
            cell = cells.get((lesson_id, student_id)) or cells.setdefault((lesson_id, student_id), Cell())
            if work_type_id == column[lesson_id]:
                cell.mark, cell.late = value, is_late
            else:
                cell.others.append(value)
            marks_of[student_id].append((value, weight))
        for lesson_id, student_id, code in journal.grid_attendance(assignment.id, period.starts_on, period.ends_on):
            (cells.get((lesson_id, student_id)) or cells.setdefault((lesson_id, student_id), Cell())).code = code
    grades = journal.grid_grades(assignment.id, period.id)
    rows = []
    for student in queries.students_of_assignment(assignment):
        pairs = marks_of.get(student.id, [])
        rows.append(GridRow(student, format_average(weighted_average(pairs)),
                            suggest_period_grade(pairs, assignment.scale, rule), grades.get(student.id, "")))
    return Grid(lessons, rows, cells, [c.code for c in codes], {w.id: w for w in work_types})


class LessonHead(NamedTuple):
    """A column's heading and its popover, with their texts and links made once per column."""

    lesson: journal.GridLesson
    day: str
    title: str
    work_type: str
    page_url: str
    roll_call_url: str
    file_url: str


def _url_pattern(endpoint: str, **values: Any) -> str:
    """A lesson's link with ``{}`` for its id: ``url_for`` once per page, not once per column."""
    return url_for(endpoint, lesson_id=LESSON_MARKER, **values).replace(str(LESSON_MARKER), "{}")


LESSON_MARKER = 987654321


def _lesson_heads(assignment: TeachingAssignment, grid: Grid) -> list[LessonHead]:
    page, roll_call, file = (_url_pattern(endpoint, assignment_id=assignment.id) for endpoint in
                             (".lesson_page", ".roll_call", ".lesson_file"))
    title = _("Урок %(n)s, %(d)s")
    heads = []
    for lesson in grid.lessons.values():
        work_type = grid.work_types.get(lesson.work_type_id) if lesson.work_type_id else None
        heads.append(LessonHead(lesson, lesson.date.strftime("%d.%m"),
                                title % {"n": lesson.number, "d": lesson.date.strftime("%d.%m.%Y")},
                                work_type.short_name if work_type else "", page.format(lesson.id),
                                roll_call.format(lesson.id), file.format(lesson.id)))
    return heads


def _heads_html(heads: list[LessonHead]) -> tuple[Markup, Markup]:
    """The columns' headings and their popovers (topic, homework, links) as HTML, as :func:`_grid_cells` writes
    the cells: a quarter has some fifty lessons of a dozen values each. Topic, homework and file names are
    what people typed and are escaped; days, titles and links are ours."""
    about, no_topic_mark = escape(_("тема и домашнее задание")), escape(_("Нет темы"))
    topic_label, no_topic = escape(_("Тема урока")), _("Тема не указана")
    homework_label, no_homework = escape(_("Домашнее задание")), _("Не задано")
    open_label, roll_call_label, close_label = escape(_("Открыть урок")), escape(_("Перекличка")), escape(_("Закрыть"))
    cells, popovers = [], []
    for h in heads:
        lesson, pop = h.lesson, f"lp-{h.lesson.id}"
        work_type = f' <span class="wt">{escape(h.work_type)}</span>' if h.work_type else ""
        missing = f' <span class="missing" title="{no_topic_mark}">!</span>' if not lesson.topic else ""
        cells.append(f'<th scope="col" class="lesson-head"><button type="button" class="lesson-date" '
                     f'popovertarget="{pop}" aria-haspopup="dialog">{escape(h.day)}<span class="visually-hidden"> '
                     f'— {about}</span></button>{work_type}{missing}</th>')
        file = (f'<br><a href="{escape(h.file_url)}">{escape(lesson.homework_file_name)}</a>'
                if lesson.homework_file else "")
        popovers.append(
            f'<div id="{pop}" popover class="lesson-pop" role="dialog" aria-labelledby="{pop}-title">'
            f'<h2 id="{pop}-title">{escape(h.title)}</h2><dl>'
            f'<dt>{topic_label}</dt><dd class="pop-topic">{escape(lesson.topic or no_topic)}</dd>'
            f'<dt>{homework_label}</dt><dd class="pop-homework">{escape(lesson.homework or no_homework)}{file}</dd>'
            f'</dl><p class="pop-actions"><a href="{escape(h.page_url)}">{open_label}</a> '
            f'<a href="{escape(h.roll_call_url)}">{roll_call_label}</a> '
            f'<button type="button" popovertarget="{pop}" popovertargetaction="hide">{close_label}</button></p></div>')
    return Markup("".join(cells)), Markup("\n".join(popovers))


def _grid_cells(grid: Grid, errors: dict, submitted: dict, writable: bool) -> list[Markup]:
    """Per row, its journal cells as HTML (an input per lesson), for the template to place as they are.

    A quarter has about a thousand cells; written by the template each would escape five values through
    Jinja. Here the input names, classes and dates are ours and safe, and only what people typed (the
    cell text, other marks, the student's name in the label) is escaped. An empty cell, the most common,
    is one f-string.
    """
    readonly = "" if writable else " readonly"
    days = [(lesson_id, lesson.date.strftime("%d.%m")) for lesson_id, lesson in grid.lessons.items()]
    rows = []
    for row in grid.rows:
        student_id, who = row.student.id, escape(row.student.last_name)
        line = []
        for lesson_id, day in days:
            name = f"c-{lesson_id}-{student_id}"
            cell = grid.cells.get((lesson_id, student_id))
            if cell is None and name not in submitted:
                line.append(f'<td class=""><input id="{name}" name="{name}" value="" {CELL_INPUT} '
                            f'aria-label="{who}, {day}"{readonly}></td>')
                continue
            cell = cell or EMPTY_CELL
            invalid = name in errors
            others = f'<span class="others">{escape(" ".join(cell.others))}</span>' if cell.others else ""
            line.append(f'<td class="{"late" if cell.late else ""}{" invalid" if invalid else ""}">'
                        f'<input id="{name}" name="{name}" value="{escape(submitted.get(name, cell.text))}" '
                        f'{CELL_INPUT} aria-label="{who}, {day}"{INVALID if invalid else ""}{readonly}>{others}</td>')
        rows.append(Markup("".join(line)))
    return rows


CELL_INPUT = 'size="4" maxlength="12" autocomplete="off"'
INVALID = ' aria-invalid="true"'


def _parse_cells(assignment: TeachingAssignment, lessons: dict[int, journal.GridLesson]
                 ) -> tuple[dict, dict, dict]:
    """(errors, submitted texts, parsed cells) of the posted grid: every cell is validated before anything is saved.

    A cell names one of the period's ``lessons`` and a student of the assignment (else 400). Which cells
    changed is for ``journal.save_cells`` to find, against what is stored.
    """
    students = {student.id: student for student in queries.students_of_assignment(assignment)}
    codes = journal.attendance_codes(assignment.school_id)
    errors, submitted, parsed = {}, {}, {}
    for name, text in request.form.items():
        match = CELL_NAME.match(name)
        if not match:
            continue
        lesson_id, student_id = int(match.group(1)), int(match.group(2))
        if lesson_id not in lessons or student_id not in students:
            abort(400)
        submitted[name] = text
        try:
            parsed[(lesson_id, student_id)] = journal.parse_cell(text, assignment.scale, codes)
        except journal.CellError as exc:
            errors[name] = _("%(student)s, %(date)s: %(message)s", student=students[student_id].full_name,
                             date=lessons[lesson_id].date.strftime("%d.%m"), message=str(exc))
    if errors:
        return errors, submitted, {}
    return {}, {}, parsed


@bp.route("/journal/<int:assignment_id>/lesson/<int:lesson_id>", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def lesson_page(assignment_id: int, lesson_id: int):
    assignment = _assignment(assignment_id)
    lesson = Lesson.get_or_none((Lesson.id == lesson_id) & (Lesson.assignment == assignment.id))
    if lesson is None:
        abort(404)
    actor = current_actor()
    work_types = list(WorkType.select().where(WorkType.school_id == assignment.school_id).order_by(WorkType.id))
    codes = journal.attendance_codes(assignment.school_id)
    students = queries.students_of_assignment(assignment)
    errors: dict[str, str] = {}
    if request.method == "POST":
        require(actor, "journal.write", assignment, object_type="assignment", object_id=assignment_id)
        errors = _save_lesson(assignment, lesson, work_types, codes, students)
        if not errors:
            audit("journal.write", "lesson", lesson.id)
            flash(_("Урок сохранён."), "success")
            return redirect(url_for(".lesson_page", assignment_id=assignment.id, lesson_id=lesson.id))
        flash(_("Урок не сохранён: исправьте отмеченные поля."), "error")
    lesson = Lesson.get_by_id(lesson.id)
    column = lesson.work_type_id or journal.default_work_type(assignment.school_id).id
    marks = {m.student_id: m for m in lesson.marks if m.work_type_id == column}
    attendance = {a.student_id: a.code for a in lesson.attendance}
    audit("journal.read", "lesson", lesson.id)
    return render_template("gradebook/lesson.html", assignment=assignment, lesson=lesson, work_types=work_types,
                           codes=codes, students=students, marks=marks, attendance=attendance, errors=errors,
                           typed=request.form if errors else None, column=column,
                           writable=can(actor, "journal.write", assignment),
                           can_schedule=can(actor, "lesson.schedule", assignment),
                           allowed=MARK_VALUES.get(assignment.scale, ()), title=queries.assignment_title(assignment))


# --- the roll call: one lesson's attendance from a phone, a tap per student ----------------------


@bp.route("/journal/<int:assignment_id>/lesson/<int:lesson_id>/roll-call", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def roll_call(assignment_id: int, lesson_id: int):
    """Each tap posts one student's code (empty = present); the script sends it with fetch, or the form does.

    The code is saved by ``journal.set_attendance`` under ``journal.write``, as the grid and the lesson page do.
    """
    assignment = _assignment(assignment_id)
    lesson = _lesson_of(assignment, lesson_id)
    actor = current_actor()
    codes = journal.attendance_code_rows(assignment.school_id)
    students = queries.students_of_assignment(assignment)
    wants_json = request.accept_mimetypes.best == "application/json"
    status = 200
    if request.method == "POST":
        require(actor, "journal.write", assignment, object_type="assignment", object_id=assignment_id)
        status, message, student = _save_roll_call(lesson, assignment, students, {c.code for c in codes})
        if wants_json:
            body = {"ok": status == 200, "message": message}
            if student is not None:
                body.update(student=student.id, code=request.form.get("code", ""))
            return jsonify(body), status
        if status == 200:
            return redirect(url_for(".roll_call", assignment_id=assignment.id, lesson_id=lesson.id,
                                    _anchor=f"s-{student.id}"))
        flash(message, "error")
    attendance = {a.student_id: a.code for a in lesson.attendance}
    audit("journal.read", "lesson", lesson.id, details={"roll_call": True})
    return render_template("gradebook/roll_call.html", assignment=assignment, lesson=lesson, codes=codes,
                           students=students, attendance=attendance,
                           writable=can(actor, "journal.write", assignment) and not assignment.year.is_closed,
                           title=queries.assignment_title(assignment)), status


def _save_roll_call(lesson, assignment, students, codes: set[str]) -> tuple[int, str, object]:
    """(status, message, student) of one tap: 200 and saved and audited, or 400/409/422 and nothing saved."""
    student_id = request.form.get("student", type=int)
    student = next((s for s in students if s.id == student_id), None)
    if student is None:
        return 400, _("Ученик не найден в списке урока."), None
    code = request.form.get("code", "").strip()
    if code and code not in codes:
        return 422, _("Выберите код посещаемости из списка."), None
    lesson.assignment = assignment  # the one already loaded and checked
    try:
        with database.atomic():
            journal.set_attendance(lesson, student.id, code, current_actor().id)
    except journal.YearClosed as exc:
        return 409, str(exc), None
    audit("journal.write", "lesson", lesson.id, details={"roll_call": student.id, "code": code})
    saved = _("%(student)s: %(code)s — сохранено.", student=student.full_name, code=code or _("на уроке"))
    return 200, saved, student


def _save_lesson(assignment, lesson, work_types, codes, students) -> dict[str, str]:
    errors = {}
    form = request.form
    types = {w.id: w for w in work_types}
    work_type = types.get(form.get("work_type_id", type=int)) if form.get("work_type_id") else None
    if form.get("work_type_id") and work_type is None:
        errors["work_type_id"] = _("Выберите вид работы из списка.")
    upload = request.files.get("homework_file")
    max_bytes = settings("gradebook")["attachment_max_mb"] * 1024 * 1024
    content = upload.read() if upload and upload.filename else None
    if content is not None and len(content) > max_bytes:
        errors["homework_file"] = _("Файл больше %(n)s МБ.", n=settings("gradebook")["attachment_max_mb"])
    texts = {}
    for name, limit in (("topic", TOPIC_MAX), ("homework", HOMEWORK_MAX)):
        try:
            texts[name] = check_text(form.get(name, ""), limit, multiline=True)
        except ValidationError as exc:
            errors[name] = exc.messages[0]
    allowed = MARK_VALUES.get(assignment.scale, ())
    values = {}
    for student in students:
        mark = journal.normalize_mark(form.get(f"mark-{student.id}", ""))
        code = form.get(f"code-{student.id}", "")
        if mark and mark not in allowed:
            errors[f"mark-{student.id}"] = _("Допустимы отметки: %(v)s.", v=", ".join(allowed) or "—")
        if code and code not in codes:
            errors[f"code-{student.id}"] = _("Выберите код посещаемости из списка.")
        values[student.id] = (mark, form.get(f"comment-{student.id}", "").strip()[:500], code)
    if errors:
        return errors
    by = current_actor().id
    with database.atomic():
        journal.set_lesson_text(lesson, by, topic=texts["topic"], homework=texts["homework"],
                                work_type=work_type)
        if content is not None:
            _store_attachment(lesson, upload.filename, content)
        elif form.get("remove_file") and lesson.homework_file:
            lesson.homework_file = lesson.homework_file_name = ""
            lesson.save()
        column = types.get(lesson.work_type_id) or journal.default_work_type(assignment.school_id)
        for student_id, (mark, comment, code) in values.items():
            journal.set_mark(lesson, student_id, mark, by, work_type=column, comment=comment if mark else None)
            journal.set_attendance(lesson, student_id, code, by)
    return {}


def _store_attachment(lesson: Lesson, filename: str, content: bytes) -> None:
    """Keep a homework file in the instance folder under a random name; the original name is shown."""
    folder = attachment_dir()
    folder.mkdir(parents=True, exist_ok=True)
    safe = secure_filename(filename) or "file"
    stored = f"{lesson.id}-{uuid.uuid4().hex}{os.path.splitext(safe)[1][:10]}"
    (folder / stored).write_bytes(content)
    lesson.homework_file, lesson.homework_file_name = stored, filename[:200]
    lesson.save()


# --- the lessons themselves: add, move, cancel -------------------------------------------------


def _lesson_of(assignment: TeachingAssignment, lesson_id: int) -> Lesson:
    lesson = Lesson.get_or_none((Lesson.id == lesson_id) & (Lesson.assignment == assignment.id))
    if lesson is None:
        abort(404)
    return lesson


def _first_messages(exc: ValidationError) -> dict[str, str]:
    return {k: (v[0] if isinstance(v, list) else str(v)) for k, v in exc.normalized_messages().items()}


def _lesson_form(assignment: TeachingAssignment, lesson: Lesson | None):
    """The form of an extra lesson (``lesson`` None) or of a lesson moved to another day, time or room."""
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = {name: request.form.get(name, "").strip() for name in journal.SCHEDULE_FIELDS}
        by = current_actor().id
        try:
            data = LessonForm().load({k: v if k == "room" else (v or None) for k, v in values.items()})
            with database.atomic():
                if lesson is None:
                    lesson = journal.add_lesson(assignment, by, data)
                    audit("journal.write", "lesson", lesson.id, details={"lesson": "added"})
                    flash(_("Урок добавлен."), "success")
                else:
                    changed = journal.reschedule_lesson(lesson, by, data)
                    audit("journal.write", "lesson", lesson.id, details={"lesson": "moved", "fields": changed})
                    flash(_("Расписание урока изменено.") if changed else _("Изменений нет."), "success")
        except ValidationError as exc:
            errors = _first_messages(exc)
            flash(_("Не сохранено: исправьте отмеченные поля."), "error")
        else:
            return redirect(url_for(".lesson_page", assignment_id=assignment.id, lesson_id=lesson.id))
    elif lesson is None:
        values = {"date": today().isoformat(), "number": "1", "starts_at": "", "ends_at": "", "room": ""}
    else:
        values = {"date": lesson.date.isoformat(), "number": str(lesson.number), "room": lesson.room,
                  **{k: getattr(lesson, k).strftime("%H:%M") if getattr(lesson, k) else ""
                     for k in ("starts_at", "ends_at")}}
    return render_template("gradebook/lesson_schedule.html", assignment=assignment, lesson=lesson, values=values,
                           errors=errors, title=queries.assignment_title(assignment)), (422 if errors else 200)


@bp.route("/journal/<int:assignment_id>/lessons/new", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def lesson_new(assignment_id: int):
    return _lesson_form(_assignment(assignment_id, "lesson.schedule"), None)


@bp.route("/journal/<int:assignment_id>/lesson/<int:lesson_id>/schedule", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def lesson_schedule(assignment_id: int, lesson_id: int):
    assignment = _assignment(assignment_id, "lesson.schedule")
    return _lesson_form(assignment, _lesson_of(assignment, lesson_id))


@bp.route("/journal/<int:assignment_id>/lesson/<int:lesson_id>/delete", methods=["POST"])
@roles_required(*STAFF_ROLES)
def lesson_delete(assignment_id: int, lesson_id: int):
    assignment = _assignment(assignment_id, "lesson.schedule")
    lesson = _lesson_of(assignment, lesson_id)
    try:
        with database.atomic():
            journal.delete_lesson(lesson, current_actor().id)
    except ValidationError as exc:
        flash(next(iter(_first_messages(exc).values())), "error")
        return redirect(url_for(".lesson_page", assignment_id=assignment.id, lesson_id=lesson.id))
    audit("journal.write", "lesson", lesson_id, details={"lesson": "deleted"})
    flash(_("Урок %(date)s удалён.", date=lesson.date.strftime("%d.%m.%Y")), "success")
    period = queries.period_on(assignment.year, lesson.date)
    return redirect(url_for(".journal_grid", assignment_id=assignment.id, period=period.id if period else None))


@bp.route("/journal/<int:assignment_id>/lesson/<int:lesson_id>/file")
@roles_required(*STAFF_ROLES)
def lesson_file(assignment_id: int, lesson_id: int):
    assignment = _assignment(assignment_id)
    lesson = Lesson.get_or_none((Lesson.id == lesson_id) & (Lesson.assignment == assignment.id))
    if lesson is None or not lesson.homework_file:
        abort(404)
    return send_attachment(lesson)


@bp.route("/journal/<int:assignment_id>/attestation", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def attestation(assignment_id: int):
    assignment = _assignment(assignment_id)
    actor = current_actor()
    periods, rows = queries.attestation(assignment)
    allowed = MARK_VALUES.get(assignment.scale, ())
    errors: dict[str, str] = {}
    if request.method == "POST":
        require(actor, "journal.write", assignment, object_type="assignment", object_id=assignment_id)
        wanted = {}
        for row in rows:
            for key, period in [(str(p.id), p) for p in periods] + [("year", None)]:
                name = f"g-{row.student.id}-{key}"
                if name not in request.form:
                    continue
                value = journal.normalize_mark(request.form[name])
                if value and value not in allowed:
                    errors[name] = _("Допустимы: %(v)s.", v=", ".join(allowed) or "—")
                average, suggested = (row.periods[period.id][:2] if period else (None, row.year_suggested))
                wanted[(row.student.id, key)] = (period, value, average, suggested)
        if not errors:
            with database.atomic():
                for (student_id, _key), (period, value, average, suggested) in wanted.items():
                    journal.set_period_grade(assignment, student_id, period, value, actor.id, average=average,
                                             suggested=suggested)
            audit("journal.write", "attestation", assignment.id)
            flash(_("Отметки за периоды сохранены."), "success")
            return redirect(url_for(".attestation", assignment_id=assignment.id))
        flash(_("Отметки не сохранены: исправьте отмеченные поля."), "error")
    act = journal.local_act_for(assignment.school_id)
    audit("journal.read", "attestation", assignment.id)
    return render_template("gradebook/attestation.html", assignment=assignment, periods=periods, rows=rows,
                           errors=errors, act=act, writable=can(actor, "journal.write", assignment),
                           title=queries.assignment_title(assignment)), (422 if errors else 200)


@bp.route("/journal/<int:assignment_id>/history")
@roles_required(*STAFF_ROLES)
def history(assignment_id: int):
    assignment = _assignment(assignment_id)
    changes = list(JournalChange.select().where(JournalChange.assignment_id == assignment.id)
                   .order_by(JournalChange.changed_at.desc(), JournalChange.id.desc()).limit(500))
    names = {i: s.full_name for i, s in reg().students(c.student_id for c in changes if c.student_id).items()}
    users = {u.id: u.display_name for u in _users([c.changed_by for c in changes])}
    lessons = {lesson.id: lesson for lesson in Lesson.select().where(
        Lesson.id.in_([c.lesson_id for c in changes if c.lesson_id] or [0]))}
    work_types = {str(w.id): w.name for w in WorkType.select().where(WorkType.school_id == assignment.school_id)}
    audit("journal.read", "history", assignment.id)
    return render_template("gradebook/history.html", assignment=assignment, changes=changes, names=names,
                           users=users, lessons=lessons, title=queries.assignment_title(assignment),
                           labels=change_labels(), work_types=work_types)


def change_labels() -> dict[tuple[str, str], str]:
    """What a line of the journal's history changed, in words: (kind, field) → label."""
    return {
        ("mark", "value"): _("Отметка"),
        ("mark", "comment"): _("Комментарий к отметке"),
        ("attendance", "code"): _("Посещаемость"),
        ("lesson", "topic"): _("Тема урока"),
        ("lesson", "homework"): _("Домашнее задание"),
        ("lesson", "work_type"): _("Вид работы урока"),
        ("lesson", "created"): _("Урок добавлен"),
        ("lesson", "deleted"): _("Урок удалён"),
        ("lesson", "date"): _("Дата урока"),
        ("lesson", "number"): _("Номер урока"),
        ("lesson", "starts_at"): _("Начало урока"),
        ("lesson", "ends_at"): _("Окончание урока"),
        ("lesson", "room"): _("Кабинет"),
        ("grade", "value"): _("Итоговая отметка"),
        ("year", "closed_at"): _("Учебный год закрыт"),
    }


def _users(ids):
    from core.api import User

    wanted = [i for i in set(ids) if i]
    return list(User.select().where(User.id.in_(wanted))) if wanted else []
