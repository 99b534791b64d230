"""Pages of the gradebook: the family's progress service, the teacher's journal, reports, school settings.

Family pages list children through ``scope(actor, "progress.read", Student)``
and open one through ``get_or_deny``; every page that shows a child's data
writes an audit record. Journal pages check ``journal.read``/``journal.write``
on the teaching assignment.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import uuid
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import format_date, format_datetime, format_decimal
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
    get_or_deny,
    last_audited,
    login_required,
    ngettext,
    prepared,
    public,
    region_today,
    require,
    roles_required,
    scope,
    service,
    settings,
    utcnow,
)
from plugins.gradebook import archive, attainment, charts, journal, queries, timeliness
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
from plugins.gradebook.rules import GradeRule
from plugins.gradebook.schemas import LessonForm

bp = Blueprint("gradebook", __name__, template_folder="templates")

CELL_NAME = re.compile(r"^c-(\d+)-(\d+)$")
STAFF_ROLES = ("teacher", "deputy", "school_admin")
TOPIC_MAX, HOMEWORK_MAX = 500, 5000  # characters a lesson's topic and homework may hold


def reg():
    return service("registries")


@bp.app_template_filter("ru_number")
def ru_number(value, digits: int = 2) -> str:
    """A number as the region's language writes it («3,82»); «—» for none."""
    if value is None or value == "":
        return "—"
    return format_decimal(value, format="#,##0." + "#" * digits) if digits else format_decimal(value)


@bp.app_context_processor
def _family_app():
    """What the family pages' head needs for the installable app: who is reading, and when it was rendered."""
    actor = current_actor()
    user = ""
    if actor.is_authenticated:  # a per-user marker (not the id itself) so the cache is dropped on a change
        secret = current_app.config["SECRET_KEY"]
        user = hashlib.sha256(f"{secret}:{actor.id}".encode()).hexdigest()[:16]
    return {"app_user": user, "rendered_at": utcnow()}


@bp.route("/progress/manifest.webmanifest")
@public
def manifest():
    """The web app manifest of the family pages (scope /progress)."""
    icons = [{"src": url_for("gradebook.static", filename=f"icon-{n}.png"), "sizes": f"{n}x{n}",
              "type": "image/png", "purpose": "any"} for n in (192, 512)]
    body = {"name": _("Электронная школа: успеваемость"), "short_name": _("Дневник"), "lang": "ru",
            "start_url": url_for("gradebook.progress_index"), "scope": "/progress", "display": "standalone",
            "background_color": "#ffffff", "theme_color": "#0d4cd3", "icons": icons}
    response = current_app.response_class(json.dumps(body, ensure_ascii=False),
                                          mimetype="application/manifest+json")
    return response


@bp.route("/progress/sw.js")
@public
def service_worker():
    """The service worker, served under /progress so that it may control the family pages."""
    text = (Path(__file__).parent / "static" / "sw.js").read_text(encoding="utf-8")
    text = text.replace("self.OFFLINE_TEXT", json.dumps(
        _("Нет связи, а эта страница ещё не сохранена на устройстве."), ensure_ascii=False))
    response = current_app.response_class(text, mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/progress"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.app_template_filter("ru_average")
def ru_average(value) -> str:
    """A weighted average with its two places, as Russians write it («3,80»); «—» for none."""
    return "—" if value is None else format_decimal(value, format="#,##0.00")


@bp.app_template_filter("ru_moment")
def ru_moment(value, pattern: str = "d MMMM, HH:mm") -> str:
    """A stored (naive UTC) moment in the region's time zone, as Russians write it («25 ноября, 10:00»)."""
    return format_datetime(value, pattern) if value else ""


@bp.app_template_filter("ru_day")
def ru_day(value, pattern: str = "d MMMM") -> str:
    """A date as the region's language writes it («2 декабря»; ``"EEE, d MMM"``: «ср, 2 дек.»)."""
    return format_date(value, pattern) if value else ""


def today() -> dt.date:
    return region_today()


def _int_arg(name: str) -> int | None:
    return request.args.get(name, type=int)


# --- the family's progress service ------------------------------------------------


def _student(student_id: int):
    return get_or_deny(current_actor(), "progress.read", reg().Student, student_id)


def _period_for(student, years=None) -> Period:
    """The period asked for (only one of the student's years), else the current one."""
    period = queries.student_period(student, _int_arg("period"), today(), years)
    if period is None:
        abort(404)
    return period


@bp.route("/progress")
@login_required
def progress_index():
    Student = reg().Student
    children = list(Student.select().where(scope(current_actor(), "progress.read", Student))
                    .order_by(Student.last_name, Student.first_name).limit(500))
    audit("progress.list", "student", "", details={"shown": [c.id for c in children]})
    return render_template("gradebook/progress_index.html", children=children)


@bp.route("/progress/<int:student_id>")
@login_required
def progress(student_id: int):
    student = _student(student_id)
    years = queries.years_of_student(student)  # one query for the chooser and the asked period
    period = _period_for(student, years)
    seen = last_audited(current_actor().id, "progress.read", "student", student.id)  # the previous visit
    data = queries.progress_for(student, period, today=today(),
                                homework_days=settings("gradebook")["homework_days_ahead"])
    trends = {s.subject_id: charts.trend_svg(queries.trend_points(s.marks), _("Динамика среднего балла: %(s)s",
                                                                                s=s.subject), data.rule)
              for s in data.subjects}
    news = queries.whats_new(data, seen)
    audit("progress.read", "student", student.id, details={"page": "progress", "period": period.id})
    return render_template("gradebook/progress.html", student=student, data=data, trends=trends,
                           years=queries.periods_for_student(student, years), seen=seen, news=news,
                           fresh=queries.fresh_marks(data.subjects, seen), children=_children_brief())


def _children_brief(limit: int = 20) -> list[tuple[int, str]]:
    """The children the actor may open, for the one-tap switcher (one query, ids and names only)."""
    Student = reg().Student
    rows = (Student.select(Student.id, Student.last_name, Student.first_name)
            .where(scope(current_actor(), "progress.read", Student))
            .order_by(Student.last_name, Student.first_name).limit(limit).tuples())
    return [(i, f"{first} {last}".strip()) for i, last, first in rows]


CALCULATOR_ROWS = 5


@bp.route("/progress/<int:student_id>/calculator")
@login_required
def calculator(student_id: int):
    """«Что если»: the subject's average and the school's rule with marks the student hopes to get."""
    student = _student(student_id)
    period = _period_for(student)
    data = queries.progress_for(student, period, today=today(), homework_days=0)
    subjects = [s for s in data.subjects if s.scale == "five"]
    wanted = _int_arg("subject")
    entry = next((s for s in subjects if s.subject_id == wanted), subjects[0] if subjects else None)
    school_id = period.year.school_id  # an earlier school's period is weighed by that school's rules
    work_types = list(WorkType.select().where(WorkType.school_id == school_id).order_by(WorkType.id))
    types = {w.id: w for w in work_types}
    default_type = journal.default_work_type(school_id)
    rows, extra, errors = [], [], {}
    values, kinds = request.args.getlist("value"), request.args.getlist("work_type", type=int)
    for index in range(CALCULATOR_ROWS):
        value = values[index] if index < len(values) else ""
        kind = kinds[index] if index < len(kinds) else default_type.id
        rows.append((value, kind))
        if not value:
            continue
        if value not in ("2", "3", "4", "5"):
            errors[f"value-{index}"] = _("Отметка — от 2 до 5.")
        elif kind not in types:
            errors[f"work_type-{index}"] = _("Выберите вид работы из списка.")
        else:
            extra.append((value, types[kind].weight))
    rule = GradeRule.of(journal.local_act_for(school_id))
    now = queries.what_if(entry, [], rule, default_type.weight) if entry else None
    then = queries.what_if(entry, extra, rule, default_type.weight) if entry and extra and not errors else None
    sentence = calculator_sentence(then or now, bool(then)) if now else ""
    audit("progress.read", "student", student.id,
          details={"page": "calculator", "period": period.id, "subject": entry.subject_id if entry else None})
    return render_template("gradebook/calculator.html", student=student, period=period, subjects=subjects,
                           entry=entry, rows=rows, work_types=work_types, errors=errors, now=now, then=then,
                           rule=rule, default_type=default_type, sentence=sentence), (422 if errors else 200)


def calculator_sentence(result: queries.WhatIf, hoped: bool) -> str:
    """The calculator's answer in one sentence: what comes out and how many 5s (or 4s) the next grade takes."""
    grade, average = result.suggested, ru_average(result.average)
    if grade == "5":
        if hoped:
            return _("С этими отметками выйдет «5» (средний балл %(avg)s).", avg=average)
        return _("Сейчас выходит «5» (средний балл %(avg)s).", avg=average)
    target = "5" if grade == "4" else "4"
    count = result.needed[target]
    if count is None:
        need = _("до «%(t)s» не дотянуть даже 30 отметками «%(t)s»", t=target)
    elif target == "5":
        need = ngettext("нужна ещё %(num)d пятёрка, чтобы вышла «%(grade)s»",
                        "нужно ещё %(num)d пятёрок, чтобы вышла «%(grade)s»", count, grade=target)
    else:
        need = ngettext("нужна ещё %(num)d четвёрка, чтобы вышла «%(grade)s»",
                        "нужно ещё %(num)d четвёрок, чтобы вышла «%(grade)s»", count, grade=target)
    if grade not in ("2", "3", "4"):  # «н/а»: too few marks for a period grade yet
        return _("Пока мало отметок для отметки за период: %(need)s.", need=need)
    if hoped:
        return _("С этими отметками выйдет «%(g)s» (средний балл %(avg)s): %(need)s.", g=grade, avg=average, need=need)
    return _("Сейчас выходит «%(g)s» (средний балл %(avg)s): %(need)s.", g=grade, avg=average, need=need)


@bp.route("/progress/<int:student_id>/diary")
@login_required
def diary(student_id: int):
    student = _student(student_id)
    try:
        day = dt.date.fromisoformat(request.args.get("week", "")) if request.args.get("week") else today()
    except ValueError:
        abort(404)
    monday = day - dt.timedelta(days=day.weekday())
    days = queries.diary_week(student, monday)
    audit("progress.read", "student", student.id, details={"page": "diary", "week": monday.isoformat()})
    return render_template("gradebook/diary.html", student=student, days=days, monday=monday,
                           prev_week=monday - dt.timedelta(days=7), next_week=monday + dt.timedelta(days=7))


@bp.route("/progress/<int:student_id>/report-card")
@login_required
def report_card(student_id: int):
    student = _student(student_id)
    years = queries.years_of_student(student)
    year = queries.student_year(student, _int_arg("year"), today(), years)
    if year is None:
        abort(404)
    periods, rows = queries.report_card(student, year)
    audit("progress.read", "student", student.id, details={"page": "report_card", "year": year.id})
    return render_template("gradebook/report_card.html", student=student, year=year, years=years,
                           periods=periods, rows=rows)


@bp.route("/progress/<int:student_id>/homework/<int:lesson_id>")
@login_required
def homework_file(student_id: int, lesson_id: int):
    student = _student(student_id)
    lesson = Lesson.get_or_none(Lesson.id == lesson_id)
    if lesson is None or not lesson.homework_file:
        abort(404)
    year = lesson.assignment.year
    mine = queries.student_assignments(student, year).where(TeachingAssignment.id == lesson.assignment_id).exists()
    if not mine:
        abort(404)
    audit("progress.read", "student", student.id, details={"page": "homework_file", "lesson": lesson.id})
    return _send_attachment(lesson)


def _attachment_dir() -> Path:
    return Path(current_app.instance_path) / "gradebook" / "homework"


def _send_attachment(lesson: Lesson):
    path = _attachment_dir() / lesson.homework_file
    if not path.is_file():
        abort(404)
    return send_file(path, as_attachment=True, download_name=lesson.homework_file_name or path.name)


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
    return render_template("gradebook/journal_index.html", assignments=assignments, names=names, teachers=teachers)


def _journal_period(assignment: TeachingAssignment, periods: list[Period]) -> Period:
    """The period asked for among the year's ``periods``, else the current one; 404 if not one of them."""
    wanted = _int_arg("period")
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
        grid = queries.journal_grid(assignment, period)
        errors, submitted, changed = _save_cells(assignment, grid)
        if not errors:
            audit("journal.write", "assignment", assignment.id, details={"period": period.id, "cells": changed})
            flash(_("Журнал сохранён. Изменено ячеек: %(n)s.", n=changed), "success")
            return redirect(url_for(".journal_grid", assignment_id=assignment.id, period=period.id))
        flash(_("Журнал не сохранён: исправьте отмеченные ячейки."), "error")
    grid = queries.journal_grid(assignment, period)
    audit("journal.read", "assignment", assignment.id, details={"period": period.id})
    days = {lesson.id: lesson.date.strftime("%d.%m") for lesson in grid.lessons}  # once per column, not per cell
    return render_template("gradebook/journal_grid.html", grid=grid, assignment=assignment, period=period, days=days,
                           cells=_grid_cells(grid, days, errors, submitted, writable),
                           periods=periods, writable=writable, errors=errors,
                           can_schedule=can(actor, "lesson.schedule", assignment),
                           submitted=submitted, title=queries.assignment_title(assignment),
                           year_closed=assignment.year.is_closed), (422 if errors else 200)


CELL_HTML = ('<td class="{css}"><input id="{name}" name="{name}" value="{text}" size="4" maxlength="12" '
             'autocomplete="off" aria-label="{label}"{invalid}{readonly}>{others}</td>')


def _grid_cells(grid: queries.JournalGrid, days: dict[int, str], errors: dict, submitted: dict,
                writable: bool) -> list[Markup]:
    """Per row, its journal cells as HTML (an input per lesson), for the template to place as they are.

    A quarter has about a thousand cells; written by the template each would escape five values through
    Jinja. Here the input names, classes and dates are ours and safe, and only what people typed (the
    cell text, other marks, the student's name in the label) is escaped.
    """
    readonly = "" if writable else " readonly"
    rows = []
    for row in grid.rows:
        student_id, who = row.student.id, escape(row.student.last_name)
        line = []
        for lesson in grid.lessons:
            name = f"c-{lesson.id}-{student_id}"
            cell = row.cells[lesson.id]
            invalid = name in errors
            others = " ".join(cell.others)
            line.append(CELL_HTML.format(
                css=("late" if cell.late else "") + (" invalid" if invalid else ""), name=name,
                text=escape(submitted.get(name, cell.text) or ""), label=f"{who}, {days[lesson.id]}",
                invalid=' aria-invalid="true"' if invalid else "", readonly=readonly,
                others=f'<span class="others">{escape(others)}</span>' if others else ""))
        rows.append(Markup("".join(line)))
    return rows


def _save_cells(assignment: TeachingAssignment, grid: queries.JournalGrid) -> tuple[dict, dict, int]:
    """Validate every submitted cell first; save all changed ones in one transaction only if all are valid."""
    lessons = {lesson.id: lesson for lesson in grid.lessons}
    students = {row.student.id: row for row in grid.rows}
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
            parsed[(lesson_id, student_id)] = journal.parse_cell(text, assignment.scale, grid.codes)
        except journal.CellError as exc:
            student = students[student_id].student
            errors[name] = _("%(student)s, %(date)s: %(message)s", student=student.full_name,
                             date=lessons[lesson_id].date.strftime("%d.%m"), message=str(exc))
    if errors:
        return errors, submitted, 0
    by = current_actor().id
    changed = 0
    for lesson in lessons.values():
        lesson.assignment = assignment  # the one already loaded and checked, not one query per lesson
    with database.atomic():
        for (lesson_id, student_id), value in parsed.items():
            cell = students[student_id].cells[lesson_id]
            if value.mark != cell.mark:
                journal.set_mark(lessons[lesson_id], student_id, value.mark, by)
            if value.code != cell.code:
                journal.set_attendance(lessons[lesson_id], student_id, value.code, by)
            changed += int(value.mark != cell.mark or value.code != cell.code)
    return {}, {}, changed


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
    folder = _attachment_dir()
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
    return _send_attachment(lesson)


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
    Student = reg().Student
    names = {s.id: s.full_name for s in Student.select().where(
        Student.id.in_([c.student_id for c in changes if c.student_id] or [0]))}
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


# --- timeliness reports ---------------------------------------------------------------


def _range() -> tuple[dt.date, dt.date]:
    try:
        end = dt.date.fromisoformat(request.args["to"]) if request.args.get("to") else today()
        start = dt.date.fromisoformat(request.args["from"]) if request.args.get("from") else end - dt.timedelta(
            days=30)
    except ValueError:
        abort(400)
    return start, min(end, today())


def _xlsx(data: bytes, name: str):
    import io

    return send_file(io.BytesIO(data), as_attachment=True, download_name=name,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _school_of_manager():
    """The school of the deputy or school admin asking for a school report."""
    staff = reg().staff_of(current_actor().user)
    if staff is None or staff.school_id is None:
        abort(403)
    return staff.school


def _overseen_schools(action: str):
    """For the municipality's reports: the school asked with ``?school=`` (None for all) and the school ids.

    The policy checks the whole report and, when a school is asked, that the actor oversees it.
    """
    actor = current_actor()
    require(actor, action, None)
    school_id = request.args.get("school", type=int)
    if school_id is not None:
        school = reg().School.get_or_none(reg().School.id == school_id)
        if school is None:
            abort(404)
        require(actor, action, school, object_type="school", object_id=school.id)
        return school, [school.id]
    if actor.role == "operator":
        return None, [s.id for s in reg().School.select(reg().School.id)]
    return None, reg().school_ids_of(actor.user)


def _timeliness_page(school_ids: list[int], school, heading: str, *, drill_down: bool = False):
    """Per teacher × class for one school, or per school when ``school`` is None."""
    start, end = _range()
    titles = list(timeliness.count_titles().items())
    if school is not None:
        rows = timeliness.by_teacher_and_class(school_ids, start, end)
        audit("timeliness.read", "school", school.id, details={"from": start.isoformat(), "to": end.isoformat()})
        columns = [("teacher", _("Учитель")), ("class_name", _("Класс")), ("subjects", _("Предметы"))] + titles
    else:
        rows = timeliness.by_school(school_ids, start, end)
        audit("timeliness.read", "municipality", "", details={"schools": len(school_ids)})
        columns = [("school", _("Школа"))] + titles
    if request.args.get("format") == "xlsx":
        name = f"timeliness-{school.code if school else 'municipality'}.xlsx"
        return _xlsx(timeliness.to_xlsx(rows, columns, _("Своевременность")), name)
    return render_template("gradebook/timeliness.html", rows=rows, columns=columns, start=start, end=end,
                           heading=heading, endpoint=request.endpoint, drill_down=drill_down,
                           school=school if request.endpoint.endswith("municipality") else None)


@bp.route("/timeliness")
@roles_required("deputy", "school_admin")
def timeliness_school():
    school = _school_of_manager()
    require(current_actor(), "timeliness.read", school, object_type="school", object_id=school.id)
    return _timeliness_page([school.id], school,
                            _("Своевременность ведения журнала: %(school)s", school=school.short_name))


@bp.route("/timeliness/municipality")
@roles_required("municipality", "operator")
def timeliness_municipality():
    """Totals per school; ``?school=ID`` opens one of the actor's schools per teacher and class."""
    school, school_ids = _overseen_schools("timeliness.aggregate")
    if school is not None:
        return _timeliness_page(school_ids, school,
                                _("Своевременность ведения журнала: %(school)s", school=school.short_name))
    return _timeliness_page(school_ids, None, _("Своевременность ведения журнала по школам"), drill_down=True)


# --- the journals' archive («архив журналов») -------------------------------------------------


def _archive_year(years: list[AcademicYear]) -> AcademicYear | None:
    """The year asked for among the school's ``years`` (404 if not one of them), else the current one."""
    wanted = _int_arg("year")
    if wanted is None:
        return queries.year_among(years, today())
    year = next((y for y in years if y.id == wanted), None)
    if year is None:
        abort(404)
    return year


@bp.route("/journal/archive")
@roles_required("deputy", "school_admin")
def journal_archive():
    """The classes of a year, each with its journal as one XLSX workbook for the school's archive."""
    school = _school_of_manager()
    require(current_actor(), "journal.archive", school, object_type="school", object_id=school.id)
    years = queries.years_of_school(school.id)
    year = _archive_year(years)
    classes = archive.classes_of_year(school.id, year) if year else []
    return render_template("gradebook/archive.html", school=school, year=year, classes=classes, years=years)


@bp.route("/journal/archive/class/<int:class_id>")
@roles_required("deputy", "school_admin")
def journal_archive_class(class_id: int):
    school = _school_of_manager()
    require(current_actor(), "journal.archive", school, object_type="school", object_id=school.id)
    year = _archive_year(queries.years_of_school(school.id))
    school_class = next((c for c in archive.classes_of_year(school.id, year) if c.id == class_id), None) \
        if year else None
    if school_class is None:
        abort(404)
    data, student_ids = archive.class_journal_xlsx(school_class, year)
    audit("journal.archive", "school_class", school_class.id, details={"year": year.id, "students": student_ids})
    return _xlsx(data, f"journal-{school.code}-{year.start_year}-{school_class.grade}{school_class.letter}.xlsx")


# --- the attainment report («отчёт об успеваемости») -----------------------------------------


def _attainment_choice(school_ids: list[int]) -> tuple[list[int], int | None, list[tuple[str, str]]]:
    """The academic years on offer, the asked period number (None = the year grades) and the period options."""
    start_years = sorted({y.start_year for y in AcademicYear.select(AcademicYear.start_year).where(
        AcademicYear.school_id.in_(school_ids or [0]))}, reverse=True)
    if not start_years:  # no academic year yet: an empty report for the current one, not an error page
        start_years = [today().year if today().month >= 8 else today().year - 1]
    asked = request.args.get("period", "")
    if asked == "year":
        number = None
    elif asked.isdigit():
        number = int(asked)
    else:
        year = queries.year_on(school_ids[0], today()) if len(school_ids) == 1 else None
        current = queries.period_on(year, today()) if year else None
        number = current.number if current else 1
    names = {p.number: p.name for p in Period.select(Period.number, Period.name).join(AcademicYear).where(
        AcademicYear.school_id.in_(school_ids)).order_by(AcademicYear.start_year)}
    # one school: its own names («II четверть»); several may mix quarters and trimesters: by number
    options = [(str(n), names[n] if len(school_ids) == 1 else _("%(n)s-й период", n=n)) for n in sorted(names)]
    options = (options or [("1", _("%(n)s-й период", n=1))]) + [("year", _("Итоги года"))]
    return start_years, number, options


def _attainment_page(school_ids: list[int], *, per_class: bool, heading: str, school=None):
    start_years, number, options = _attainment_choice(school_ids)
    start_year = request.args.get("year", type=int)
    if start_year not in start_years:
        start_year = start_years[0]
    rows = attainment.by_class(attainment.periods_for(school_ids, start_year, number))
    if not per_class:
        rows = attainment.by_school(rows, school_ids)
    first = [("class_name", _("Класс"))] if per_class else [("school", _("Школа"))]
    columns = first + list(attainment.count_titles().items())
    total = attainment.total(rows)
    audit("attainment.read", "school" if school else "municipality", school.id if school else "",
          details={"year": start_year, "period": number or "year", "rows": len(rows)})
    if request.args.get("format") == "xlsx":
        name = f"attainment-{school.code if school else 'municipality'}-{start_year}.xlsx"
        return _xlsx(timeliness.to_xlsx(rows + [total], columns, _("Успеваемость")), name)
    return render_template("gradebook/attainment.html", rows=rows, total=total, columns=columns, heading=heading,
                           start_years=start_years, start_year=start_year, options=options,
                           period=str(number) if number else "year", school=school,
                           drill_down=not per_class, endpoint=request.endpoint)


@bp.route("/attainment")
@roles_required("deputy", "school_admin")
def attainment_school():
    school = _school_of_manager()
    require(current_actor(), "attainment.read", school, object_type="school", object_id=school.id)
    return _attainment_page([school.id], per_class=True, school=school,
                            heading=_("Успеваемость и качество знаний: %(school)s", school=school.short_name))


@bp.route("/attainment/municipality")
@roles_required("municipality", "operator")
def attainment_municipality():
    """Per school; ``?school=ID`` opens one of the actor's schools per class."""
    school, school_ids = _overseen_schools("attainment.aggregate")
    if school is not None:
        return _attainment_page(school_ids, per_class=True, school=school,
                                heading=_("Успеваемость и качество знаний: %(school)s", school=school.short_name))
    return _attainment_page(school_ids, per_class=False, heading=_("Успеваемость и качество знаний по школам"))
