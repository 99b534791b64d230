"""The «Ключи API» page: a user creates and revokes the bearer tokens of their mobile apps and integrations.

Session only (the core loads bearer tokens on ``/api/`` paths alone, so a
token cannot mint more tokens). The plain token is shown once, on the answer
to the POST that created it, and never stored.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError

from core.api import _, create_api_token, current_actor, list_api_tokens, login_required, revoke_api_token, utcnow
from plugins.gradebook.api_schemas import TokenForm

bp = Blueprint("gradebook_tokens", __name__, template_folder="templates")


def _page(errors=None, created=None, status=200):
    actor = current_actor()
    tokens = list_api_tokens(actor.user)
    return render_template("gradebook/api_tokens.html", tokens=tokens, errors=errors or {}, created=created,
                           form=request.form if errors else {}, now=utcnow()), status


@bp.route("/gradebook/api-tokens")
@login_required
def api_tokens():
    return _page()


@bp.route("/gradebook/api-tokens", methods=["POST"])
@login_required
def api_token_create():
    data = {k: v for k, v in request.form.items() if k in ("name", "days")}
    if data.get("days", "").strip() == "":
        data.pop("days", None)
    try:
        form = TokenForm().load(data)
    except ValidationError as error:
        errors = {k: str(v[0] if isinstance(v, list) else v) for k, v in error.messages.items()}
        flash(_("Ключ не создан: исправьте отмеченные поля."), "error")
        return _page(errors=errors, status=422)
    row, plain = create_api_token(current_actor().user, form["name"].strip(), days=form["days"])
    flash(_("Ключ создан. Скопируйте его сейчас: больше он показан не будет."), "success")
    return _page(created={"row": row, "token": plain})


@bp.route("/gradebook/api-tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def api_token_revoke(token_id: int):
    if not revoke_api_token(token_id, current_actor().user):
        abort(404)
    flash(_("Ключ отозван: приложения с ним больше не получат данные."), "success")
    return redirect(url_for(".api_tokens"))
