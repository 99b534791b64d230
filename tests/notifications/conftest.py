"""Fixtures of the notification tests: the gradebook's world, the three real receivers, a worker pass."""

from __future__ import annotations

import pytest

from core.api import database, utcnow
from plugins.notifications import worker
from plugins.notifications.models import NotificationEvent, Preference, PushSubscription
from tests.conftest import BUILTIN_PLUGINS
from tests.gradebook.factories import build_world, user_of
from tests.notifications.receivers import PushService, SmtpInbox, WebhookBot
from tests.support import serve

WEBHOOK_SECRET = "test-webhook-secret-0123456789"


@pytest.fixture
def smtp():
    inbox = SmtpInbox().start()
    yield inbox
    inbox.stop()


@pytest.fixture
def push_service():
    service = PushService()
    server, service.url = serve(service)
    yield service
    server.shutdown()
    server.server_close()


@pytest.fixture
def bot():
    receiver = WebhookBot(WEBHOOK_SECRET)
    server, receiver.url = serve(receiver)
    yield receiver
    server.shutdown()
    server.server_close()


@pytest.fixture
def app(make_app, smtp, bot, monkeypatch):
    monkeypatch.setenv("ESCHOOL_TEST_WEBHOOK_SECRET", WEBHOOK_SECRET)
    return make_app(BUILTIN_PLUGINS + ["notifications"], sections={"notifications": {
        "public_url": "http://school.test", "smtp_host": "127.0.0.1", "smtp_port": smtp.port,
        "sender": "noreply@school.test", "vapid_subject": "mailto:admin@school.test",
        "webhook_url": f"{bot.url}/hook", "webhook_secret": {"env": "ESCHOOL_TEST_WEBHOOK_SECRET"},
        "retry_seconds": 60, "max_attempts": 3,
    }})


@pytest.fixture
def world(app):
    """The gradebook's test world; the marks it was built with are history, not news."""
    built = build_world(app)
    with app.app_context(), database.connection_context():
        NotificationEvent.update(fanned_out_at=utcnow()).where(NotificationEvent.fanned_out_at.is_null()).execute()
    return built


@pytest.fixture
def as_(app, login):
    """``as_(person)`` → a fresh test client logged in as that registry person."""

    def do(person):
        client = app.test_client()
        with app.app_context():
            user = user_of(person)
        login(client, user)
        return client

    return do


@pytest.fixture
def run_worker(app):
    """One worker pass at ``now`` (default: the clock), in a fresh app context as the command does."""

    def run(now=None):
        with app.app_context(), database.connection_context():
            return worker.run_once(now or utcnow(), "test")

    return run


@pytest.fixture
def subscribe(app, push_service):
    """``subscribe(person, email=..., push=True, webhook=True, **prefs)`` → the person's Preference."""

    def do(person, *, email="", push=False, webhook=False, **prefs):
        with app.app_context():
            user_id = person.user_id
            if push:
                sub = push_service.browser(f"u{user_id}").subscription()
                PushSubscription.create(user_id=user_id, endpoint=sub["endpoint"], p256dh=sub["keys"]["p256dh"],
                                        auth=sub["keys"]["auth"])
            return Preference.create(user_id=user_id, email=email, email_on=bool(email), push_on=push,
                                     webhook_on=webhook, webhook_handle=f"tg-{user_id}", **prefs)

    return do
