"""The family's own registry card (a parent or a student).
"""

from __future__ import annotations

from flask import abort, render_template

from core.api import audit, current_actor, roles_required
from plugins.registries import models as m
from plugins.registries.service import children_rows, person_row
from plugins.registries.views import bp

# --- the family's own card ---------------------------------------------------------


@bp.route("/me")
@roles_required("parent", "student")
def my_card():
    """A parent's or student's own registry card: their data, children and consents."""
    actor = current_actor()
    person = person_row(actor.user)
    if person is None:
        abort(404)
    kind = "parent" if isinstance(person, m.Parent) else "student"
    if kind == "parent":
        consents = m.Consent.select().where((m.Consent.subject_parent == person.id)
                                            | (m.Consent.giver_parent == person.id))
        children = list(children_rows(actor.user))
    else:
        consents = m.Consent.select().where(m.Consent.subject_student == person.id)
        children = []
    audit(f"{kind}.read", kind, person.id, details={"own_card": True})
    return render_template("registries/me.html", person=person, kind=kind, children=children,
                           consents=list(consents.order_by(m.Consent.id.desc())))
