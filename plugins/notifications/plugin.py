"""Hook implementations of the notifications plugin."""

from __future__ import annotations

from core.api import AuditVocabulary, NavItem, hookimpl, lazy_gettext, migrations_from_package
from plugins.notifications.models import NOTIFICATION_MODELS
from plugins.notifications.schemas import Settings


@hookimpl
def config_schema():
    return Settings


@hookimpl
def plugin_requires():
    return ["registries", "gradebook"]


@hookimpl
def models():
    return NOTIFICATION_MODELS


@hookimpl
def migrations():
    return migrations_from_package("plugins.notifications.migrations")


@hookimpl
def change_recorded(change):
    from plugins.notifications.outbox import record

    record(change)


@hookimpl
def audit_vocabulary():
    return AuditVocabulary(actions={
        "notifications.preferences": lazy_gettext("изменение настроек уведомлений"),
        "notifications.push_subscribed": lazy_gettext("подписка браузера на уведомления"),
        "notifications.push_removed": lazy_gettext("отключение уведомлений в браузере"),
        "notifications.unsubscribed": lazy_gettext("отписка от уведомлений по ссылке из письма"),
        "notification.sent": lazy_gettext("уведомление об успеваемости отправлено семье"),
        "notification.stopped": lazy_gettext("уведомление не отправлено (нет права или адреса)"),
    })


@hookimpl
def blueprints():
    from plugins.notifications.views import bp

    return [bp]


@hookimpl
def cli_commands():
    from plugins.notifications.cli import notifications_group

    return [notifications_group]


@hookimpl
def nav_items(actor):
    if not actor.is_authenticated or actor.role not in ("parent", "student"):
        return None
    from plugins.notifications.views import may_subscribe

    if not may_subscribe(actor):
        return None
    return [NavItem(lazy_gettext("Уведомления"), "notifications.index", order=130)]


@hookimpl
def demo_data(demo):
    from plugins.notifications.demo import generate

    generate(demo)
