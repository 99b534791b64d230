"""A teacher saves a mark through the journal → an e-mail, a push and a webhook arrive; policy can stop all three."""

from __future__ import annotations

import datetime as dt

from core.api import database
from core.models import AuditRecord, User
from plugins.gradebook.models import Mark
from plugins.notifications.models import Delivery, NotificationEvent
from tests.support import registry_tables


def _save(client, world, lesson, student, value):
    response = client.post(f"/journal/{world.maths_5a.id}?period={world.period.id}",
                           data={f"c-{lesson.id}-{student.id}": value})
    assert response.status_code == 302, response.get_data(as_text=True)


def _lesson(world):
    return world.maths_lessons[-1]


def test_a_saved_mark_reaches_email_push_and_webhook_and_a_correction_says_old_to_new(
        app, world, as_, subscribe, run_worker, smtp, push_service, bot):
    subscribe(world.parent, email="mama@example.test", push=True, webhook=True)
    teacher = as_(world.teacher)
    lesson = _lesson(world)
    _save(teacher, world, lesson, world.a1, "5")

    result = run_worker()
    assert (result.fanned_out, result.sent, result.messages) == (1, 3, 3)

    assert len(smtp.messages) == 1
    mail = smtp.messages[0]
    assert mail["To"] == "mama@example.test"
    assert "Пётр" in mail["Subject"]
    text = smtp.texts()[0]
    day = f"{lesson.date.day} "
    assert "Математика: новая отметка 5 (Ответ на уроке) за урок " + day in text
    unsubscribe = mail["List-Unsubscribe"].strip("<>")
    assert unsubscribe.startswith("http://school.test/notifications/unsubscribe/") and unsubscribe in text
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    [push] = push_service.received
    assert push["payload"]["title"] == mail["Subject"]
    assert "новая отметка 5" in push["payload"]["body"]
    assert push["payload"]["url"] == f"/progress/{world.a1.id}"
    assert push["vapid"]["sub"] == "mailto:admin@school.test"
    with app.app_context():
        from plugins.notifications.worker import vapid_key

        assert push["vapid"]["k"] == vapid_key().application_server_key

    [hook] = bot.accepted()
    assert hook["valid"] is True
    assert hook["json"]["recipient"] == {"user_id": world.parent.user_id, "handle": f"tg-{world.parent.user_id}"}
    assert hook["json"]["events"][0]["child"] == "Пётр" and hook["json"]["events"][0]["kind"] == "mark"

    _save(teacher, world, lesson, world.a1, "4")
    assert run_worker().sent == 3
    assert "исправлена: 5 → 4" in smtp.texts()[1]
    assert "исправлена: 5 → 4" in push_service.received[1]["payload"]["body"]
    assert "исправлена: 5 → 4" in bot.accepted()[1]["json"]["events"][0]["text"]

    with app.app_context():
        sent = AuditRecord.select().where(AuditRecord.action == "notification.sent")
        assert sent.count() == 6
        assert {r.object_id for r in sent} == {str(world.a1.id)}


def test_messages_carry_no_snils_and_nothing_about_another_child(app, world, as_, subscribe, run_worker, smtp, bot):
    subscribe(world.parent, email="mama@example.test", webhook=True)
    lesson = _lesson(world)
    teacher = as_(world.teacher)
    _save(teacher, world, lesson, world.a1, "3")
    _save(teacher, world, lesson, world.a2, "2")  # another family's child, same lesson
    run_worker()
    with app.app_context():
        snils = {p.snils for p in (world.parent, world.parent2, world.other_parent)}
    everything = "\n".join(smtp.texts()) + repr([r["json"] for r in bot.received])
    assert "Пётр" in everything
    for leaked in ("Сергей", "Петров", "Иванов", *snils):
        assert leaked not in everything
    assert len(smtp.messages) == 1


def test_entry_time_not_lesson_date_is_what_counts(app, world, as_, subscribe, run_worker, smtp):
    """A mark for a lesson three weeks ago, entered today, is news today."""
    subscribe(world.parent, email="mama@example.test")
    old_lesson = world.maths_lessons[0]
    _save(as_(world.teacher), world, old_lesson, world.a2, "4")  # not our child: nothing
    _save(as_(world.teacher), world, world.maths_lessons[-3], world.a1, "5")
    run_worker()
    with app.app_context():
        event = (NotificationEvent.select().where(NotificationEvent.student_id == world.a1.id)
                 .order_by(NotificationEvent.id.desc()).first())
        mark = Mark.get_by_id(event.object_id)
        assert event.entered_at == mark.entered_at
        assert event.entered_at.date() == dt.date.today() != mark.lesson_date
    assert len(smtp.messages) == 1


def _revoke_consent(app, world):
    with app.app_context(), database.connection_context():

        reg = registry_tables()
        reg.Consent.update(revoked_at=dt.datetime.now(dt.UTC).replace(tzinfo=None)).where(
            reg.Consent.subject_student == world.a1.id).execute()


def _end_link(app, world):
    with app.app_context(), database.connection_context():

        reg = registry_tables()
        reg.ParentLink.update(ended_at=dt.datetime.now(dt.UTC).replace(tzinfo=None)).where(
            (reg.ParentLink.student == world.a1.id) & (reg.ParentLink.parent == world.parent.id)).execute()


def _block(app, world):
    with app.app_context(), database.connection_context():
        User.update(is_blocked=True).where(User.id == world.parent.user_id).execute()


def test_revoked_consent_ended_link_or_blocked_account_stops_all_three_channels_at_send_time(
        app, world, as_, subscribe, run_worker, smtp, push_service, bot):
    subscribe(world.parent, email="mama@example.test", push=True, webhook=True)
    teacher = as_(world.teacher)
    lessons = world.maths_lessons
    for stop, lesson in zip((_revoke_consent, _end_link, _block), lessons[-3:], strict=True):
        _save(teacher, world, lesson, world.a1, "5")
        with app.app_context(), database.connection_context():
            from plugins.notifications import outbox

            assert outbox.fan_out(dt.datetime.now(dt.UTC).replace(tzinfo=None), 100) == 1  # queued while allowed
        stop(app, world)
        result = run_worker()
        assert (result.sent, result.stopped) == (0, 3), stop.__name__
        with app.app_context():
            assert AuditRecord.select().where(AuditRecord.action == "notification.stopped").count() % 3 == 0
        _restore(app, world)
    assert smtp.messages == [] and push_service.received == [] and bot.received == []
    with app.app_context():
        assert Delivery.select().where(Delivery.status == "stopped").count() == 9


def _restore(app, world):
    with app.app_context(), database.connection_context():

        reg = registry_tables()
        reg.Consent.update(revoked_at=None).where(reg.Consent.subject_student == world.a1.id).execute()
        reg.ParentLink.update(ended_at=None).where(reg.ParentLink.student == world.a1.id).execute()
        User.update(is_blocked=False).where(User.id == world.parent.user_id).execute()


def test_a_revoked_consent_before_the_worker_runs_sends_nothing_and_the_next_mark_after_restoring_does(
        app, world, as_, subscribe, run_worker, smtp, push_service, bot):
    subscribe(world.parent, email="mama@example.test", push=True, webhook=True)
    teacher = as_(world.teacher)
    _save(teacher, world, world.maths_lessons[-1], world.a1, "5")
    _revoke_consent(app, world)
    assert run_worker().sent == 0
    assert smtp.messages == [] and push_service.received == [] and bot.received == []
    _restore(app, world)
    _save(teacher, world, world.maths_lessons[-2], world.a1, "4")
    assert run_worker().sent == 3
    assert len(smtp.messages) == 1 and "новая отметка 4" in smtp.texts()[0] and "5" not in smtp.texts()[0].split(
        "новая отметка 4")[0].split("•")[-1]
