"""Pages of the infographic plugin: the public page, the A4 poster, the embeddable snippet, the checklist."""

from __future__ import annotations

from flask import Blueprint, abort, make_response, render_template, request, url_for

from core.api import current_actor, enabled, public, roles_required, service
from plugins.infographic.checklist import checklist as build_checklist
from plugins.infographic.content import infographic
from plugins.infographic.qr import qr_data_uri

bp = Blueprint(
    "infographic",
    __name__,
    url_prefix="/service",
    template_folder="templates",
)


@bp.app_template_global("qr_data_uri")
def _qr_data_uri(url: str) -> str:
    return qr_data_uri(url)


def requested_school():
    """The school named by ``?school=<id>`` (its public contacts), or None; an unknown id is a 404."""
    if "school" not in request.args:
        return None
    school_id = request.args.get("school", type=int)  # a number too big for the database is a 400 (core)
    if school_id is None or school_id < 1 or not enabled("registries"):
        abort(404)
    school = service("registries").school(school_id)
    if school is None:
        abort(404)
    return school


def links_for(school) -> dict[str, str]:
    """Absolute addresses of this plugin's public pages, keeping the school if one was named."""
    args = {"school": school.id} if school is not None else {}
    links = {name: url_for(f"infographic.{name}", _external=True, **args) for name in ("page", "poster", "embed")}
    links["origin"] = request.host_url.rstrip("/")  # the snippet accepts height messages from here only
    return links


@bp.route("")
@public
def page():
    school = requested_school()
    return render_template("infographic/page.html", ig=infographic(school), links=links_for(school))


@bp.route("/poster")
@public
def poster():
    school = requested_school()
    return render_template("infographic/poster.html", ig=infographic(school), links=links_for(school))


@bp.route("/embed")
@public
def embed():
    school = requested_school()
    ig = infographic(school)
    response = make_response(render_template("infographic/embed.html", ig=ig, links=links_for(school)))
    # The core adds its own CSP only when a view has not: this one may be framed by school websites.
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors " + " ".join(ig.frame_ancestors)
    )
    return response


@bp.route("/checklist")
@roles_required("school_admin")
def checklist():
    actor = current_actor()
    schools, readiness = [], None
    if enabled("registries"):
        registries = service("registries")
        school_ids = registries.school_ids_of(actor.user)
        if school_ids:
            schools = sorted(registries.schools(school_ids).values(), key=lambda s: s.short_name)
            readiness = registries.readiness(school_ids)
    return render_template(
        "infographic/checklist.html",
        ig=infographic(),
        steps=build_checklist(readiness),
        schools=schools,
        registries_enabled=enabled("registries"),
        school_links=[(school, links_for(school)) for school in schools],
        links=links_for(None),
    )
