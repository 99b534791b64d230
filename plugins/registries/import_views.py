"""The school admin's import (two steps: check, then confirm) and export of the registers, and the templates.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for

from core.api import _, audit, current_actor, region_today, require, roles_required, settings
from plugins.registries import exporter
from plugins.registries import models as m
from plugins.registries.importer import Importer
from plugins.registries.tabular import FileError, read_file
from plugins.registries.views import ADMIN, bp, my_school, send_bytes

KINDS = ("students", "parents", "links")


# --- import and export -----------------------------------------------------------


@bp.route("/import", methods=["GET", "POST"])
@roles_required(*ADMIN)
def import_page():
    actor = current_actor()
    require(actor, "registry.read", None)
    school = my_school()
    report, file_error = None, None
    if request.method == "POST":
        require(actor, "registry.write", school, object_type="school", object_id=school.id)
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            file_error = _("Выберите файл CSV или XLSX.")
        else:
            limit = settings("registries").get("import_max_rows", 100_000)
            try:
                sheets = read_file(upload.filename, upload.stream, max_rows=limit)
                report = Importer(school, valid_only=request.form.get("valid_only") == "1", recorded_by=actor.id,
                                  max_rows=limit).run(sheets)
            except FileError as exc:
                file_error = str(exc)
            else:
                file_error = report.file_error or None
        return import_answer(school, report, file_error)
    return render_template("registries/import.html", report=None, file_error=None, kinds=KINDS, school=school)


def import_answer(school: m.School, report: Any, file_error: str | None):
    status = 422 if file_error or (report and not report.applied) else 200
    return render_template("registries/import.html", report=report, file_error=file_error, kinds=KINDS,
                           school=school), status


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
