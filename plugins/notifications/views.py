"""«Уведомления»: a family member's choices, the browser's push subscription, one-click unsubscribe.

The page is for parents and adult students. The push subscription is posted by
``static/subscribe.js`` with the page's CSRF token; the service
worker is served from ``/notifications/sw.js`` (its scope is ``/notifications/``,
so it never meets another worker of the site). The unsubscribe address is signed:
it opens without a login, and its POST (a mail client's RFC 8058 one-click, or the
page's button) switches the e-mails off at once.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from marshmallow import ValidationError

from core.api import (
    _,
    audit,
    current_actor,
    database,
    public,
    roles_required,
    service,
    signed_link,
    utcnow,
)
from core.api import (
    lazy_gettext as _l,
)
from plugins.notifications import links, outbox, worker
from plugins.notifications.models import KINDS, Preference, PushSubscription
from plugins.notifications.schemas import PreferenceForm, PushSubscriptionSchema
from plugins.notifications.timing import local_date

bp = Blueprint("notifications", __name__, template_folder="templates", url_prefix="/notifications")
STATIC = Path(__file__).resolve().parent / "static"

KIND_LABELS = {"marks": _l("Новые и исправленные отметки"), "grades": _l("Отметки за четверть, полугодие и год"),
               "absences": _l("Пропуски уроков"), "homework": _l("Домашние задания")}


def may_subscribe(actor: Any) -> bool:
    """Parents, and students old enough to be told on their own (``adult_student_age``)."""
    if not actor.is_authenticated:
        return False
    if actor.role == "parent":
        return True
    if actor.role != "student":
        return False
    student = service("registries").person_of(actor.user)
    return student is not None and outbox.adult(student, local_date(utcnow()),
                                                worker.conf()["adult_student_age"])


def _preference(user_id: int) -> Preference:
    pref = Preference.get_or_none(Preference.user_id == user_id)
    return pref if pref is not None else Preference(user_id=user_id)


def _form_data() -> dict[str, Any]:
    form = request.form
    data: dict[str, Any] = {"email": form.get("email", "").strip(), "webhook_handle": form.get("webhook_handle", ""),
                            "kinds": form.getlist("kinds"), "mode": form.get("mode", "instant")}
    for name in ("email_on", "push_on", "webhook_on"):
        data[name] = name in form
    for name in ("digest_hour", "quiet_from", "quiet_to"):
        data[name] = form.get(name, "")
    return data


@bp.route("/", methods=["GET", "POST"])
@roles_required("parent", "student")
def index():
    actor = current_actor()
    if not may_subscribe(actor):
        abort(403)
    pref = _preference(actor.id)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            data = PreferenceForm().load(_form_data())
        except ValidationError as exc:
            errors = {k: " ".join(str(m) for m in (v if isinstance(v, list) else [v]))
                      for k, v in exc.normalized_messages().items()}
        else:
            for name, value in data.items():
                setattr(pref, name, ",".join(k for k in KINDS if k in value) if name == "kinds" else value)
            if pref.mode == "digest" and pref.last_digest_at is None:
                pref.last_digest_at = utcnow()  # the first digest holds what is entered from now on
            pref.updated_at = utcnow()
            with database.atomic():
                pref.save()
                audit("notifications.preferences", "user", actor.id, details={
                    "channels": pref.channels(), "kinds": pref.kinds, "mode": pref.mode})
            flash(_("Настройки уведомлений сохранены."), "success")
            return redirect(url_for("notifications.index"))
    subscriptions = list(PushSubscription.select().where(PushSubscription.user_id == actor.id)
                         .order_by(PushSubscription.created_at))
    conf = worker.conf()
    return render_template("notifications/index.html", pref=pref, errors=errors, kinds=KINDS,
                           kind_labels=KIND_LABELS, hours=range(24), subscriptions=subscriptions,
                           webhook_available=bool(conf.get("webhook_url")),
                           vapid_key=worker.vapid_key().application_server_key,
                           form=request.form if errors else None)


@bp.route("/push", methods=["POST"])
@roles_required("parent", "student")
def push_subscribe():
    """Store the browser's subscription (JSON from ``PushSubscription.toJSON()``) and switch push on."""
    actor = current_actor()
    if not may_subscribe(actor):
        abort(403)
    try:
        data = PushSubscriptionSchema().load(request.get_json(silent=True) or {})
    except ValidationError as exc:
        return jsonify({"errors": exc.normalized_messages()}), 422
    with database.atomic():
        existing = PushSubscription.get_or_none(PushSubscription.endpoint == data["endpoint"])
        if existing is not None and existing.user_id != actor.id:
            existing.delete_instance()  # the browser changed hands: the old account hears nothing more here
            existing = None
        if existing is None:
            existing = PushSubscription.create(user_id=actor.id, endpoint=data["endpoint"],
                                               p256dh=data["keys"]["p256dh"], auth=data["keys"]["auth"],
                                               user_agent=request.user_agent.string[:300])
        pref = _preference(actor.id)
        pref.push_on = True
        pref.updated_at = utcnow()
        pref.save()
        audit("notifications.push_subscribed", "user", actor.id, details={"subscription": existing.id})
    return jsonify({"id": existing.id}), 201


@bp.route("/push/<int:subscription_id>/delete", methods=["POST"])
@roles_required("parent", "student")
def push_unsubscribe(subscription_id: int):
    actor = current_actor()
    with database.atomic():
        deleted = PushSubscription.delete().where((PushSubscription.id == subscription_id)
                                                  & (PushSubscription.user_id == actor.id)).execute()
        if deleted:
            audit("notifications.push_removed", "user", actor.id, details={"subscription": subscription_id})
    if request.accept_mimetypes.best == "application/json":
        return jsonify({"deleted": deleted})
    flash(_("Браузер больше не будет получать уведомления."), "success")
    return redirect(url_for("notifications.index"))


@bp.route("/sw.js")
@public
def service_worker():
    """The push service worker, from the same origin; it shows the notification and opens the child's page."""
    text = (STATIC / "sw.js").read_text(encoding="utf-8")
    text = text.replace("self.DEFAULT_TITLE", json.dumps(_("Электронная школа"), ensure_ascii=False))
    response = current_app.response_class(text, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@public
@signed_link
def unsubscribe(token: str):
    """GET shows one button; POST (the button, or the mail client's one-click) switches e-mails off."""
    data = links.read_token(token)
    if data is None:
        return render_template("notifications/unsubscribe.html", state="bad"), 404
    pref = Preference.get_or_none(Preference.user_id == data["u"])
    if request.method == "GET":
        state = "done" if pref is None or not pref.email_on else "ask"
        return render_template("notifications/unsubscribe.html", state=state, token=token)
    if pref is not None and pref.email_on:
        with database.atomic():
            Preference.update(email_on=False, updated_at=utcnow()).where(Preference.id == pref.id).execute()
            audit("notifications.unsubscribed", "user", data["u"], actor=None,
                  details={"channel": "email", "one_click": request.form.get("List-Unsubscribe") == "One-Click"})
    if request.form.get("List-Unsubscribe") == "One-Click":
        return "", 204
    return render_template("notifications/unsubscribe.html", state="done", token=token)

