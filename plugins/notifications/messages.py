"""The words of a notification: one line per journal change, about one child, in the region's language.

A line names the child by first name only and says what changed, keyed on the
entry: a new mark, a corrected one (old → new), a removed one, a period grade,
an absence, homework. Nothing else about the child (no SNILS, no class list,
no other child) ever goes into a message.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from core.api import _, format_day
from plugins.notifications.models import NotificationEvent

# which preference ("what to tell") an outbox event belongs to
EVENT_KINDS = {"mark": "marks", "grade": "grades", "attendance": "absences", "lesson": "homework"}


@dataclass(frozen=True)
class Line:
    """One event as told to one recipient."""

    delivery_id: int
    student_id: int
    child: str
    kind: str
    text: str
    entered_at: dt.datetime


def _day(value: str | None) -> str:
    if not value:
        return ""
    return format_day(dt.date.fromisoformat(value))


def describe(event: NotificationEvent) -> str:
    """The sentence for one event, without the child's name («Математика: 5 (Ответ на уроке) за 23 ноября»)."""
    d: dict[str, Any] = json.loads(event.details or "{}")
    subject, day = d.get("subject", ""), _day(d.get("lesson_date"))
    old, new = event.old, event.new
    if event.kind == "mark":
        if not old:
            work = f" ({d['work_type']})" if d.get("work_type") else ""
            return _("%(subject)s: новая отметка %(new)s%(work)s за урок %(day)s", subject=subject, new=new,
                     work=work, day=day)
        if not new:
            return _("%(subject)s: отметка %(old)s за урок %(day)s удалена", subject=subject, old=old, day=day)
        return _("%(subject)s: отметка за урок %(day)s исправлена: %(old)s → %(new)s", subject=subject, day=day,
                 old=old, new=new)
    if event.kind == "grade":
        period = d.get("period") or _("период")
        if not old:
            return _("%(subject)s: отметка за %(period)s — %(new)s", subject=subject, period=period, new=new)
        if not new:
            return _("%(subject)s: отметка за %(period)s (%(old)s) удалена", subject=subject, period=period, old=old)
        return _("%(subject)s: отметка за %(period)s исправлена: %(old)s → %(new)s", subject=subject,
                 period=period, old=old, new=new)
    if event.kind == "attendance":
        return _("%(subject)s, урок %(day)s: %(name)s", subject=subject, day=day, name=d.get("code_name") or new)
    if event.kind == "lesson":
        due = _day(d.get("due_on"))
        if due:
            return _("%(subject)s: домашнее задание на %(due)s: %(text)s", subject=subject, due=due, text=new)
        return _("%(subject)s: домашнее задание: %(text)s", subject=subject, text=new)
    return f"{subject}: {new}"


def subject_line(lines: list[Line], digest: bool) -> str:
    children = ", ".join(sorted({line.child for line in lines}))
    if digest:
        return _("Сводка за день: %(children)s", children=children)
    return _("Новое в журнале: %(children)s", children=children)


def body_text(lines: list[Line], digest: bool) -> str:
    """Plain text: the lines grouped by child, in entry order."""
    out = [_("Сводка новых записей в электронном журнале.") if digest else _("Новая запись в электронном журнале.")]
    for child in sorted({line.child for line in lines}):
        out.append("")
        out.append(child)
        out.extend(f"  • {line.text}" for line in sorted(lines, key=lambda x: (x.entered_at, x.delivery_id))
                   if line.child == child)
    return "\n".join(out)


def unsubscribe_note(url: str) -> str:
    return _("Вы получили это письмо, потому что включили уведомления в «Электронной школе». "
             "Отписаться от писем одним нажатием: %(url)s", url=url)
