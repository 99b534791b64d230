"""The family's pages: progress, the «что если» calculator, the diary, the report card, homework files,
and the installable app (manifest and service worker) under /progress.

Family pages list children through the registries service's ``visible_students(actor, "progress.read")``
and open one through its ``student_or_deny``; every page that shows a child's data
writes an audit record.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from flask import abort, current_app, render_template, request, url_for

from core.api import (
    _,
    audit,
    current_actor,
    format_average,
    last_audited,
    login_required,
    ngettext,
    public,
    settings,
    utcnow,
)
from plugins.gradebook import charts, journal, marks_html, queries
from plugins.gradebook.models import Lesson, Period, TeachingAssignment, WorkType
from plugins.gradebook.rules import GradeRule
from plugins.gradebook.views import bp, int_arg, reg, send_attachment, today


@bp.app_context_processor
def _family_app():
    """What the family pages' head needs for the installable app: when the page was rendered."""
    return {"rendered_at": utcnow()}


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



# --- the family's progress service ------------------------------------------------


def _student(student_id: int):
    return reg().student_or_deny(current_actor(), "progress.read", student_id)


def _period_for(student, years=None) -> Period:
    """The period asked for (only one of the student's years), else the current one."""
    period = queries.student_period(student, int_arg("period"), today(), years)
    if period is None:
        abort(404)
    return period


@bp.route("/progress")
@login_required
def progress_index():
    children = reg().visible_students(current_actor(), "progress.read", limit=500)
    audit("progress.list", "student", "", details={"shown": [c.id for c in children]})
    return render_template("gradebook/progress_index.html", children=children)


@bp.route("/progress/<int:student_id>")
@login_required
def progress(student_id: int):
    student, children = _student_and_children(student_id)
    years = queries.years_of_student(student)  # once, for the chooser and the asked period
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
                           fresh=queries.fresh_marks(data.subjects, seen), children=children,
                           mark_rows=marks_html.mark_rows)


def _student_and_children(student_id: int, limit: int = 20) -> tuple[Any, list[tuple[int, str]]]:
    """The student asked for and the children the actor may open, for the one-tap switcher.

    Both come through the same scope, so a family's child is found among the children (one query);
    anyone else is looked up as :func:`_student` does (a 403 or 404 audited).
    """
    rows = reg().visible_students(current_actor(), "progress.read", limit=limit)
    student = next((s for s in rows if s.id == student_id), None) or _student(student_id)
    return student, [(s.id, f"{s.first_name} {s.last_name}".strip()) for s in rows]


CALCULATOR_ROWS = 5


@bp.route("/progress/<int:student_id>/calculator")
@login_required
def calculator(student_id: int):
    """«Что если»: the subject's average and the school's rule with marks the student hopes to get."""
    student = _student(student_id)
    period = _period_for(student)
    data = queries.progress_for(student, period, today=today(), homework_days=0)
    subjects = [s for s in data.subjects if s.scale == "five"]
    wanted = int_arg("subject")
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
    grade, average = result.suggested, format_average(result.average)
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
    year = queries.student_year(student, int_arg("year"), today(), years)
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
    return send_attachment(lesson)
