"""Preferences, push subscriptions, the outbox and deliveries."""

from plugins.notifications.models import NOTIFICATION_MODELS


def upgrade(db):
    db.create_tables(NOTIFICATION_MODELS)
