"""Pages of the auth_local plugin: the login form's target, password change, credential management."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from marshmallow import ValidationError

from core.api import (
    Identity,
    JobContext,
    JobError,
    JobResult,
    LoginRefused,
    User,
    _,
    audit,
    audit_many,
    complete_login,
    current_actor,
    follow_job,
    login_required,
    ngettext,
    public,
    refused_page,
    require,
    roles_required,
    rotate_session,
    safe_next,
    service,
    settings,
    start_job,
    utcnow,
)
from plugins.auth_local import credentials, passwords, throttle
from plugins.auth_local.credentials import Outcome
from plugins.auth_local.models import LocalCredential
from plugins.auth_local.plugin import ISSUE_STAFF, MANAGE
from plugins.auth_local.schemas import PasswordChangeForm

bp = Blueprint(
    "auth_local", __name__, url_prefix="/local", template_folder="templates",
)
# Endpoints an account that must change its temporary password may still reach.
OPEN_DURING_FORCED_CHANGE = {"auth_local.change_password", "core.logout", "core.login", "core.health"}


def bad_credentials_message() -> str:
    return _("Неверный логин или пароль. Проверьте раскладку клавиатуры и Caps Lock. Если вы забыли "
             "пароль, обратитесь к классному руководителю или администратору школы: он выдаст новый "
             "временный пароль.")


def throttled_message() -> str:
    minutes = settings("auth_local")["account_window_minutes"]
    return _("Слишком много неудачных попыток входа. Вход по этому логину временно приостановлен — "
             "попробуйте снова через %(minutes)s мин. Если вы забыли пароль, обратитесь к администратору "
             "школы: он выдаст новый временный пароль и может снять блокировку сразу.", minutes=minutes)


def expired_message() -> str:
    days = settings("auth_local")["temporary_password_days"]
    return _("Срок действия временного пароля истёк (он действует %(days)s дн.). Попросите классного "
             "руководителя или администратора школы выдать новый временный пароль.", days=days)


@bp.before_app_request
def force_password_change():
    """An account logged in with a temporary password reaches nothing but the change page."""
    actor = current_actor()
    if not actor.is_authenticated or actor.provider != "local":
        return None
    endpoint = request.endpoint or ""
    if endpoint in OPEN_DURING_FORCED_CHANGE or endpoint == "static" or endpoint.endswith(".static"):
        return None
    credential = LocalCredential.get_or_none(LocalCredential.user == actor.id)
    if credential is None or not credential.is_temporary:
        return None
    if request.path.startswith("/api/"):
        return jsonify({"error": "password_change_required",
                        "message": _("Сначала смените временный пароль.")}), 403
    return redirect(url_for("auth_local.change_password", next=request.full_path.rstrip("?")))


@bp.route("/login", methods=["POST"])
@public
def login():
    raw_login = request.form.get("login", "")
    password = request.form.get("password", "")
    next_url = safe_next(request.form.get("next"))
    outcome, credential = credentials.check_login(raw_login, password, request.remote_addr or "")
    if outcome is Outcome.THROTTLED:
        audit("login", "local_login", credentials.normalize_login(raw_login), result="denied",
              details={"reason": "throttled"})
        return refused_page(LoginRefused(throttled_message(), "throttled"), 429)
    if outcome is Outcome.BAD_CREDENTIALS:
        audit("login", "local_login", credentials.normalize_login(raw_login), result="failed")
        return refused_page(LoginRefused(bad_credentials_message(), "bad_credentials"), 401)
    if outcome is Outcome.EXPIRED:
        audit("login", "user", credential.user_id, result="refused", details={"reason": "temporary_expired"})
        return refused_page(LoginRefused(expired_message(), "temporary_expired"), 403)
    try:
        complete_login(Identity(provider="local", subject=credential.login))
    except LoginRefused as refused:
        return refused_page(refused)
    failed = throttle.failed_since_last_login(credential)
    if failed:
        flash(_("С вашего прошлого входа были неудачные попытки войти под вашим логином: %(n)s. Если это были "
                "не вы, смените пароль.", n=failed), "warning")
    if credential.is_temporary:
        flash(_("Вы вошли с временным паролем. Придумайте свой пароль — без этого работать дальше нельзя."),
              "warning")
        return redirect(url_for("auth_local.change_password", next=next_url or ""))
    return redirect(next_url or url_for("core.index"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    actor = current_actor()
    credential = LocalCredential.get_or_none(LocalCredential.user == actor.id)
    if credential is None:
        flash(_("У вашей учётной записи нет пароля электронной школы: вы входите через Госуслуги."), "info")
        return redirect(url_for("core.index"))
    errors: dict[str, list[str]] = {}
    next_url = safe_next(request.values.get("next")) or ""
    if request.method == "POST":
        try:
            form = PasswordChangeForm().load(request.form.to_dict())
        except ValidationError as exc:
            errors = {k: [str(m) for m in v] for k, v in exc.messages.items()}
        else:
            errors = _password_change_errors(credential, form)
            if not errors:
                return _finish_change(credential, form["new_password"], next_url)
    status = 422 if errors else 200
    return render_template("auth_local/change_password.html", credential=credential, errors=errors,
                           next=next_url), status


def _password_change_errors(credential: LocalCredential, form: dict) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not passwords.verify_password(credential.password_hash, form["current_password"]):
        errors["current_password"] = [_("Текущий пароль введён неверно.")]
    problems = passwords.password_problems(form["new_password"], login=credential.login,
                                           current=form["current_password"])
    if problems:
        errors["new_password"] = problems
    if form["new_password"] != form["new_password_again"]:
        errors["new_password_again"] = [_("Пароли не совпадают.")]
    return errors


def _finish_change(credential: LocalCredential, new_password: str, next_url: str):
    credentials.change_password(credential, new_password)
    audit("password.change", "user", credential.user_id)
    # every session ended, this one too: the browser gets a fresh one, a copied cookie does not
    rotate_session()
    flash(_("Пароль изменён. Все остальные сеансы этой учётной записи завершены."), "success")
    return redirect(next_url or url_for("core.index"))


# --- the school admin's pages ------------------------------------------------


def _class_students(actor, school_class):
    reg = service("registries")
    return reg.visible_students(actor, "student.read",
                                reg.student_condition(class_ids=[school_class.id], enrolled=True))


# What the region's age rules (service "age_policy") make of a school login, per student.
ALLOWED, PREFER_GOSUSLUGI, REFUSED, UNKNOWN = "allowed", "prefer_gosuslugi", "refused", "unknown"
MAY_ISSUE = (ALLOWED, PREFER_GOSUSLUGI)


def age_verdicts(students) -> dict[int, str]:
    """Student id → ``allowed`` / ``prefer_gosuslugi`` / ``refused`` / ``unknown``; all allowed without age rules."""
    rules = service("age_policy")
    if rules is None:
        return {s.id: ALLOWED for s in students}
    return {s.id: rules.school_login(s.birth_date) for s in students}


def verdict_text(verdict: str) -> str:
    rules = service("age_policy")
    age = _("%(n)s лет", n=f"{rules.min_age_esia():g}") if rules else ""
    return {
        ALLOWED: "",
        PREFER_GOSUSLUGI: _("%(age)s и старше: по правилам региона лучше входить через Госуслуги со своей "
                            "учётной записью; школьный логин тоже будет работать.", age=age),
        REFUSED: _("Вход по школьному логину будет отклонён по правилам региона о возрасте: логин не выдаётся."),
        UNKNOWN: _("В реестре нет даты рождения: вход по логину будет отклонён, пока её не внесут."),
    }[verdict]


@bp.route("/classes")
@roles_required("school_admin")
def classes():
    classes = service("registries").visible_classes(current_actor(), MANAGE)
    return render_template("auth_local/classes.html", classes=classes)


@bp.route("/classes/<int:class_id>")
@roles_required("school_admin")
def class_credentials(class_id):
    actor = current_actor()
    school_class = service("registries").class_or_deny(actor, MANAGE, class_id)
    students = _class_students(actor, school_class)
    user_ids = [s.user_id for s in students if s.user_id]
    by_user = {c.user_id: c for c in LocalCredential.select().where(LocalCredential.user.in_(user_ids))}
    now = utcnow()
    verdicts = age_verdicts(students)
    rows = []
    for student in students:
        credential = by_user.get(student.user_id)
        rows.append({
            "student": student,
            "verdict": verdicts[student.id],
            "verdict_text": verdict_text(verdicts[student.id]),
            "credential": credential,
            "locked_until": throttle.locked_until(credential, now) if credential else None,
            "expired": bool(credential and credential.is_temporary and credential.expires_at
                            and credential.expires_at <= now),
        })
    audit("credentials.view", "school_class", class_id, details={"students": len(students)})
    refused = sum(1 for v in verdicts.values() if v not in MAY_ISSUE)
    prefer = sum(1 for v in verdicts.values() if v == PREFER_GOSUSLUGI)
    return render_template("auth_local/class.html", school_class=school_class, rows=rows, refused=refused,
                           prefer=prefer)


def may_issue(verdict: str, despite_age_rules: bool = False) -> bool:
    """Whether a school login is issued to a student with this age-rule ``verdict``: what the region allows,
    or anything when the admin deliberately chose «всё равно выдать» (then audited as ``despite_age_rules``)."""
    return despite_age_rules or verdict in MAY_ISSUE


def held_back_text(count: int) -> str:
    return ngettext("%(num)s учащемуся логин не выдан: по правилам региона о возрасте вход по школьному "
                    "логину для него будет отклонён.",
                    "%(num)s учащимся логины не выданы: по правилам региона о возрасте вход по школьному "
                    "логину для них будет отклонён.", count)


def _class_plan(actor, school_class, reissue: bool, despite_rules: bool):
    """The class's students, their age verdicts, who gets a slip, and how many the rules hold back."""
    students = _class_students(actor, school_class)
    verdicts = age_verdicts(students)
    allowed = [s for s in students if may_issue(verdicts[s.id], despite_rules)]
    return students, verdicts, allowed, len(students) - len(allowed)


@bp.route("/classes/<int:class_id>/issue", methods=["POST"])
@roles_required("school_admin")
def issue_class(class_id):
    """Issue credentials for a class: a job (``auth_local.class_slips``) whose result is the slips page."""
    actor = current_actor()
    school_class = service("registries").class_or_deny(actor, MANAGE, class_id)
    reissue = request.form.get("mode") == "all"
    # only what the region's age rules allow, unless the admin deliberately ticks «выдать и им»
    despite_rules = request.form.get("despite_age_rules") == "1"
    _students, _verdicts, allowed, held_back = _class_plan(actor, school_class, reissue, despite_rules)
    user_ids = [s.user_id for s in allowed if s.user_id]
    have = {c.user_id for c in LocalCredential.select(LocalCredential.user).where(LocalCredential.user.in_(user_ids))}
    if held_back:
        flash(held_back_text(held_back), "info")
    if not any(reissue or s.user_id not in have for s in allowed):  # nothing to issue: no job
        if not held_back:
            flash(_("Всем учащимся класса логины уже выданы. Чтобы выдать новые пароли всем, выберите "
                    "«всем учащимся класса»."), "info")
        return redirect(url_for("auth_local.class_credentials", class_id=class_id))
    job = start_job("auth_local.class_slips", {"class_id": school_class.id, "reissue": reissue,
                                               "despite_age_rules": despite_rules})
    return follow_job(job)


def run_class_slips(ctx: JobContext) -> JobResult:
    """The ``auth_local.class_slips`` job: logins and temporary passwords for a class, as a printable page."""
    actor = ctx.actor
    reissue, despite_rules = bool(ctx.params.get("reissue")), bool(ctx.params.get("despite_age_rules"))
    ctx.progress(0, 0, _("Чтение списка класса"))
    school_class = service("registries").class_or_deny(actor, MANAGE, ctx.params["class_id"])
    _students, verdicts, allowed, held_back = _class_plan(actor, school_class, reissue, despite_rules)
    stage = _("Создание временных паролей")
    slips = credentials.issue_for_students(allowed, actor.id, reissue=reissue,
                                           progress=lambda done, total: ctx.progress(done, total, stage))
    entries = []
    for slip in slips:
        details = {"reissue": reissue, "age_rules": verdicts[slip.student.id]}
        if despite_rules and verdicts[slip.student.id] not in MAY_ISSUE:
            details["despite_age_rules"] = True
        entries.append({"action": "credentials.issue", "object_type": "student", "object_id": slip.student.id,
                        "details": details})
    audit_many(entries, actor=actor)
    if not slips:
        raise JobError(_("Всем учащимся класса логины уже выданы. Чтобы выдать новые пароли всем, выберите "
                         "«всем учащимся класса»."))
    ctx.progress(len(slips), len(slips), _("Подготовка листков"))
    page = render_template("auth_local/slips.html", school_class=school_class, slips=slips,
                           held_back=held_back_text(held_back) if held_back else "")
    return JobResult(page.encode("utf-8"), f"slips-{school_class.id}.html", "text/html; charset=utf-8")


def _student_and_credential(student_id):
    actor = current_actor()
    student = service("registries").student_or_deny(actor, "student.read", student_id)
    require(actor, MANAGE, student, object_type="student", object_id=student_id)
    credential = LocalCredential.get_or_none(LocalCredential.user == student.user_id) if student.user_id else None
    if credential is None:
        flash(_("У этого учащегося ещё нет логина: выдайте логины классу."), "error")
    return student, credential


@bp.route("/students/<int:student_id>/reset", methods=["POST"])
@roles_required("school_admin")
def reset_student(student_id):
    """A new temporary password for one student, under the same age rules as the class's slips."""
    student, credential = _student_and_credential(student_id)
    if credential is None:
        return redirect(url_for("auth_local.classes"))
    verdict = age_verdicts([student])[student.id]
    despite_rules = request.form.get("despite_age_rules") == "1"
    back = (url_for("auth_local.class_credentials", class_id=student.school_class_id) if student.school_class_id
            else url_for("auth_local.classes"))
    if not may_issue(verdict, despite_rules):
        audit("credentials.reset", "student", student.id, result="refused", details={"age_rules": verdict})
        flash(_("%(name)s: новый пароль не выдан. %(why)s", name=student.full_name, why=verdict_text(verdict)),
              "info")
        return redirect(back)
    password = credentials.reset(credential, current_actor().id)
    details = {"age_rules": verdict}
    if verdict not in MAY_ISSUE:
        details["despite_age_rules"] = True
    audit("credentials.reset", "student", student.id, details=details)
    credential = LocalCredential.get_by_id(credential.id)
    slip = credentials.Slip(student, credential.login, password, credential.expires_at)
    school_class = service("registries").classes([student.school_class_id]).get(student.school_class_id)
    return render_template("auth_local/slips.html", school_class=school_class, slips=[slip])


@bp.route("/staff/<int:staff_id>/issue", methods=["POST"])
@roles_required("school_admin", "municipality", "operator")
def issue_staff(staff_id):
    """A login (kept if there is one) and a new temporary password for an employee, shown once on a slip."""
    actor = current_actor()
    staff = service("registries").staff_members([staff_id]).get(staff_id)
    if staff is None or staff.user_id is None:
        abort(404)
    require(actor, ISSUE_STAFF, staff, object_type="staff", object_id=staff_id)
    login, password = credentials.issue_for_user(User.get_by_id(staff.user_id), None, actor.id)
    audit("credentials.issue", "staff", staff.id)
    credential = LocalCredential.get(LocalCredential.login == login)
    return render_template("auth_local/staff_slip.html", staff=staff, login=login, password=password,
                           expires_at=credential.expires_at)


@bp.route("/students/<int:student_id>/unlock", methods=["POST"])
@roles_required("school_admin")
def unlock_student(student_id):
    student, credential = _student_and_credential(student_id)
    if credential is None:
        return redirect(url_for("auth_local.classes"))
    throttle.lift_lock(credential)
    audit("credentials.unlock", "student", student.id)
    flash(_("Блокировка входа снята: %(name)s может снова войти.", name=student.full_name), "success")
    if student.school_class_id:
        return redirect(url_for("auth_local.class_credentials", class_id=student.school_class_id))
    return redirect(url_for("auth_local.classes"))
