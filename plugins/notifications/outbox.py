"""The outbox: journal changes written as events in the change's own transaction, then fanned out.

``record`` runs inside ``change_recorded`` (no network, one insert). ``fan_out``
runs in the worker: it takes a batch of events (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so several workers never take the same one), asks the gradebook what
each is about, finds who wants to hear of it, and writes one ``Delivery`` per
recipient, channel and target under a unique key — a repeat writes nothing new.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from typing import Any

import peewee

from core.api import Change, User, database, service, settings
from plugins.notifications.messages import EVENT_KINDS
from plugins.notifications.models import Delivery, NotificationEvent, Preference, PushSubscription
from plugins.notifications.timing import local_date

# (kind, field) of the changes families are told about
TOLD = {("mark", "value"), ("grade", "value"), ("attendance", "code"), ("lesson", "homework")}


def record(change: Change) -> None:
    """Write ``change`` into the outbox if it is something families are told about."""
    if change.source != "gradebook" or (change.kind, change.field) not in TOLD:
        return
    if change.kind in ("attendance", "lesson") and not change.new:
        return  # a cleared absence or homework is not news
    NotificationEvent.insert(
        source=change.source, kind=change.kind, field=change.field, object_id=change.object_id,
        old=change.old[:1000], new=change.new[:1000], student_id=change.person_id,
        lesson_id=change.context.get("lesson_id"), assignment_id=change.context.get("assignment_id"),
        entered_at=change.at, entered_by=change.by,
    ).execute()


def skip_locked(query: peewee.ModelSelect) -> peewee.ModelSelect:
    """Lock the selected rows, skipping rows another worker holds (PostgreSQL); SQLite has one writer anyway."""
    if isinstance(database.obj, peewee.PostgresqlDatabase):
        return query.for_update(skip_locked=True)
    return query


def adult(student: Any, today: dt.date, age: int) -> bool:
    born = student.birth_date
    if born is None:
        return False
    return (today.year - born.year - ((today.month, today.day) < (born.month, born.day))) >= age


def recipients(student_ids: set[int], today: dt.date) -> dict[int, set[int]]:
    """student id → user ids told about them: parents with an active link, and the student if adult."""
    reg = service("registries")
    out: dict[int, set[int]] = defaultdict(set)
    if not student_ids:
        return out
    for student_id, parents in reg.parents_of(student_ids).items():
        out[student_id].update(p.user_id for p in parents if p.user_id is not None)
    age = settings("notifications")["adult_student_age"]
    for student in reg.students(student_ids).values():
        if student.user_id is not None and adult(student, today, age):
            out[student.id].add(student.user_id)
    return out


def _details(events: list[NotificationEvent]) -> list[Any]:
    gradebook = service("gradebook")
    refs = [(e.kind, e.object_id, e.new, {"lesson_id": e.lesson_id, "assignment_id": e.assignment_id})
            for e in events]
    return gradebook.describe_changes(refs) if refs else []


def fan_out(now: dt.datetime, limit: int) -> int:
    """Turn up to ``limit`` outbox events into deliveries, in one short transaction; returns the count."""
    with database.atomic():
        events = list(skip_locked(NotificationEvent.select().where(NotificationEvent.fanned_out_at.is_null())
                                  .order_by(NotificationEvent.id).limit(limit)))
        if not events:
            return 0
        details = _details(events)
        per_event = {}
        for event, info in zip(events, details, strict=True):
            if event.kind == "attendance" and not info.is_absence:
                students = set()
            elif event.kind == "lesson":
                students = set(info.student_ids)
            else:
                students = {event.student_id} if event.student_id else set()
            per_event[event.id] = (info, students)
        who = recipients(set().union(*(s for _, s in per_event.values())), local_date(now))
        users = {u for group in who.values() for u in group}
        prefs = {p.user_id: p for p in Preference.select().where(Preference.user_id.in_(list(users) or [0]))}
        live = {u.id for u in User.select(User.id).where(User.id.in_(list(prefs) or [0]) & ~User.is_blocked)}
        pushes = defaultdict(list)
        for sub in PushSubscription.select().where(PushSubscription.user_id.in_(list(prefs) or [0])):
            pushes[sub.user_id].append(str(sub.id))
        rows = []
        for event in events:
            info, students = per_event[event.id]
            event.details = json.dumps(_jsonable(info), ensure_ascii=False)
            for student_id in students:
                for user_id in who.get(student_id, ()):
                    pref = prefs.get(user_id)
                    if pref is None or user_id not in live or EVENT_KINDS[event.kind] not in pref.kind_set:
                        continue
                    status = "held" if pref.mode == "digest" else "pending"
                    for channel in pref.channels():
                        for target in (pushes[user_id] if channel == "push" else [""]):
                            rows.append({"event": event.id, "user_id": user_id, "student_id": student_id,
                                         "channel": channel, "target": target, "status": status, "due_at": now,
                                         "created_at": now})
        for start in range(0, len(rows), 500):
            Delivery.insert_many(rows[start:start + 500]).on_conflict_ignore().execute()
        for event in events:
            NotificationEvent.update(fanned_out_at=now, details=event.details).where(
                NotificationEvent.id == event.id).execute()
        return len(events)


def _jsonable(info: Any) -> dict[str, Any]:
    return {"subject": info.subject, "lesson_date": info.lesson_date.isoformat() if info.lesson_date else None,
            "work_type": info.work_type, "period": info.period, "code_name": info.code_name,
            "due_on": info.due_on.isoformat() if info.due_on else None}
