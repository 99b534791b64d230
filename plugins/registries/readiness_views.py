"""Readiness for the service: the school's steps and gaps, per school and class for the municipality and region.
"""

from __future__ import annotations

from flask import abort, render_template, request

from core.api import audit, current_actor, login_required, region_today, require, roles_required
from plugins.registries import models as m
from plugins.registries import readiness_report
from plugins.registries.service import READINESS_STEPS
from plugins.registries.views import ADMIN, bp, my_school, page_of, send_bytes

# --- readiness -------------------------------------------------------------------


@bp.route("/readiness")
@login_required
def readiness():
    """Readiness for the service: the school's steps, or per school for the municipality and region."""
    actor = current_actor()
    require(actor, "registry.readiness", None)
    report = readiness_report.for_actor(actor)
    audit("registry.readiness", "report", report["scope"], details={"schools": len(report["schools"])})
    if request.args.get("format") == "xlsx":
        return send_bytes(readiness_report.to_xlsx(report), f"gotovnost-{region_today().isoformat()}.xlsx",
                          "xlsx")
    return render_template("registries/readiness.html", report=report)


@bp.route("/readiness/school/<int:school_id>")
@login_required
def readiness_school(school_id: int):
    """One school's readiness by class: the municipality's (or region's) first step down from its table."""
    actor = current_actor()
    school = m.School.get_or_none(m.School.id == school_id)
    if school is None:
        abort(404)
    require(actor, "registry.readiness.drill", school, object_type="school", object_id=school_id)
    rows = readiness_report.school_by_class(school)
    audit("registry.readiness.school", "school", school.id, details={"classes": len(rows)})
    return render_template("registries/readiness_school.html", school=school, rows=rows,
                           gap_labels=readiness_report.CHILD_GAPS)


@bp.route("/readiness/class/<int:class_id>")
@login_required
def readiness_class(class_id: int):
    """What one class's children still lack: a parent, their SNILS, a consent, a parent's user account."""
    actor = current_actor()
    klass = m.SchoolClass.get_or_none(m.SchoolClass.id == class_id)
    if klass is None:
        abort(404)
    require(actor, "registry.readiness.drill", klass, object_type="school_class", object_id=class_id)
    rows = readiness_report.class_missing(actor, klass)
    audit("registry.readiness.class", "school_class", klass.id, details={"children": len(rows)})
    return render_template("registries/readiness_class.html", klass=klass, school=klass.school, rows=rows)


def gaps(key: str):
    """Who lacks one readiness step, for the school admin to fix."""
    actor = current_actor()
    require(actor, "registry.readiness.details", None)
    school = my_school()
    rows, page, more = page_of(readiness_report.missing(key, [school.id]), 100)
    audit("registry.readiness.details", "school", school.id, details={"step": key, "count": len(rows)})
    return render_template("registries/gaps.html", key=key, label=dict(READINESS_STEPS)[key], rows=rows,
                           page=page, more=more, is_student=key.startswith(("students", "children")))


for _key, _label in READINESS_STEPS:
    bp.add_url_rule(f"/readiness/{_key}", endpoint=f"gaps_{_key}", view_func=roles_required(*ADMIN)(gaps),
                    defaults={"key": _key})
