"""The gradebook's blueprint and what its pages share: "today", attachments (numbers and dates: the core's filters).

The pages themselves are split by who uses them: ``family_views`` (the family's progress service
and the installable app), ``journal_views`` (the teacher's journal), ``report_views`` (the managers'
reports: timeliness, archive, attainment) and ``admin_views`` (the school admin's settings).
``plugin.blueprints`` imports them all.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from flask import Blueprint, abort, current_app, request, send_file

from core.api import region_today, service
from plugins.gradebook.models import Lesson

bp = Blueprint("gradebook", __name__, template_folder="templates")

STAFF_ROLES = ("teacher", "deputy", "school_admin")


def reg():
    return service("registries")


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
