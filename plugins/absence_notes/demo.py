"""The absence notes of the demo region: a few pending notices the school's staff can open and decide.

From the family whose logins the demo prints (``registries.featured["parent"]``):
an illness notice for the first child covering the last two school days, and,
for a second child, a family notice for a day next week. One more pending notice
comes from another family of the same school, so the class teachers' and the
deputy's lists are not about one family only. Nothing is decided: accepting is
left to the person trying the demo.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from core.api import User, service
from plugins.absence_notes.models import AbsenceNote


def school_days_before(today: dt.date, count: int) -> list[dt.date]:
    """The ``count`` weekdays before ``today``, oldest first."""
    days, day = [], today
    while len(days) < count:
        day -= dt.timedelta(days=1)
        if day.weekday() < 5:
            days.append(day)
    return sorted(days)


def note_for(student: Any, parent_user_id: int, starts: dt.date, ends: dt.date, reason: str, comment: str) -> None:
    AbsenceNote.create(student_id=student.id, school_id=student.school_id, class_id=student.school_class_id,
                       parent_user_id=parent_user_id, starts_on=starts, ends_on=ends, reason=reason, comment=comment)


def generate(demo) -> None:
    """Add the pending notices described in the module docstring."""
    reg = service("registries")
    featured = demo.shared["registries.featured"]["parent"]
    parent = reg.parents([featured])[featured]
    if parent.user_id is None:
        return
    children = [c for c in reg.children_of(User.get_by_id(parent.user_id)) if c.school_class_id is not None]
    last_two = school_days_before(demo.today, 2)
    next_monday = demo.today + dt.timedelta(days=7 - demo.today.weekday())
    if children:
        note_for(children[0], parent.user_id, last_two[0], last_two[1], "illness",
                 "Температура, были у врача. Справку принесём, когда выздоровеет.")
    if len(children) > 1:
        note_for(children[1], parent.user_id, next_monday, next_monday, "family",
                 "Семейные обстоятельства: выезжаем к бабушке, вернёмся вечером.")
    if not children:
        return
    schoolmates = [s for s in reg.find_students(reg.student_condition(school_ids=[children[0].school_id])
                                                & reg.active_consent_condition()) if s.school_class_id is not None]
    parents = reg.parents_of(s.id for s in schoolmates)
    # one entry per other parent with an account, as the notice's sender is drawn from them
    others = [s for s in sorted(schoolmates, key=lambda s: s.id)
              for p in parents.get(s.id, []) if p.user_id is not None and p.id != parent.id][:50]
    if others:
        student = demo.random.choice(others)
        sender = min((p for p in parents[student.id] if p.user_id is not None), key=lambda p: p.id)
        note_for(student, sender.user_id, last_two[1], last_two[1], "other",
                 "Был на соревнованиях по лыжным гонкам, приказ спортшколы приложить не успели.")
