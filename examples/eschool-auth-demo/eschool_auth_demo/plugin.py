"""A login method in a separate package: one-time codes handed out by the school.

Shows the three provider steps: offer a method (``login_methods``), prove an
identity (the view), and hand it to the core (``complete_login``), which
resolves it to a user and applies every region's login rules. Besides, a page
(«Вход по коду», for whoever came in with a code) and a hook that puts it in
the navigation. Its tests (``tests/``) use only eschool's shipped pytest plugin
and the login-provider conformance kit.
"""

from __future__ import annotations

import hmac

from flask import Blueprint, redirect, render_template, request, url_for
from marshmallow import RAISE, Schema, fields

from core.api import (
    Identity,
    LoginMethod,
    LoginRefused,
    NavItem,
    SecretRef,
    _,
    complete_login,
    current_actor,
    hookimpl,
    lazy_gettext,
    login_required,
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
    label = fields.String(load_default=lazy_gettext("Вход по коду из школы"))
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


@hookimpl
def nav_items(actor):
    """«Вход по коду» for a person whose current session began with a school code."""
    if actor.is_authenticated and actor.provider == "auth_demo":
        return [NavItem(_("Вход по коду"), "auth_demo.about", order=90)]
    return None


@bp.route("/about")
@login_required
def about():
    """What the code login means for the person who used it, and what to do if a code is lost."""
    actor = current_actor()
    return render_template("auth_demo/about.html", by_code=actor.provider == "auth_demo")


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
