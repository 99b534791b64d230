"""The gradebook's blueprint and what its pages share: template filters, "today", attachments.

The pages themselves are split by who uses them: ``family_views`` (the family's progress service
and the installable app), ``journal_views`` (the teacher's journal), ``report_views`` (the managers'
reports: timeliness, archive, attainment) and ``admin_views`` (the school admin's settings).
``plugin.blueprints`` imports them all.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from flask import Blueprint, abort, current_app, request, send_file
from flask_babel import format_date, format_datetime, format_decimal

from core.api import region_today, service
from plugins.gradebook.models import Lesson

bp = Blueprint("gradebook", __name__, template_folder="templates")

STAFF_ROLES = ("teacher", "deputy", "school_admin")


def reg():
    return service("registries")


@bp.app_template_filter("ru_number")
def ru_number(value, digits: int = 2) -> str:
    """A number as the region's language writes it («3,82»); «—» for none."""
    if value is None or value == "":
        return "—"
    return format_decimal(value, format="#,##0." + "#" * digits) if digits else format_decimal(value)


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


def int_arg(name: str) -> int | None:
    return request.args.get(name, type=int)


def attachment_dir() -> Path:
    return Path(current_app.instance_path) / "gradebook" / "homework"


def send_attachment(lesson: Lesson):
    path = attachment_dir() / lesson.homework_file
    if not path.is_file():
        abort(404)
    return send_file(path, as_attachment=True, download_name=lesson.homework_file_name or path.name)
