"""The web shell: login and logout pages, the audit page, health, errors and security headers."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from zoneinfo import ZoneInfo

import peewee
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from werkzeug.exceptions import HTTPException

from core import auth, policy
from core.auth import login_required, public
from core.inputs import CONTROL_RE
from core.models import AuditRecord

bp = Blueprint("core", __name__)

ERROR_TEXTS = {
    400: ("Неверный запрос", "Запрос не удалось обработать. Проверьте введённые данные и попробуйте ещё раз."),
    401: ("Требуется вход", "Войдите в систему, чтобы открыть эту страницу."),
    403: ("Доступ запрещён", "У вас нет права открывать эту страницу или эти данные."),
    404: ("Страница не найдена", "Такой страницы нет. Проверьте адрес или вернитесь на главную."),
    405: ("Действие недоступно", "Это действие нельзя выполнить таким способом."),
    413: ("Слишком большой файл", "Файл слишком велик для загрузки."),
    422: ("Ошибка в данных", "Данные не прошли проверку."),
    429: ("Слишком много попыток", "Слишком много попыток. Подождите немного и попробуйте снова."),
    500: ("Внутренняя ошибка", "Что-то пошло не так. Мы уже знаем об ошибке; попробуйте позже."),
    503: ("Сервис недоступен", "Сервис временно недоступен. Попробуйте позже."),
}
AUDIT_PAGE_SIZE = 100


@bp.route("/")
@public
def index():
    return render_template("core/index.html")


@bp.route("/login")
@public
def login():
    if current_user.is_authenticated:
        return redirect(auth.safe_next(request.args.get("next")) or url_for("core.index"))
    return render_template("core/login.html", **auth.login_page_context())


@bp.route("/logout", methods=["POST"])
@public
def logout():
    actor = current_user._get_current_object()
    provider = auth.end_session()
    pm = current_app.extensions["eschool"].pm
    target = pm.hook.logout_url(actor=actor, provider=provider) if provider else None
    flash(_("Вы вышли из системы."), "info")
    return redirect(target or url_for("core.login"))


@bp.route("/account/sessions")
@login_required
def sessions():
    actor = current_user._get_current_object()
    if actor.session is None:  # a bearer token has no browser sessions to manage
        abort(403)
    labels = {m.name: m.label for m in auth.login_page_context()["methods"]}  # "esia" → «Войти через Госуслуги»
    return render_template("core/sessions.html", sessions=auth.live_sessions(actor.user), current=actor.session.id,
                           labels=labels)


@bp.route("/account/sessions/end", methods=["POST"])
@login_required
def end_sessions():
    actor = current_user._get_current_object()
    if actor.session is None:
        abort(403)
    which = request.form.get("session", "")
    if which == "others":
        ended = auth.revoke_sessions(actor.user, except_token=actor.get_id())
        flash(_("Завершено других сеансов: %(n)s.", n=ended), "success")
    elif which.isdigit() and int(which) != actor.session.id:
        if auth.revoke_session(actor.user, int(which)):
            flash(_("Сеанс завершён."), "success")
    else:
        abort(400)
    return redirect(url_for("core.sessions"))


@bp.route("/health")
@public
def health():
    from core.db import database

    database.execute_sql("SELECT 1")
    return jsonify({"status": "ok"})


@bp.route("/admin/audit")
@login_required
def audit_log():
    policy.require(current_user, "audit.read")
    query = AuditRecord.select().order_by(AuditRecord.id.desc())
    for field in ("action", "object_type", "object_id", "result"):
        value = request.args.get(field)
        if value:
            query = query.where(getattr(AuditRecord, field) == value)
    page = max(request.args.get("page", 1, type=int), 1)
    rows = list(query.paginate(page, AUDIT_PAGE_SIZE))
    for row in rows:
        row.details_dict = json.loads(row.details or "{}")
    return render_template("core/audit.html", rows=rows, page=page, page_size=AUDIT_PAGE_SIZE)


def render_error(exc: HTTPException):
    code = exc.code or 500
    title, text = ERROR_TEXTS.get(code, (exc.name, exc.description))
    if auth.wants_json():
        body = {"error": exc.name.lower().replace(" ", "_"), "message": _(text)}
        if getattr(exc, "data", None):
            body.update(exc.data)
        return jsonify(body), code
    return render_template("core/error.html", code=code, title=_(title), text=_(text)), code


RETRY_AFTER = 5  # seconds; a write that timed out waiting for a lock is worth retrying soon
BUSY_TEXTS = ("database is locked", "database table is locked", "database is busy", "lock timeout")


def is_lock_timeout(exc: Exception) -> bool:
    """Whether ``exc`` says a write waited too long for a lock (SQLite busy, PostgreSQL lock_timeout)."""
    import psycopg.errors

    causes = [exc, exc.__cause__, exc.__context__, *(a for a in exc.args if isinstance(a, BaseException))]
    if any(isinstance(c, psycopg.errors.LockNotAvailable | psycopg.errors.TransactionRollback) for c in causes):
        return True
    return any(text in str(c).lower() for c in causes if c is not None for text in BUSY_TEXTS)


def database_busy(exc: Exception):
    """A write that could not get its lock in time: «попробуйте ещё раз» (503, ``Retry-After``), input kept.

    The transaction was rolled back, so nothing was half-written; a form's fields are put back
    into a page that sends them again with one button (a fresh CSRF token; files must be chosen again).
    """
    if not is_lock_timeout(exc):
        return internal_error(exc)
    current_app.logger.warning("database busy on %s %s: %s", request.method, request.path, exc)
    if "_login_user" not in g:  # the actor could not be loaded (a token's use is a write): do not try again
        g._login_user = current_app.login_manager.anonymous_user()
    message = _("Сервис сейчас занят. Ничего не сохранено и не потеряно — попробуйте ещё раз через несколько секунд.")
    if auth.wants_json():
        response = jsonify({"error": "busy", "message": message, "retry_after": RETRY_AFTER})
    else:
        fields = [(k, v) for k, values in request.form.lists() for v in values if k != "csrf_token"]
        response = current_app.make_response(render_template(
            "core/busy.html", method=request.method, url=request.url, fields=fields, had_files=bool(request.files)))
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER)
    response.headers["Cache-Control"] = "no-store"
    return response


def internal_error(exc: Exception):
    current_app.logger.exception("unhandled error on %s", request.path)
    from werkzeug.exceptions import InternalServerError

    return render_error(InternalServerError())


def security_headers(response):
    headers = response.headers
    headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
    )
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    if "frame-ancestors 'none'" in headers["Content-Security-Policy"]:
        headers.setdefault("X-Frame-Options", "DENY")  # for browsers that predate CSP frame-ancestors
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    is_static = request.endpoint is not None and (request.endpoint == "static" or request.endpoint.endswith(".static"))
    if not is_static and (current_user.is_authenticated or request.path.startswith("/api/")):
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    return response


def nav_for(actor):
    pm = current_app.extensions["eschool"].pm
    items = [item for group in pm.hook.nav_items(actor=actor) for item in (group or [])]
    items.sort(key=lambda i: (i.order, str(i.label)))
    return items


def local_time(moment: dt.datetime | None, fmt: str = "%d.%m.%Y %H:%M") -> str:
    """A stored naive-UTC moment in the region's time zone, as people read it (template filter ``local_time``)."""
    if moment is None:
        return ""
    zone = ZoneInfo(current_app.extensions["eschool"].core_settings["timezone"])
    return moment.replace(tzinfo=dt.UTC).astimezone(zone).strftime(fmt)


def printable(value):
    """Jinja's ``finalize``: control characters already stored never reach a page (or a printed slip)."""
    if isinstance(value, Markup):
        return Markup(CONTROL_RE.sub("", value))
    if isinstance(value, str):
        return CONTROL_RE.sub("", value)
    return value


def init_app(app: Flask) -> None:
    app.jinja_env.finalize = printable  # set before any template is compiled
    app.register_blueprint(bp)
    app.add_template_filter(local_time)
    app.register_error_handler(HTTPException, render_error)
    app.register_error_handler(Exception, internal_error)
    app.register_error_handler(peewee.OperationalError, database_busy)
    app.register_error_handler(sqlite3.OperationalError, database_busy)
    app.after_request(security_headers)

    @app.context_processor
    def _shell_context():
        ext = current_app.extensions["eschool"]
        return {
            "nav_items": nav_for(current_user),
            "region_name": ext.core_settings["region_name"],
            "language": ext.core_settings["language"],
            "actor": current_user,
        }
