"""The region operator's page of the portal channel: applications, statuses, refusals, the deadline count."""

from __future__ import annotations

import datetime as dt

import peewee
from flask import Blueprint, render_template, request

from core.api import _, audit, roles_required, utcnow
from plugins.portal.decision import REFUSALS
from plugins.portal.models import OUTCOMES, PortalApplication, PortalOutbox
from plugins.portal.worker import health

bp = Blueprint("portal", __name__, template_folder="templates")
PAGE_SIZE = 100


def _date(name: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


@bp.route("/portal/applications")
@roles_required("operator")
def applications():
    A = PortalApplication
    query = A.select()
    outcome = request.args.get("outcome", "")
    code = request.args.get("code", "")
    number = request.args.get("number", "").strip()
    since, until = _date("from"), _date("to")
    if outcome in OUTCOMES:
        query = query.where(A.outcome == outcome)
    if code in REFUSALS:
        query = query.where(A.refusal_code == code)
    if number:
        query = query.where(A.number.contains(number))
    if since:
        query = query.where(A.received_at >= dt.datetime.combine(since, dt.time()))
    if until:
        query = query.where(A.received_at < dt.datetime.combine(until + dt.timedelta(days=1), dt.time()))
    total = query.count()
    answered = query.where(A.answered_at.is_null(False)).count()
    in_time = query.where(A.answered_at.is_null(False) & (A.answered_at <= A.deadline_at)).count()
    overdue = query.where(A.answered_at.is_null() & (A.deadline_at < utcnow())).count()
    by_code = dict(query.select(A.refusal_code, peewee.fn.COUNT(A.id)).where(A.refusal_code != "")
                   .group_by(A.refusal_code).tuples())
    rows = list(query.order_by(A.received_at.desc(), A.id.desc()).limit(PAGE_SIZE))
    failed = PortalOutbox.select().where(PortalOutbox.status == "failed").count()
    audit("portal.applications.list", "application", "", details={"shown": len(rows), "outcome": outcome,
                                                                  "code": code})
    return render_template("portal/applications.html", rows=rows, total=total, answered=answered, in_time=in_time,
                           overdue=overdue, by_code=by_code, outcomes=OUTCOMES, refusals=REFUSALS,
                           health=health(), failed=failed, title=_("Заявления с регионального портала"),
                           args=request.args)
