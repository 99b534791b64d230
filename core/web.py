"""The web shell: login and logout pages, the audit page, health, errors and security headers."""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from typing import Any

import jinja2
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
    send_file,
    url_for,
)
from flask_login import current_user
from markupsafe import Markup
from playhouse.pool import MaxConnectionsExceeded
from werkzeug.exceptions import HTTPException

from core import access_log, audit, auth, formatting, policy
from core.auth import login_required, public
from core.i18n import gettext as _
from core.i18n import lazy_gettext as _l
from core.inputs import CONTROL_RE
from core.models import AuditRecord, User

bp = Blueprint("core", __name__)

ERROR_TEXTS = {
    400: (_l("Неверный запрос"), _l("Запрос не удалось обработать. Проверьте введённые данные и попробуйте ещё раз.")),
    401: (_l("Требуется вход"), _l("Войдите в систему, чтобы открыть эту страницу.")),
    403: (_l("Доступ запрещён"), _l("У вас нет права открывать эту страницу или эти данные.")),
    404: (_l("Страница не найдена"), _l("Такой страницы нет. Проверьте адрес или вернитесь на главную.")),
    405: (_l("Действие недоступно"), _l("Это действие нельзя выполнить таким способом.")),
    413: (_l("Слишком большой файл"), _l("Файл слишком велик для загрузки.")),
    422: (_l("Ошибка в данных"), _l("Данные не прошли проверку.")),
    429: (_l("Слишком много попыток"), _l("Слишком много попыток. Подождите немного и попробуйте снова.")),
    500: (_l("Внутренняя ошибка"), _l("Что-то пошло не так. Мы уже знаем об ошибке; попробуйте позже.")),
    503: (_l("Сервис недоступен"), _l("Сервис временно недоступен. Попробуйте позже.")),
}


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
    checks: dict = {}
    for part in current_app.extensions["eschool"].pm.hook.health_checks():
        for name, value in (part or {}).items():
            if name in checks:
                raise RuntimeError(f"two plugins report the health check {name!r}")
            checks[name] = value
    return jsonify({"status": "ok", "checks": checks} if checks else {"status": "ok"})


@bp.route("/admin/audit")
@login_required
def audit_log():
    """«Журнал доступа»: the records within the reader's scope, filtered, newest first."""
    policy.require(current_user, "audit.read")
    filters = access_log.Filters.parse(request.args)
    condition = policy.scope(current_user, "audit.read", AuditRecord)
    rows, older = ([], None) if filters.errors else access_log.page(condition, filters)
    entries = access_log.present(current_user, rows)
    audit.record("audit.read", "auditrecord", "", details=filters.query_args())
    return render_template("core/audit.html", entries=entries, filters=filters, older=older,
                           chosen=_chosen_names(filters, entries), actions=_action_choices(),
                           results=access_log.RESULTS), (422 if filters.errors else 200)


@bp.route("/admin/audit/export")
@login_required
def audit_export():
    """The filtered «Журнал доступа» as XLSX: started as a job (``core.audit_export``), whose page follows it."""
    from core import jobs

    policy.require(current_user, "audit.read")
    filters = access_log.Filters.parse(request.args)
    if filters.errors:
        abort(400)
    args = filters.query_args()
    if filters.before is not None:
        args["before"] = filters.before
    return jobs.follow_job(jobs.start_job("core.audit_export", {"filters": args}))


def run_audit_export(ctx):
    """The ``core.audit_export`` job: the same records, labels and names as the page, in local time."""
    from core.jobs import JobResult

    policy.require(ctx.actor, "audit.read")
    filters = access_log.Filters.parse(ctx.params.get("filters", {}))
    condition = policy.scope(ctx.actor, "audit.read", AuditRecord)
    data, count = access_log.export_workbook(ctx.actor, condition, filters, progress=ctx.progress)
    audit.record("audit.export", "auditrecord", "", details={**filters.query_args(), "records": count})
    name = f"access-log-{region_today().isoformat()}.xlsx"
    return JobResult(data, name, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


# --- background jobs (core.jobs) ---------------------------------------------------


def _own_job(job_id: int):
    from core.jobs import Job

    job = Job.get_or_none(Job.id == job_id)
    if job is None:
        abort(404)
    policy.require(current_user, "job.read", job, object_type="job", object_id=job_id)
    return job


def _job_title(job) -> str:
    from core.jobs import kinds

    kind = kinds().get(job.kind)
    return str(kind.title) if kind else _("Задание")


@bp.route("/jobs")
@login_required
def my_jobs():
    """«Мои задания»: the reader's own jobs, newest first, with their state and result."""
    from core.jobs import Job

    found = (Job.select(Job.id, Job.kind, Job.state, Job.done, Job.total, Job.error, Job.created_at,
                        Job.result.is_null(False).alias("has_result"))
             .where(Job.owner_id == current_user.id).order_by(Job.id.desc()).limit(50))
    rows = [{"job": job, "title": _job_title(job), "has_result": bool(job.has_result)} for job in found]
    return render_template("core/jobs.html", rows=rows)


@bp.route("/jobs/<int:job_id>")
@login_required
def job_page(job_id: int):
    """A job's page: its progress bar (kept up to date by ``jobs.js``, or a meta refresh), then its result."""
    from core.jobs import kinds, revive

    job = _own_job(job_id)
    revive(job)
    kind = kinds().get(job.kind)
    if job.state == "done" and job.result is not None and kind is not None and (
            kind.show is not None or job.result_type.startswith("text/html")):
        return redirect(url_for("core.job_result", job_id=job.id))  # a page: open it, as the person expects
    back = None
    if kind is not None and kind.back is not None:
        import json

        endpoint, values = kind.back(json.loads(job.params or "{}"))
        back = url_for(endpoint, **values)
    return render_template("core/job.html", job=job, title=_job_title(job), back=back)


@bp.route("/jobs/<int:job_id>/progress")
@login_required
def job_progress(job_id: int):
    """How far the job got, as JSON, for its page to poll."""
    response = jsonify(_own_job(job_id).progress_json())
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/jobs/<int:job_id>/result")
@login_required
def job_result(job_id: int):
    """The job's file, for its owner only (and only in the starting session for ``same_session`` kinds), audited."""
    import io

    from core.jobs import kinds, unseal

    job = _own_job(job_id)
    if job.state != "done" or job.result is None:
        abort(404)
    kind = kinds().get(job.kind)
    if kind is not None and kind.same_session:
        session = getattr(current_user, "session", None)
        if session is None or session.id != job.session_id:
            audit.record("job.download", "job", job_id, result="denied", details={"kind": job.kind})
            return render_template("core/error.html", code=403, title=_("Доступ запрещён"),
                                   text=_("Этот результат можно открыть только в том сеансе, в котором задание "
                                             "было запущено: запустите его снова.")), 403
    data = unseal(current_app, job.result) if job.encrypted else bytes(job.result)
    audit.record("job.download", "job", job_id, details={"kind": job.kind})
    if kind is not None and kind.show is not None:
        import json

        return kind.show(json.loads(job.params or "{}"), data)
    inline = job.result_type.startswith("text/html")
    response = send_file(io.BytesIO(data), mimetype=job.result_type, as_attachment=not inline,
                         download_name=job.result_name or f"job-{job_id}")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/my/data-access")
@login_required
def data_access():
    """«Кто смотрел данные»: what others read or changed about the reader's children, or about themselves."""
    filters = access_log.Filters.parse(request.args)
    from core.api import relations

    condition = access_log.family_condition(current_user, relations(current_user))
    rows, older = ([], None) if filters.errors else access_log.page(condition, filters)
    entries = access_log.present(current_user, rows, you=current_user.id)
    audit.record("audit.read_own", "user", current_user.id, details=filters.query_args())
    return render_template("core/data_access.html", entries=entries, filters=filters, older=older),\
        (422 if filters.errors else 200)


def _action_choices() -> list[tuple[str, str]]:
    return sorted(((key, str(label)) for key, label in access_log.vocabulary().actions.items()),
                  key=lambda pair: pair[1])


def _chosen_names(filters: access_log.Filters, entries: list[access_log.Entry]) -> dict[str, str]:
    """Names for the «who» and «about» filters in force, from the page or else from the plugins."""
    chosen = {}
    if filters.who is not None:
        user = User.get_or_none(User.id == filters.who)
        chosen["who"] = user.display_name if user else str(_("удалённая учётная запись"))
    if filters.about is not None:
        key = ":".join(filters.about)
        named = next((e.about for e in entries if e.about_key == key), None)
        if named is None:
            named = access_log.present(current_user, [AuditRecord(object_type=filters.about[0],
                                                                  object_id=filters.about[1], role="system")])[0].about
        chosen["about"] = named
    return chosen


def render_error(exc: HTTPException):
    code = exc.code or 500
    title, text = ERROR_TEXTS.get(code, (exc.name, exc.description))
    if auth.wants_json():
        body = {"error": exc.name.lower().replace(" ", "_"), "message": str(text)}
        if getattr(exc, "data", None):
            body.update(exc.data)
        return jsonify(body), code
    return render_template("core/error.html", code=code, title=title, text=text), code


RETRY_AFTER = 5  # seconds; a write that timed out waiting for a lock is worth retrying soon
BUSY_TEXTS = ("database is locked", "database table is locked", "database is busy", "lock timeout")


def is_lock_timeout(exc: Exception) -> bool:
    """Whether ``exc`` says a write waited too long for a lock (SQLite busy, PostgreSQL lock_timeout)."""
    import psycopg.errors

    causes = [exc, exc.__cause__, exc.__context__, *(a for a in exc.args if isinstance(a, BaseException))]
    if any(isinstance(c, psycopg.errors.LockNotAvailable | psycopg.errors.TransactionRollback
                      | MaxConnectionsExceeded) for c in causes):
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


def content_security_policy() -> str:
    """The platform's CSP, with the ``form-action`` origins the plugins name (hook ``form_action_sources``).

    Written once per app: the origins come from the region's configuration, which does not change while it runs.
    """
    found = current_app.extensions.get("eschool_csp")
    if found is None:
        pm = current_app.extensions["eschool"].pm
        origins = sorted({o for group in pm.hook.form_action_sources() for o in (group or [])})
        form_action = " ".join(["'self'", *origins])
        found = current_app.extensions["eschool_csp"] = (
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            f"object-src 'none'; base-uri 'self'; form-action {form_action}; "
            "frame-ancestors 'none'"
        )
    return found


def security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy())
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


def region_today() -> dt.date:
    """Today's date in the region's time zone (``[eschool] timezone``), not the server's.

    Everything about school days — a lesson's date, an age on the login day, a file's date — uses it, so a
    region far east of its server does not live in yesterday until morning.
    """
    return dt.datetime.now(formatting.region_zone()).date()


def printable(value):
    """A text without control characters (a ``Markup`` stays one); anything else as it is."""
    if not isinstance(value, str) or value.isprintable() or CONTROL_RE.search(value) is None:
        return value  # nearly always: as it is (a printable text has no control character by definition)
    cleaned = CONTROL_RE.sub("", value)
    return Markup(cleaned) if isinstance(value, Markup) else cleaned


class PrintableTemplate(jinja2.Template):
    """The app's templates: control characters already stored never reach a page (or a printed slip).

    The rendered text is checked once, in C (a page of a thousand values would otherwise make a thousand
    Python calls of a per-value ``finalize``); the templates' own text holds none, so removing them from the
    whole is removing them from every value written into it.
    """

    def render(self, *args: Any, **kwargs: Any) -> str:
        return printable(super().render(*args, **kwargs))


def account_marker(actor) -> str:
    """Who this page was rendered for, as a per-user marker (not the id itself); ``""`` when nobody is logged in.

    The page's script (``logout.js``) compares it with the one it saw last and drops the browser's cached
    family pages on any change of user — a logout, a session that ended, another person logging in.
    """
    if not actor.is_authenticated:
        return ""
    secret = current_app.config["SECRET_KEY"]
    return hashlib.sha256(f"{secret}:{actor.id}".encode()).hexdigest()[:16]


def init_app(app: Flask) -> None:
    app.jinja_env.template_class = PrintableTemplate  # set before any template is loaded
    app.register_blueprint(bp)
    formatting.init_app(app)
    app.register_error_handler(HTTPException, render_error)
    app.register_error_handler(Exception, internal_error)
    app.register_error_handler(peewee.OperationalError, database_busy)
    app.register_error_handler(sqlite3.OperationalError, database_busy)
    app.register_error_handler(MaxConnectionsExceeded, database_busy)  # the pool stayed full for lock_timeout
    app.after_request(security_headers)

    @app.context_processor
    def _shell_context():
        ext = current_app.extensions["eschool"]
        return {
            "nav_items": nav_for(current_user),
            "region_name": ext.core_settings["region_name"] or _("Регион"),
            "language": ext.core_settings["language"],
            "actor": current_user,
            "account_marker": account_marker(current_user),
        }
