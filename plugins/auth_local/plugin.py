"""Hook implementations of the auth_local plugin."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from core.api import (
    AuditVocabulary,
    ConfigError,
    JobKind,
    LoginMethod,
    NavItem,
    Scope,
    User,
    allow,
    core_settings,
    hookimpl,
    migrations_from_package,
    service,
    settings,
)
from core.api import (
    lazy_gettext as _l,
)
from plugins.auth_local import credentials, passwords, throttle
from plugins.auth_local.models import AUTH_LOCAL_MODELS, LocalCredential
from plugins.auth_local.schemas import Settings

MANAGE = "credentials.manage"
ISSUE_STAFF = "credentials.issue_staff"


@hookimpl
def config_schema():
    return Settings


@hookimpl
def plugin_requires():
    return ["registries"]


@hookimpl
def models():
    return AUTH_LOCAL_MODELS


@hookimpl
def migrations():
    return migrations_from_package("plugins.auth_local.migrations")


@hookimpl
def blueprints():
    from plugins.auth_local.views import bp

    return [bp]


@hookimpl
def app_ready(app):
    """A production region may not hash passwords below the OWASP minimum."""
    with app.app_context():
        memory, time_cost, parallelism = passwords.hasher_parameters(settings("auth_local"))
        if core_settings()["production"] and not passwords.meets_owasp_minimum(memory, time_cost, parallelism):
            raise ConfigError(
                f"[auth_local] argon2id parameters m={memory} KiB, t={time_cost}, p={parallelism} are below "
                "the OWASP minimum (m=19456 KiB, t=2, p=1); raise hash_memory_kib / hash_time_cost"
            )


@hookimpl
def login_methods():
    return [LoginMethod(
        name="local",
        label=_l("Вход по логину и паролю"),
        template="auth_local/form.html",
        description=_l("Для учащихся, которым школа выдала логин и пароль."),
        order=20,
    )]


@hookimpl
def nav_items(actor):
    if not actor.is_authenticated:
        return None
    items = []
    if actor.role == "school_admin":
        items.append(NavItem(_l("Логины учащихся"), "auth_local.classes", order=300))
    if actor.provider == "local":
        items.append(NavItem(_l("Сменить пароль"), "auth_local.change_password", order=950))
    return items


def _staff_issuer(actor, staff):
    role = User.get_by_id(staff.user_id).role if staff.user_id else None
    if actor.role == "school_admin" and role in ("teacher", "deputy") and _manages_school(actor, staff.school_id):
        return allow("the school admin issues logins to the teachers of their school")
    if actor.role == "municipality" and role == "school_admin" and staff.school_id is not None:
        reg = service("registries")
        school = reg.school(staff.school_id)
        if school is not None and school.municipality_id == reg.municipality_id_of(actor.user):
            return allow("the municipality issues logins to the school admins of its schools")
    if actor.role == "operator" and role in ("school_admin", "municipality"):
        return allow("the region operator issues logins to school admins and municipality staff")
    return None


def _manages_school(actor, school_id) -> bool:
    return actor.role == "school_admin" and school_id in service("registries").school_ids_of(actor.user)


@hookimpl
def permission(actor, action, resource):
    """The school admin manages the credentials of the classes and students of their own school.

    Staff logins (``ISSUE_STAFF``): a school admin for the teachers and deputies of their school,
    the municipality for the school admins of its schools, the operator for school admins and
    municipality accounts.
    """
    if action == ISSUE_STAFF and actor.is_authenticated and resource is not None:
        return _staff_issuer(actor, resource)
    if action != MANAGE or not actor.is_authenticated or resource is None:
        return None
    school_id = getattr(resource, "school_id", None)
    if school_id is not None and _manages_school(actor, school_id):
        return allow("the school admin issues logins for their own school")
    return None


@hookimpl
def policy_scope(actor, action, model):
    reg = service("registries")
    if action != MANAGE or reg is None or reg.kind_of(model) != "class" or not actor.is_authenticated:
        return None
    if actor.role != "school_admin":
        return None
    return Scope.allow(reg.class_condition(school_ids=reg.school_ids_of(actor.user)),
                       "the school admin issues logins for the classes of their own school")


@hookimpl
def cli_commands():
    @click.group("local-login")
    def group():
        """School-issued logins and passwords (auth_local)."""

    @group.command("issue")
    @click.argument("user_id", type=int)
    @click.option("--login", default=None, help="Login to give (a generated one by default).")
    @with_appcontext
    def issue(user_id, login):
        """Give an account a login and a temporary password, printed once (e.g. the first school admin)."""
        user = User.get_or_none(User.id == user_id)
        if user is None:
            raise click.ClickException(f"no user with id {user_id}")
        login, password = credentials.issue_for_user(user, login, None)
        click.echo(f"login: {login}\ntemporary password: {password}")

    @group.command("unlock")
    @click.argument("login")
    @with_appcontext
    def unlock(login):
        """Lift the lock put on a login by too many failed attempts."""
        credential = LocalCredential.get_or_none(LocalCredential.login == credentials.normalize_login(login))
        if credential is None:
            raise click.ClickException(f"no login {login!r}")
        throttle.lift_lock(credential)
        click.echo(f"unlocked {credential.login}")

    return [group]


@hookimpl
def job_kinds():
    """A class's login slips: long (an argon2 hash per child), personal, and readable in one session only."""
    from datetime import timedelta

    from plugins.auth_local.views import run_class_slips

    def back(params):
        return "auth_local.class_credentials", {"class_id": params["class_id"]}

    return [JobKind("auth_local.class_slips", _l("Выдача логинов классу"), run_class_slips,
                    personal=True, same_session=True, keep=timedelta(hours=8), back=back)]


@hookimpl
def demo_data(demo):
    from plugins.auth_local.demo import generate

    generate(demo)


@hookimpl
def audit_vocabulary():
    return AuditVocabulary(
        actions={
            "credentials.issue": _l("выдача школьного логина и временного пароля"),
            "credentials.reset": _l("сброс пароля"),
            "credentials.unlock": _l("снятие блокировки входа"),
            "credentials.view": _l("просмотр школьных логинов класса"),
            MANAGE: _l("управление школьными логинами"),
            ISSUE_STAFF: _l("выдача логинов сотрудникам"),
            "password.change": _l("смена пароля"),
        },
        objects={"local_login": _l("школьный логин")},
    )
