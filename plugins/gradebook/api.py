"""The JSON API ``/api/v1`` for mobile apps and integrations (issue 6, item 8).

Same policy and audit as the pages: lists come from the registries service's
``visible_students(actor, "progress.read")``, one student is opened through its
``student_or_deny`` (404 unknown, 403 out of scope), and every read of a child's
data writes ``progress.read`` with ``{"via": "api"}``. The core authenticates
``Authorization: Bearer esk_…`` (or the session cookie) and answers an
anonymous call with JSON 401; bad query parameters give 422 with Russian
messages per field. The OpenAPI document is built from ``api_schemas.py``;
answers are dumped by functions compiled once from the same schemas
(``schema_dump.py``), which give what ``Schema.dump`` gives at a fraction of its cost.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from flask import Blueprint, abort, current_app, jsonify, request
from marshmallow import Schema, ValidationError
from werkzeug.exceptions import UnprocessableEntity

from core.api import audit, current_actor, login_required, public, region_today, service
from plugins.gradebook import api_schemas as s
from plugins.gradebook import queries
from plugins.gradebook.models import AcademicYear, Period
from plugins.gradebook.schema_dump import Dump, compiled_dump

bp = Blueprint("gradebook_api", __name__, url_prefix="/api/v1")

MAX_CHILDREN = 1000
MAX_ID = 2**31 - 1


def reg() -> Any:
    return service("registries")


def today() -> dt.date:
    return region_today()


@functools.cache
def _instance(schema: type[Schema]) -> Schema:
    """One instance per schema class, reused: building one (and its nested ones) costs more than a dump."""
    return schema()


def load_query(schema: type[Schema]) -> dict[str, Any]:
    """The query string validated by ``schema``; 422 with field messages otherwise."""
    try:
        return _instance(schema).load(request.args.to_dict())
    except ValidationError as error:
        refusal = UnprocessableEntity()
        refusal.data = {"errors": s.messages_of(error)}
        raise refusal from None


@functools.cache
def dumper(schema: type[Schema]) -> Dump:
    """``schema``'s dump built into a plain function once (``schema_dump.py``): per field a read and a conversion."""
    return compiled_dump(_instance(schema))


def answer(schema: type[Schema], data: Any):
    return jsonify(dumper(schema)(data))


def student_or_deny(student_id: int) -> Any:
    """The student through the actor's ``progress.read`` scope (403/404 otherwise, both audited)."""
    if student_id > MAX_ID:  # beyond a 32-bit key PostgreSQL would refuse the query itself
        abort(404)
    return reg().student_or_deny(current_actor(), "progress.read", student_id)


def read(student: Any, resource: str, **details: Any) -> None:
    audit("progress.read", "student", student.id, details={"via": "api", "resource": resource, **details})


def visible_students(limit: int | None = None) -> list[Any]:
    return reg().visible_students(current_actor(), "progress.read", limit=limit)


@bp.route("/openapi.json")
@public
def openapi_document():
    from plugins.gradebook.openapi import document

    cached = current_app.extensions.setdefault("gradebook_openapi", {})
    if "doc" not in cached:
        cached["doc"] = document(current_app)
    return jsonify(cached["doc"])


@bp.route("/me")
@login_required
def me():
    actor = current_actor()
    person = reg().person_of(actor.user)
    if actor.role in ("parent", "student"):
        schools = sorted({student.school_id for student in visible_students()})
    else:
        schools = reg().school_ids_of(actor.user)
    return answer(s.MeSchema, {
        "id": actor.id, "display_name": actor.display_name, "role": actor.role,
        "auth": "token" if actor.api_token is not None else "session",
        "person_id": person.id if person is not None else None, "school_ids": schools,
    })


@bp.route("/children")
@login_required
def children():
    rows = visible_students(limit=MAX_CHILDREN)
    audit("progress.list", "student", "", details={"via": "api", "shown": [r.id for r in rows]})
    students = [{"id": r.id, "full_name": r.full_name, "school_id": r.school_id, "school": r.school_short_name,
                 "class_name": r.class_name} for r in rows]
    return answer(s.ChildrenSchema, {"students": students})


@bp.route("/students/<int:student_id>/periods")
@login_required
def periods(student_id: int):
    student = student_or_deny(student_id)
    years = [{**_year_dict(year), "periods": periods} for year, periods in queries.periods_for_student(student)]
    current = queries.student_period(student, None, today())
    read(student, "periods")
    return answer(s.StudentYearsSchema, {"student_id": student.id, "years": years,
                                         "current_period_id": current.id if current else None})


def _year_dict(year: AcademicYear) -> dict[str, Any]:
    return {key: getattr(year, key) for key in s.AcademicYearSchema._declared_fields}


def _period_of(student: Any, period_id: int | None) -> Period:
    period = queries.student_period(student, period_id, today())
    if period is None:
        abort(404)
    return period


@bp.route("/students/<int:student_id>/progress")
@login_required
def progress(student_id: int):
    student = student_or_deny(student_id)
    args = load_query(s.ProgressQuery)
    period = _period_of(student, args.get("period"))
    data = queries.progress_for(student, period, today=today())
    read(student, "progress", period=period.id)
    return answer(s.ApiProgressSchema, data)


@bp.route("/students/<int:student_id>/diary")
@login_required
def diary(student_id: int):
    student = student_or_deny(student_id)
    args = load_query(s.DiaryQuery)
    day = args.get("week") or today()
    monday = day - dt.timedelta(days=day.weekday())
    days = queries.diary_week(student, monday)
    read(student, "diary", week=monday.isoformat())
    return answer(s.DiaryWeekSchema, {"student_id": student.id, "week": monday, "days": days})


@bp.route("/students/<int:student_id>/report-card")
@login_required
def report_card(student_id: int):
    student = student_or_deny(student_id)
    args = load_query(s.ReportCardQuery)
    year = queries.student_year(student, args.get("year"), today())
    if year is None:
        abort(404)
    periods_, rows = queries.report_card(student, year)
    read(student, "report_card", year=year.id)
    rows = [{"subject": r.subject, "year_grade": r.year_grade, "grades": {str(k): v for k, v in r.grades.items()}}
            for r in rows]
    return answer(s.ReportCardSchema, {"student_id": student.id, "year": year, "periods": periods_, "rows": rows})


@bp.route("/marks/changes")
@login_required
def mark_changes():
    """Marks and period grades entered or changed after ``since`` (keyed on entry time), for notifications."""
    args = load_query(s.MarkChangesQuery)
    if "student" in args:
        ids = [student_or_deny(args["student"]).id]
    else:
        ids = [student.id for student in visible_students()]
    limit = args["limit"]
    found = queries.marks_changed_since(ids, args["since"], limit=limit + 1)
    has_more = len(found) > limit
    changes = _whole_moments(found, limit) if has_more else found
    for student_id in sorted({c.student_id for c in changes}):
        audit("progress.read", "student", student_id, details={"via": "api", "resource": "marks.changes"})
    return answer(s.MarkChangesSchema, {"changes": changes, "has_more": has_more,
                                        "next_since": changes[-1].changed_at if changes else args["since"]})


def _whole_moments(found: list, limit: int) -> list:
    """Cut a page at ``limit`` without splitting changes of one moment, so ``next_since`` loses nothing."""
    page = found[:limit]
    boundary = found[limit].changed_at
    whole = [c for c in page if c.changed_at != boundary]
    return whole or page
