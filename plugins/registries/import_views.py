"""The school admin's import (two steps: check, then confirm) and export of the registers, and the templates.
"""

from __future__ import annotations

import io
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for

from core.api import (
    JobContext,
    JobError,
    JobResult,
    _,
    audit,
    current_actor,
    follow_job,
    region_today,
    require,
    roles_required,
    settings,
    start_job,
)
from plugins.registries import exporter
from plugins.registries import models as m
from plugins.registries.importer import Importer, ImportReport
from plugins.registries.tabular import FileError, read_file
from plugins.registries.views import ADMIN, bp, labels, my_school, send_bytes

KINDS = ("students", "parents", "links")


# --- import and export -----------------------------------------------------------


@bp.route("/import", methods=["GET", "POST"])
@roles_required(*ADMIN)
def import_page():
    """The form; a file sent to it is checked and written by a job (``registries.import``) whose result is the
    report (all or nothing, with the errors per row, or the changes to confirm)."""
    actor = current_actor()
    require(actor, "registry.read", None)
    school = my_school()
    if request.method == "POST":
        require(actor, "registry.write", school, object_type="school", object_id=school.id)
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            return import_answer(school, None, _("Выберите файл CSV или XLSX."))
        job = start_job("registries.import", {"filename": upload.filename, "school_id": school.id,
                                              "valid_only": request.form.get("valid_only") == "1"},
                        payload=upload.read())
        return follow_job(job)
    return render_template("registries/import.html", report=None, file_error=None, kinds=KINDS, school=school)


def run_import(ctx: JobContext) -> JobResult:
    """The ``registries.import`` job: read the file, check every row, stage and apply (or stop for confirmation).

    The importer's rules hold as in the page: nothing is written when a row is wrong (unless «только верные
    строки»), identity changes and new classes wait for the admin. The result is the report, as JSON.
    """
    actor = ctx.actor
    school = my_school()
    if school.id != ctx.params["school_id"]:
        raise JobError(_("Вы больше не администратор этой школы: загрузка не выполнена."))
    require(actor, "registry.write", school, object_type="school", object_id=school.id)
    limit = settings("registries").get("import_max_rows", 100_000)
    ctx.progress(0, 0, _("Чтение файла"))
    try:
        sheets = read_file(ctx.params["filename"], io.BytesIO(ctx.payload or b""), max_rows=limit)
        # the rows are streamed, never all in memory: a CSV's total is its line count, a workbook's is unknown
        data = ctx.payload or b""
        total = max(data.count(b"\n") - 1, 0) if ctx.params["filename"].lower().endswith(".csv") else 0
        seen = [0]

        def checked(count: int) -> None:
            seen[0] += count
            if total:
                ctx.progress(min(seen[0], total), total, _("Проверка строк"))
            else:
                ctx.progress(seen[0], 0, _("Проверено строк: %(n)s", n=seen[0]))

        report = Importer(school, valid_only=bool(ctx.params.get("valid_only")), recorded_by=actor.id,
                          max_rows=limit, progress=checked).run(sheets)
    except FileError as exc:
        report = ImportReport(file_error=str(exc))
    return JobResult(report.to_json().encode("utf-8"), "import-report.json", "application/json")


def show_import(params: dict[str, Any], data: bytes):
    """The import job's result: the report page, as the form answered it before (422 when nothing was written)."""
    report = ImportReport.from_json(data.decode("utf-8"))
    return import_answer(my_school(), report, report.file_error or None)


def import_answer(school: m.School, report: Any, file_error: str | None):
    status = 422 if file_error or (report and not report.applied) else 200
    # labels() by hand: the job's result is answered by the core's blueprint, not by the registries'
    return render_template("registries/import.html", report=report, file_error=file_error, kinds=KINDS,
                           school=school, **labels()), status


@bp.route("/import/<int:batch_id>", methods=["POST"])
@roles_required(*ADMIN)
def import_confirm(batch_id: int):
    """The explicit second step: the admin has seen the identity changes and new classes, and confirms (or not)."""
    actor = current_actor()
    school = my_school()
    require(actor, "registry.write", school, object_type="school", object_id=school.id)
    if batch_id >= 2**63:
        abort(404)
    if request.form.get("action") != "confirm":
        Importer.cancel(school, batch_id, actor.id)
        flash(_("Загрузка отменена: ничего не записано."), "success")
        return redirect(url_for("registries.import_page"))
    report = Importer.confirm(school, batch_id, actor.id)
    return import_answer(school, report, report.file_error or None)


@bp.route("/template/<any(students, parents, links, all):kind>.<any(csv, xlsx):fmt>")
@roles_required(*ADMIN)
def template(kind: str, fmt: str):
    if kind == "all" and fmt == "csv":
        abort(404)
    return send_bytes(exporter.template(kind, fmt), f"shablon-{kind}.{fmt}", fmt)


@bp.route("/export/<any(students, parents, links, all):kind>.<any(csv, xlsx):fmt>")
@roles_required(*ADMIN)
def export(kind: str, fmt: str):
    actor = current_actor()
    school = my_school()
    require(actor, "registry.read", school, object_type="school", object_id=school.id)
    if kind == "all" and fmt == "csv":
        abort(404)
    data = exporter.export(school.id, kind, fmt)
    audit("registry.export", "school", school.id, details={"kind": kind, "format": fmt})
    return send_bytes(data, f"{school.code}-{kind}-{region_today().isoformat()}.{fmt}", fmt)
