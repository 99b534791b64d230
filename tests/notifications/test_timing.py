"""When notifications go: a digest at the chosen hour holds every mark entered since the last; quiet hours wait."""

from __future__ import annotations

import datetime as dt

from core.api import database
from plugins.gradebook import journal
from plugins.gradebook.models import Lesson
from plugins.notifications.models import Delivery


def _save(client, world, lesson, student, value):
    response = client.post(f"/journal/{world.maths_5a.id}?period={world.period.id}",
                           data={f"c-{lesson.id}-{student.id}": value})
    assert response.status_code == 302


def _utc(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """Naive UTC of a Moscow (UTC+3, the test region's zone) wall-clock time."""
    return dt.datetime.combine(day, dt.time(hour, minute)) - dt.timedelta(hours=3)


def test_a_digest_at_the_chosen_hour_holds_every_mark_entered_since_the_last_one(
        app, world, as_, subscribe, run_worker, smtp, bot):
    today = world.today
    subscribe(world.parent, email="mama@example.test", webhook=True, mode="digest", digest_hour=19,
              last_digest_at=_utc(today - dt.timedelta(days=1), 19))
    teacher = as_(world.teacher)
    lessons = world.maths_lessons
    _save(teacher, world, lessons[-1], world.a1, "5")
    _save(teacher, world, lessons[-2], world.a1, "3")
    _save(teacher, world, lessons[-1], world.a1, "4")  # corrected the same evening

    held = run_worker(_utc(today, 18, 59))
    assert (held.fanned_out, held.sent) == (3, 0) and smtp.messages == [] and bot.received == []

    first = run_worker(_utc(today, 19, 0))
    assert (first.digests, first.sent, first.messages) == (6, 6, 2)
    [mail] = smtp.messages
    assert mail["Subject"] == "Сводка за день: Пётр"
    text = smtp.texts()[0]
    assert text.count("•") == 3
    assert "новая отметка 5" in text and "новая отметка 3" in text and "исправлена: 5 → 4" in text
    [hook] = bot.accepted()
    assert hook["valid"] and hook["json"]["digest"] is True and len(hook["json"]["events"]) == 3

    with app.app_context(), database.connection_context():  # entered after the digest hour: the next digest's
        lesson = Lesson.get_by_id(lessons[-3].id)
        journal.set_mark(lesson, world.a1.id, "2", world.teacher.user_id, now=_utc(today, 19, 30))
    assert run_worker(_utc(today, 21, 0)).sent == 0
    second = run_worker(_utc(today + dt.timedelta(days=1), 19, 5))
    assert (second.sent, second.messages) == (2, 2)
    assert smtp.texts()[1].count("•") == 1 and "новая отметка 2" in smtp.texts()[1]
    assert run_worker(_utc(today + dt.timedelta(days=1), 20, 0)).sent == 0  # nothing twice


def test_instant_notifications_wait_through_quiet_hours_in_the_regions_time_zone(
        app, world, as_, subscribe, run_worker, smtp):
    today = world.today
    subscribe(world.parent, email="mama@example.test", quiet_from=22, quiet_to=7)
    _save(as_(world.teacher), world, world.maths_lessons[-1], world.a1, "5")
    late = run_worker(_utc(today, 23, 30))
    assert (late.sent, late.deferred) == (0, 1) and smtp.messages == []
    with app.app_context():
        assert Delivery.get().due_at == _utc(today + dt.timedelta(days=1), 7)
    assert run_worker(_utc(today + dt.timedelta(days=1), 6, 59)).sent == 0
    assert run_worker(_utc(today + dt.timedelta(days=1), 7, 0)).sent == 1
    assert len(smtp.messages) == 1
