"""At least once, never twice: retries with backoff, a repeated fan-out, a crash after sending, several workers."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from core.api import database, utcnow
from core.models import AuditRecord
from plugins.gradebook import journal
from plugins.gradebook.models import Lesson
from plugins.notifications import outbox, worker
from plugins.notifications.models import Delivery, NotificationEvent
from tests.conftest import PG_ADMIN_URL


def _mark(app, world, lesson_index, value, student=None):
    with app.app_context(), database.connection_context(), database.atomic():
        lesson = Lesson.get_by_id(world.maths_lessons[lesson_index].id)
        journal.set_mark(lesson, (student or world.a1).id, value, world.teacher.user_id)


def test_a_failed_webhook_is_retried_with_backoff_under_the_same_delivery_id(app, world, subscribe, run_worker, bot):
    subscribe(world.parent, webhook=True)
    _mark(app, world, -1, "5")
    bot.fail_next = 1
    t0 = utcnow()
    first = run_worker(t0)
    assert (first.sent, first.retried) == (0, 1)
    assert run_worker(t0 + dt.timedelta(seconds=59)).sent == 0  # retry_seconds = 60: not yet
    second = run_worker(t0 + dt.timedelta(seconds=60))
    assert second.sent == 1
    failed, ok = bot.received
    assert failed["answered"] == 503 and ok["answered"] == 200
    assert failed["delivery"] == ok["delivery"] and ok["valid"]
    with app.app_context():
        assert Delivery.get().attempts == 2


def test_a_webhook_that_keeps_failing_stops_after_max_attempts_and_is_audited(app, world, subscribe, run_worker, bot):
    subscribe(world.parent, webhook=True)
    _mark(app, world, -1, "5")
    bot.fail_next = 10
    t0 = utcnow()
    waits = [0, 60, 60 + 120]  # 60 s × 2^(attempt−1)
    results = [run_worker(t0 + dt.timedelta(seconds=s)) for s in waits]
    assert [r.retried for r in results] == [1, 1, 0] and results[-1].failed == 1
    assert len(bot.received) == 3  # max_attempts = 3
    assert run_worker(t0 + dt.timedelta(days=1)).busy is False
    with app.app_context():
        assert Delivery.get().status == "failed"
        assert AuditRecord.select().where(AuditRecord.action == "notification.failed").count() == 1


def test_a_repeated_fan_out_makes_no_second_delivery(app, world, subscribe, run_worker, smtp):
    subscribe(world.parent, email="mama@example.test")
    _mark(app, world, -1, "5")
    assert run_worker().sent == 1
    with app.app_context(), database.connection_context():
        latest = NotificationEvent.select(NotificationEvent.id).order_by(NotificationEvent.id.desc()).limit(1)
        # as if the worker had died before marking the event done
        NotificationEvent.update(fanned_out_at=None).where(NotificationEvent.id.in_(latest)).execute()
        assert outbox.fan_out(utcnow(), 100) == 1
        assert Delivery.select().count() == 1
    assert run_worker().sent == 0
    assert len(smtp.messages) == 1


def test_a_crash_after_sending_sends_again_after_the_lease_with_the_same_message_id(
        app, world, subscribe, run_worker, smtp, monkeypatch):
    subscribe(world.parent, email="mama@example.test")
    _mark(app, world, -1, "5")
    crash = RuntimeError("worker killed between sending and recording")

    def die(*args, **kwargs):
        raise crash

    with monkeypatch.context() as patched:
        patched.setattr(worker, "_record", die)
        with pytest.raises(RuntimeError):
            run_worker()
    assert len(smtp.messages) == 1
    now = utcnow()
    assert run_worker(now).sent == 0  # the lease still holds: no second worker takes it
    after = run_worker(now + dt.timedelta(seconds=301))
    assert after.sent == 1
    assert len(smtp.messages) == 2
    assert smtp.messages[0]["Message-ID"] == smtp.messages[1]["Message-ID"]
    assert run_worker(now + dt.timedelta(seconds=700)).sent == 0


def test_two_workers_side_by_side_deliver_each_notification_exactly_once(app, world, subscribe, bot, smtp):
    subscribe(world.parent, email="mama@example.test", webhook=True)
    subscribe(world.other_parent, webhook=True)
    with app.app_context(), database.connection_context(), database.atomic():
        for lesson in world.maths_lessons[3:]:
            for student in (world.a1, world.a2):
                journal.set_mark(Lesson.get_by_id(lesson.id), student.id, "4", world.teacher.user_id)
    expected_events = 2 * len(world.maths_lessons[3:])
    start = threading.Barrier(2)
    results, errors = [], []

    def work(name):
        try:
            start.wait()
            with app.app_context(), database.connection_context():
                for _ in range(3):
                    results.append(worker.run_once(utcnow(), name))
        except Exception as exc:  # reported below, never lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(r.fanned_out for r in results) == expected_events
    deliveries = [r["delivery"] for r in bot.accepted()]
    assert len(deliveries) == expected_events == len(set(deliveries))
    assert len(smtp.messages) == expected_events // 2


@pytest.mark.skipif(not PG_ADMIN_URL, reason="SKIP LOCKED is PostgreSQL's; SQLite runs one worker")
def test_on_postgresql_a_worker_skips_rows_another_worker_holds(app, world, subscribe):
    subscribe(world.parent, webhook=True)
    for index in (-1, -2, -3):
        _mark(app, world, index, "5")
    with app.app_context(), database.connection_context():
        outbox.fan_out(utcnow(), 100)
        ids = [d.id for d in Delivery.select().order_by(Delivery.id)]
    held = threading.Event()
    release = threading.Event()

    def other_worker():
        with app.app_context(), database.connection_context(), database.atomic():
            list(Delivery.select().where(Delivery.id == ids[0]).for_update())
            held.set()
            release.wait(30)

    thread = threading.Thread(target=other_worker)
    thread.start()
    assert held.wait(30)
    try:
        with app.app_context(), database.connection_context():
            claimed = worker.claim(utcnow(), 100, "mine")
    finally:
        release.set()
        thread.join()
    assert sorted(d.id for d in claimed) == ids[1:]
