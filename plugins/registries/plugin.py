"""Hook implementations of the registries plugin."""

from __future__ import annotations

from core.api import (
    AuditRecord,
    JobKind,
    LoginRefused,
    NavItem,
    Param,
    Relation,
    Scope,
    _,
    hookimpl,
    lazy_gettext,
    link_identity,
    migrations_from_package,
    prepared,
)
from plugins.registries import access, audit_log
from plugins.registries import models as m
from plugins.registries import snils as snils_rules
from plugins.registries.schemas import Settings
from plugins.registries.service import (
    FAMILY_ROLES,
    active_consent_for_student,
    linked_student_ids,
    make_service,
    person_row,
    school_ids_of,
    staff_row,
)

service = make_service()


@hookimpl
def config_schema():
    return Settings


@hookimpl
def plugin_requires():
    return []


@hookimpl
def models():
    return [*m.REGISTRY_MODELS, *m.STAGING_MODELS]


@hookimpl
def migrations():
    return migrations_from_package("plugins.registries.migrations")


@hookimpl
def services():
    return {"registries": service}


@prepared
def _linked_children():
    return linked_student_ids(Param("user")).tuples()


@hookimpl
def actor_relations(actor):
    if not actor.is_authenticated:
        return None
    user = actor.user
    if user.role == "parent":
        return [Relation("child", "student", sid) for (sid,) in _linked_children(user=user.id)]
    if user.role == "student":
        student = person_row(user)
        return [Relation("self", "student", student.id)] if student else []
    staff = staff_row(user)
    if staff is None:
        return []
    if staff.school_id is not None:
        return [Relation("school_staff", "school", staff.school_id)]
    if staff.municipality_id is not None:
        return [Relation("municipality_staff", "municipality", staff.municipality_id)]
    return []


@hookimpl(trylast=True)
def resolve_identity(identity):
    """First login through a provider that proves SNILS: SNILS → Parent (or Student) → User.

    Runs after the core's "already linked" lookup. On success the provider's
    subject is linked, so later logins resolve directly.
    """
    if not identity.snils:
        return None
    digits = snils_rules.normalize(identity.snils)
    parent = m.Parent.get_or_none(m.Parent.snils == digits)
    student = m.Student.get_or_none(m.Student.snils == digits)
    if parent is not None and student is not None:
        raise LoginRefused(
            _("Вход не выполнен: ваш СНИЛС записан в школе и как у родителя, и как у учащегося. "
              "Сообщите об этом администратору школы, чтобы он исправил реестр."),
            "ambiguous_snils",
        )
    person = parent or student
    if person is None:
        raise LoginRefused(
            _("Вход не выполнен: школа ещё не внесла вас в реестр «Родители» с вашим СНИЛС. "
              "Обратитесь к администратору школы: он должен внести вас в реестр «Родители» "
              "со СНИЛС и связать с ребёнком (шаг 2), а затем создать вам пользователя (шаг 3)."),
            "not_in_registry",
        )
    if person.user_id is None:
        raise LoginRefused(
            _("Вход не выполнен: вы есть в реестре школы, но вам ещё не создан пользователь "
              "(шаг 3). Обратитесь к администратору школы."),
            "no_user",
        )
    user = person.user
    link_identity(user, identity)
    return user


@hookimpl
def policy_scope(actor, action, model):
    if not actor.is_authenticated:
        return None
    if action == "audit.read":
        return audit_log.scope(actor) if model is AuditRecord else None
    if action.startswith("registry."):
        return access.registry_scope(actor, action, model)
    if action.startswith(("org.", "staff.")):
        return access.org_scope(actor, action, model)
    if model is not m.Student:
        return None
    role = actor.role
    # A plugin gives one Scope per call, so the family's allow carries the consent condition itself.
    if action == "progress.read":  # the family's pages: the condition's SQL is the same for every family
        user = Param("registries_user", actor.id)
        if role == "parent":
            return Scope.allow(m.Student.id.in_(linked_student_ids(user)) & active_consent_for_student(),
                               "a parent sees linked children with an active consent", params=[user])
        if role == "student":
            return Scope.allow((m.Student.user == user) & active_consent_for_student(),
                               "a student sees themself with an active consent", params=[user])
    if role in FAMILY_ROLES:
        if action.startswith("progress."):
            return Scope.restrict(active_consent_for_student(), "only with an active consent")
        return None
    if role in ("deputy", "school_admin") and (action.startswith("student.") or action == "progress.read"):
        return Scope.allow(m.Student.school.in_(school_ids_of(actor.user)), "staff of the student's school")
    return None


@hookimpl
def permission(actor, action, resource):
    if not actor.is_authenticated:
        return None
    if action == "audit.read":
        return audit_log.permission(actor, action)
    if action.startswith(("org.", "staff.")):
        return access.org_permission(actor, action, resource)
    return access.registry_permission(actor, action, resource)


@hookimpl
def nav_items(actor):
    if not actor.is_authenticated:
        return None
    role = actor.role
    if role == "school_admin":
        return [
            NavItem(lazy_gettext("Обучающиеся"), "registries.students", order=200),
            NavItem(lazy_gettext("Родители"), "registries.parents", order=210),
            NavItem(lazy_gettext("Классы"), "registries.classes", order=220),
            NavItem(lazy_gettext("Сотрудники"), "registries.staff_list", order=225),
            NavItem(lazy_gettext("Импорт и экспорт"), "registries.import_page", order=230),
            NavItem(lazy_gettext("Готовность к услуге"), "registries.readiness", order=240),
        ]
    if role in FAMILY_ROLES:
        return [NavItem(lazy_gettext("Мои данные"), "registries.my_card", order=800)]
    readiness = NavItem(lazy_gettext("Готовность к услуге"), "registries.readiness", order=240)
    if role == "operator":
        return [NavItem(lazy_gettext("Муниципалитеты"), "registries.municipalities", order=200),
                NavItem(lazy_gettext("Школы"), "registries.schools", order=210), readiness]
    if role == "municipality":
        return [NavItem(lazy_gettext("Школы"), "registries.schools", order=210), readiness]
    if role in access.READINESS_ROLES:
        return [readiness]
    return None


@hookimpl
def audit_vocabulary():
    return audit_log.VOCABULARY


@hookimpl
def audit_names(actor, object_type, object_ids):
    return audit_log.names(actor, object_type, object_ids)


@hookimpl
def audit_about(object_type, object_id):
    return audit_log.about(object_type, object_id)


@hookimpl
def blueprints():
    # the pages, by audience, each adding its routes to the one blueprint of views.py
    from plugins.registries import (  # noqa: F401
        family_views,
        import_views,
        org_views,
        readiness_views,
        register_views,
    )
    from plugins.registries.views import bp

    return [bp]


@hookimpl
def cli_commands():
    from plugins.registries.cli import registries_group

    return [registries_group]


@hookimpl
def demo_data(demo):
    from plugins.registries.demo import generate

    generate(demo)


@hookimpl
def job_kinds():
    """A registries import: a file of thousands of rows is checked and written outside the request."""
    from plugins.registries.import_views import run_import, show_import

    return [JobKind("registries.import", lazy_gettext("Загрузка реестров"), run_import, personal=True,
                    back=lambda params: ("registries.import_page", {}), show=show_import)]
