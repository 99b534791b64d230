"""The managers' reports: timeliness of the journal, the journals' archive, attainment.

Deputies and school admins see their own school; the municipality and the operator see their schools'
totals and open one school with ``?school=``. Each report checks its ``*.read`` / ``*.aggregate`` /
``journal.archive`` action and is audited.
"""

from __future__ import annotations

import datetime as dt

from flask import abort, render_template, request, send_file

from core.api import (
    JobContext,
    JobError,
    JobResult,
    _,
    audit,
    current_actor,
    follow_job,
    require,
    roles_required,
    start_job,
)
from plugins.gradebook import archive, attainment, queries, timeliness
from plugins.gradebook.models import AcademicYear, Period
from plugins.gradebook.views import bp, int_arg, reg, today

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
    return reg().school(staff.school_id)


def _overseen_schools(action: str):
    """For the municipality's reports: the school asked with ``?school=`` (None for all) and the school ids.

    The policy checks the whole report and, when a school is asked, that the actor oversees it.
    """
    actor = current_actor()
    require(actor, action, None)
    school_id = request.args.get("school", type=int)
    if school_id is not None:
        school = reg().school(school_id)
        if school is None:
            abort(404)
        require(actor, action, school, object_type="school", object_id=school.id)
        return school, [school.id]
    if actor.role == "operator":
        return None, reg().all_school_ids()
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
    wanted = int_arg("year")
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


def _archive_class(school, year, class_id: int):
    return next((c for c in archive.classes_of_year(school.id, year) if c.id == class_id), None) if year else None


@bp.route("/journal/archive/class/<int:class_id>")
@roles_required("deputy", "school_admin")
def journal_archive_class(class_id: int):
    """A class's journal of a year as XLSX: a job (``gradebook.journal_archive``) whose page offers the file."""
    school = _school_of_manager()
    require(current_actor(), "journal.archive", school, object_type="school", object_id=school.id)
    year = _archive_year(queries.years_of_school(school.id))
    if _archive_class(school, year, class_id) is None:
        abort(404)
    return follow_job(start_job("gradebook.journal_archive", {"class_id": class_id, "year_id": year.id}))


def run_journal_archive(ctx: JobContext) -> JobResult:
    """The ``gradebook.journal_archive`` job: the workbook, one sheet per subject, with progress per sheet."""
    school = _school_of_manager()
    require(ctx.actor, "journal.archive", school, object_type="school", object_id=school.id)
    year = next((y for y in queries.years_of_school(school.id) if y.id == ctx.params["year_id"]), None)
    school_class = _archive_class(school, year, ctx.params["class_id"])
    if school_class is None:
        raise JobError(_("Этого класса больше нет в архиве выбранного учебного года."))
    stage = _("Сборка листов журнала")
    data, student_ids = archive.class_journal_xlsx(school_class, year,
                                                   progress=lambda done, total: ctx.progress(done, total, stage))
    audit("journal.archive", "school_class", school_class.id, details={"year": year.id, "students": student_ids})
    return JobResult(data, f"journal-{school.code}-{year.start_year}-{school_class.grade}{school_class.letter}.xlsx",
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


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
