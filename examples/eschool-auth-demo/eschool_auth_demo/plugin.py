"""A login method in a separate package: one-time codes handed out by the school.

Shows the three provider steps: offer a method (``login_methods``), prove an
identity (the view), and hand it to the core (``complete_login``), which
resolves it to a user and applies every region's login rules.
"""

from __future__ import annotations

import hmac

from flask import Blueprint, redirect, request, url_for
from marshmallow import RAISE, Schema, fields

from core.api import (
    Identity,
    LoginMethod,
    LoginRefused,
    SecretRef,
    _,
    complete_login,
    hookimpl,
    lazy_gettext,
    public,
    refused_page,
    safe_next,
    settings,
)

bp = Blueprint("auth_demo", __name__, template_folder="templates", url_prefix="/auth-demo")


class Settings(Schema):
    class Meta:
        unknown = RAISE

    codes = fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict)
    label = fields.String(load_default="Вход по коду из школы")
    pepper = SecretRef(required=False, load_default=None, allow_none=True)


@hookimpl
def config_schema():
    return Settings


@hookimpl
def blueprints():
    return [bp]


@hookimpl
def login_methods():
    return [LoginMethod("auth_demo", settings("auth_demo")["label"], template="auth_demo/form.html",
                        description=lazy_gettext("Пример стороннего способа входа."), order=50)]


@bp.route("/login", methods=["POST"])
@public
def login():
    code = request.form.get("code", "").strip()
    subject = None
    for known, who in settings("auth_demo")["codes"].items():
        if hmac.compare_digest(known, code):
            subject = who
    try:
        if subject is None:
            raise LoginRefused(_("Код не подошёл. Проверьте его или попросите в школе новый."), "bad_code")
        complete_login(Identity(provider="auth_demo", subject=subject))
    except LoginRefused as refused:
        return refused_page(refused)
    return redirect(safe_next(request.form.get("next")) or url_for("core.index"))
