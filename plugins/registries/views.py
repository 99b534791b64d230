"""The registries' blueprint and what its pages share: labels, the admin's school, forms, search, files.

The pages are split by who uses them: ``register_views`` (the school admin's registers: students,
parents, consents, accounts, classes), ``import_views`` (the school admin's import and export),
``readiness_views`` (readiness for the school, the municipality and the region), ``family_views``
(a parent's or student's own card) and ``org_views`` (organisations and staff accounts).
``plugin.blueprints`` imports them all.
"""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, abort, request, send_file
from marshmallow import ValidationError

from core.api import audit, current_actor, get_or_deny, require
from plugins.registries import models as m
from plugins.registries.importer import academic_year
from plugins.registries.schemas import CHANNEL_LABELS, GENDER_LABELS, RELATION_LABELS, STATUS_LABELS, errors_in_russian
from plugins.registries.snils import mask
from plugins.registries.tabular import KIND_TITLES

bp = Blueprint("registries", __name__, url_prefix="/registries", template_folder="templates")

ADMIN = ("school_admin",)
FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@bp.app_template_filter("snils_mask")
def snils_mask_filter(value: str | None) -> str:
    return mask(value)


@bp.context_processor
def labels() -> dict[str, Any]:
    return {"GENDER_LABELS": GENDER_LABELS, "STATUS_LABELS": STATUS_LABELS, "RELATION_LABELS": RELATION_LABELS,
            "CHANNEL_LABELS": CHANNEL_LABELS, "KIND_TITLES": KIND_TITLES}


# --- helpers -------------------------------------------------------------------


def my_school() -> m.School:
    """The school of the school admin making the request."""
    staff = m.Staff.get_or_none(m.Staff.user == current_actor().id)
    if staff is None or staff.school_id is None:
        audit("registry.school", "user", current_actor().id, result="denied",
              details={"reason": "no staff record with a school"})
        abort(403)
    return staff.school


def load_form(schema_cls, names: tuple[str, ...]) -> tuple[dict[str, Any], dict[str, str]]:
    raw = {name: request.form.get(name, "") for name in names}
    try:
        return schema_cls().load(raw), {}
    except ValidationError as exc:
        return {}, errors_in_russian(exc.messages)


def page_of(query, page_size: int):
    page = max(request.args.get("page", 1, type=int), 1)
    rows = list(query.paginate(page, page_size + 1))
    return rows[:page_size], page, len(rows) > page_size


def search_condition(q: str, *name_fields) -> Any:
    """Words of ``q`` each matching the start of a name part; eleven digits match a SNILS exactly."""
    digits = "".join(ch for ch in q if ch.isdigit())
    if len(digits) == 11 and not any(ch.isalpha() for ch in q):
        return None, digits
    condition = None
    for word in q.split()[:4]:
        variants = {word, word.capitalize(), word.lower()}
        part = None
        for f in name_fields:
            for v in variants:
                part = f.startswith(v) if part is None else part | f.startswith(v)
        condition = part if condition is None else condition & part
    return condition, None


def person_or_deny(kind: str, person_id: int, action: str = "registry.read") -> m.Student | m.Parent:
    model = {"student": m.Student, "parent": m.Parent}.get(kind)
    if model is None:
        abort(404)
    person = get_or_deny(current_actor(), action, model, person_id)
    require(current_actor(), action, person, object_type=kind, object_id=person_id)
    return person


def class_choices(school_id: int) -> list[str]:
    return [c.name for c in m.SchoolClass.select().where(
        (m.SchoolClass.school == school_id) & (m.SchoolClass.year == academic_year()))
        .order_by(m.SchoolClass.grade, m.SchoolClass.letter)]


def send_bytes(data: bytes, filename: str, fmt: str):
    return send_file(io.BytesIO(data), mimetype=FORMATS[fmt], as_attachment=True, download_name=filename)
