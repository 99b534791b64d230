"""The audit log as a person reads it: who read or changed whose data, when, and with what outcome.

Two readers use it. Those who answer for data — the region operator, a municipality, a school admin — see
«Журнал доступа» within the policy's scope (``audit.read`` on ``AuditRecord``) and filter it by person, object,
action, outcome and dates. A family sees «Кто смотрел данные ребёнка»: the records about their children (or
themselves) that others made. Plugins name what they write (``audit_vocabulary``), name the objects
(``audit_names``) and say what belongs to an object (``audit_about``); the core knows no school.

Pages are keyset-paginated on the record id (newest first), so a page costs the same on the first and on the
thousandth page of a log of millions; a date range becomes an id range through the index on ``at``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import operator
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import peewee
from flask import current_app

from core.i18n import lazy_gettext
from core.models import AuditRecord, User
from core.types import AuditVocabulary

PAGE_SIZE = 50
EXPORT_LIMIT = 100_000
# ``at`` is taken just before the insert that assigns the id, so ids and times agree to far better than this.
ID_CLOCK_SLACK = dt.timedelta(minutes=1)
OBJECT_KEY = re.compile(r"^([a-z_]{1,80}):([0-9A-Za-z_-]{1,80})$")

CORE_VOCABULARY = AuditVocabulary(
    actions={
        "login": lazy_gettext("вход в систему"),
        "logout": lazy_gettext("выход из системы"),
        "session.end": lazy_gettext("завершение сеанса"),
        "session.rotate": lazy_gettext("обновление сеанса"),
        "user.block": lazy_gettext("блокировка учётной записи"),
        "user.unblock": lazy_gettext("разблокировка учётной записи"),
        "api_token.create": lazy_gettext("выпуск ключа API"),
        "api_token.revoke": lazy_gettext("отзыв ключа API"),
        "route.denied": lazy_gettext("попытка открыть закрытую страницу"),
        "audit.read": lazy_gettext("просмотр журнала доступа"),
        "audit.export": lazy_gettext("выгрузка журнала доступа"),
        "audit.read_own": lazy_gettext("просмотр сведений о том, кто смотрел данные"),
        "job.read": lazy_gettext("просмотр задания"),
        "job.download": lazy_gettext("получение результата задания"),
    },
    objects={
        "user": lazy_gettext("учётная запись"),
        "identity": lazy_gettext("учётная запись внешнего входа"),
        "user_session": lazy_gettext("сеанс"),
        "api_token": lazy_gettext("ключ API"),
        "endpoint": lazy_gettext("страница"),
        "auditrecord": lazy_gettext("журнал доступа"),
        "job": lazy_gettext("задание"),
    },
    roles={
        "operator": lazy_gettext("оператор региона"),
        "parent": lazy_gettext("родитель (законный представитель)"),
        "student": lazy_gettext("обучающийся"),
        "anonymous": lazy_gettext("посетитель без входа"),
        "system": lazy_gettext("система"),
    },
)
RESULTS = {
    "ok": lazy_gettext("выполнено"),
    "denied": lazy_gettext("отказано в доступе"),
    "not_found": lazy_gettext("не найдено"),
    "refused": lazy_gettext("отклонено"),
    "failed": lazy_gettext("ошибка"),
}


def collect_vocabulary(pm: Any) -> AuditVocabulary:
    """Merge the core's and every plugin's ``audit_vocabulary``; a key named two ways is an error."""
    merged = AuditVocabulary(dict(CORE_VOCABULARY.actions), dict(CORE_VOCABULARY.objects),
                             dict(CORE_VOCABULARY.roles))
    for impl in pm.hook.audit_vocabulary.get_hookimpls():
        part = impl.function()
        if part is None:
            continue
        for kind in ("actions", "objects", "roles"):
            mine, theirs = getattr(merged, kind), getattr(part, kind)
            for key, label in theirs.items():
                if key in mine and str(mine[key]) != str(label):
                    raise ValueError(f"audit vocabulary: plugin {impl.plugin_name} names {kind[:-1]} {key!r} "
                                     f"differently from another plugin")
                mine[key] = label
    return merged


def vocabulary() -> AuditVocabulary:
    return current_app.extensions["eschool_audit_vocabulary"]


@dataclass
class Filters:
    """What a reader asked to see; ``errors`` holds a Russian message per field that could not be used."""

    who: int | None = None
    about: tuple[str, str] | None = None
    action: str = ""
    result: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    before: int | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, args: Any) -> Filters:
        found = cls()
        who = args.get("who", "").strip()
        if who:
            if who.isdigit() and len(who) <= 12:
                found.who = int(who)
            else:
                found.errors["who"] = lazy_gettext("Человек указан неверно.")
        about = args.get("about", "").strip()
        if about:
            match = OBJECT_KEY.match(about)
            if match:
                found.about = (match.group(1), match.group(2))
            else:
                found.errors["about"] = lazy_gettext("Объект указан неверно.")
        action = args.get("action", "").strip()
        if action:
            if action in vocabulary().actions:
                found.action = action
            else:
                found.errors["action"] = lazy_gettext("Такого действия нет в журнале.")
        result = args.get("result", "").strip()
        if result:
            if result in RESULTS:
                found.result = result
            else:
                found.errors["result"] = lazy_gettext("Такого результата нет.")
        for name, attr in (("from", "date_from"), ("to", "date_to")):
            value = args.get(name, "").strip()
            if value:
                try:
                    setattr(found, attr, dt.date.fromisoformat(value))
                except ValueError:
                    found.errors[name] = lazy_gettext("Дата указана неверно: нужна дата вида 2026-11-25.")
        if found.date_from and found.date_to and found.date_from > found.date_to:
            found.errors["to"] = lazy_gettext("Дата «по» раньше даты «с».")
        before = args.get("before", "").strip()
        if before:
            if before.isdigit() and len(before) <= 18:
                found.before = int(before)
            else:
                found.errors["before"] = lazy_gettext("Страница указана неверно.")
        return found

    def query_args(self, **changes: Any) -> dict[str, Any]:
        """The filters as URL arguments (for links that keep them), with ``changes`` applied."""
        values = {"who": self.who, "about": ":".join(self.about) if self.about else None,
                  "action": self.action or None, "result": self.result or None,
                  "from": self.date_from.isoformat() if self.date_from else None,
                  "to": self.date_to.isoformat() if self.date_to else None}
        values.update(changes)
        return {k: v for k, v in values.items() if v not in (None, "")}


def about_condition(object_type: str, object_id: str) -> Any:
    """Records about the object itself, or (through ``audit_about``) about what belongs to it."""
    pm = current_app.extensions["eschool"].pm
    parts = [(AuditRecord.object_type == object_type) & (AuditRecord.object_id == str(object_id))]
    parts += [c for c in pm.hook.audit_about(object_type=object_type, object_id=str(object_id)) if c is not None]
    return functools.reduce(operator.or_, parts)


def _utc_start(day: dt.date) -> dt.datetime:
    zone = ZoneInfo(current_app.extensions["eschool"].core_settings["timezone"])
    return dt.datetime.combine(day, dt.time(), zone).astimezone(dt.UTC).replace(tzinfo=None)


def _first_id_at_or_after(moment: dt.datetime) -> int | None:
    row = (AuditRecord.select(AuditRecord.id).where(AuditRecord.at >= moment)
           .order_by(AuditRecord.at).limit(1).first())
    return row.id if row else None


def records_query(condition: Any, filters: Filters) -> Any:
    """The records matching ``condition`` (the reader's scope) and the filters, newest first."""
    query = (AuditRecord.select(AuditRecord, User.display_name.alias("actor_name"))
             .join(User, peewee.JOIN.LEFT_OUTER, on=(AuditRecord.user_id == User.id))
             .where(condition).order_by(AuditRecord.id.desc()))
    if filters.who is not None:
        query = query.where(AuditRecord.user_id == filters.who)
    if filters.about is not None:
        query = query.where(about_condition(*filters.about))
    if filters.action:
        query = query.where(AuditRecord.action == filters.action)
    if filters.result:
        query = query.where(AuditRecord.result == filters.result)
    if filters.date_from:
        start = _utc_start(filters.date_from)
        query = query.where(AuditRecord.at >= start)
        low = _first_id_at_or_after(start - ID_CLOCK_SLACK)
        query = query.where(AuditRecord.id >= low) if low is not None else query.where(peewee.SQL("1 = 0"))
    if filters.date_to:
        end = _utc_start(filters.date_to + dt.timedelta(days=1))
        query = query.where(AuditRecord.at < end)
        high = _first_id_at_or_after(end + ID_CLOCK_SLACK)
        if high is not None:
            query = query.where(AuditRecord.id < high)
    if filters.before is not None:
        query = query.where(AuditRecord.id < filters.before)
    return query


def page(condition: Any, filters: Filters, size: int = PAGE_SIZE) -> tuple[list[Any], int | None]:
    """One page of records and the cursor of the next (older) page, or None on the last one."""
    rows = list(records_query(condition, filters).limit(size + 1).objects())
    more = len(rows) > size
    rows = rows[:size]
    return rows, (rows[-1].id if more and rows else None)


@dataclass(frozen=True)
class Entry:
    """One record as a person reads it."""

    record_id: int
    at: dt.datetime
    who: str
    who_id: int | None
    role: str
    action: str
    action_key: str
    about: str
    about_key: str
    result: str
    result_key: str
    ip: str


# On a family's page other families are not named: another parent or a student appears by role alone.
FAMILY_ROLES = ("parent", "student")


def present(actor: Any, rows: list[Any], *, you: Any = None) -> list[Entry]:
    """Name every record of ``rows`` for ``actor``: labels for keys, names for ids, never a raw key or id.

    ``you`` (the family's page) marks the reader's own records and hides the names of other families.
    """
    words = vocabulary()
    pm = current_app.extensions["eschool"].pm
    ids_by_type: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        if row.object_type and row.object_id:
            ids_by_type[row.object_type].add(row.object_id)
    names: dict[tuple[str, str], str] = {}
    for object_type, ids in ids_by_type.items():
        for part in pm.hook.audit_names(actor=actor, object_type=object_type, object_ids=sorted(ids)):
            for object_id, name in (part or {}).items():
                names.setdefault((object_type, str(object_id)), name)
        if object_type == "user":
            for user in User.select(User.id, User.display_name).where(User.id.in_([int(i) for i in ids
                                                                                 if i.isdigit()])):
                names.setdefault(("user", str(user.id)), user.display_name)
    said: dict[tuple[str, str], str] = {}  # each label translated once per call, not once per row

    def say(table: dict[str, Any], kind: str, key: str, default: Any) -> str:
        if (kind, key) not in said:
            said[(kind, key)] = str(table.get(key, default))
        return said[(kind, key)]

    entries = []
    for row in rows:
        object_label = say(words.objects, "object", row.object_type, lazy_gettext("объект")) if row.object_type else ""
        about = names.get((row.object_type, row.object_id)) or object_label
        if you is not None and row.user_id == you:
            who = str(lazy_gettext("вы"))
        elif row.user_id is None or (you is not None and row.role in FAMILY_ROLES):
            who = say(words.roles, "family", row.role, "")
        else:
            who = getattr(row, "actor_name", None) or str(lazy_gettext("удалённая учётная запись"))
        entries.append(Entry(
            record_id=row.id, at=row.at, who=who, who_id=row.user_id,
            role=say(words.roles, "role", row.role, lazy_gettext("другая роль")),
            action=say(words.actions, "action", row.action, lazy_gettext("другое действие")), action_key=row.action,
            about=about, about_key=f"{row.object_type}:{row.object_id}" if row.object_type and row.object_id else "",
            result=say(RESULTS, "result", row.result, row.result), result_key=row.result, ip=row.ip,
        ))
    return entries


def family_condition(actor: Any, relations: list[Any]) -> Any:
    """Records about the actor's children (or themselves, for a student) that somebody else made."""
    mine = [about_condition(r.object_type, str(r.object_id)) for r in relations if r.kind in ("child", "self")]
    if not mine:
        return peewee.SQL("1 = 0")
    others = AuditRecord.user_id.is_null() | (AuditRecord.user_id != actor.id)
    return functools.reduce(operator.or_, mine) & others


EXPORT_BATCH = 1000
EXPORT_COLUMNS = (lazy_gettext("Когда"), lazy_gettext("Кто"), lazy_gettext("Роль"), lazy_gettext("Что сделано"),
                  lazy_gettext("О ком или о чём"), lazy_gettext("Результат"), lazy_gettext("Адрес"))


def local_moment(moment: dt.datetime) -> str:
    """A stored naive-UTC moment in the region's time zone, ДД.ММ.ГГГГ ЧЧ:ММ:СС."""
    zone = ZoneInfo(current_app.extensions["eschool"].core_settings["timezone"])
    return moment.replace(tzinfo=dt.UTC).astimezone(zone).strftime("%d.%m.%Y %H:%M:%S")


def export_rows(actor: Any, condition: Any, filters: Filters, limit: int = EXPORT_LIMIT, progress: Any = None):
    """Every record of the filtered view (newest first, at most ``limit``), named as on the page, in batches.

    Yields rows of cells; a batch is one keyset page of ``EXPORT_BATCH`` records, named with one lookup per
    object type, so memory stays flat however long the view is. The page's cursor (``before``) is where the
    export starts: «Более ранние записи» exports from there back.
    """
    cursor, left = filters.before, limit
    total = 0
    if progress is not None:
        total = records_query(condition, filters).limit(limit).count()
        progress(0, total, lazy_gettext("Выгрузка записей журнала"))
    while left > 0:
        batch = min(EXPORT_BATCH, left)
        rows = list(records_query(condition, dataclasses.replace(filters, before=cursor)).limit(batch).objects())
        if not rows:
            return
        for entry in present(actor, rows):
            yield [local_moment(entry.at), entry.who, entry.role, entry.action, entry.about, entry.result, entry.ip]
        cursor, left = rows[-1].id, left - len(rows)
        if progress is not None:
            progress(min(total, limit - left), total, lazy_gettext("Выгрузка записей журнала"))
        if len(rows) < batch:
            return


def export_workbook(actor: Any, condition: Any, filters: Filters, limit: int = EXPORT_LIMIT,
                    progress: Any = None) -> tuple[bytes, int]:
    """The filtered view as XLSX (through the core's one writer), and how many records it holds."""
    from core.spreadsheets import Workbook

    book = Workbook(streaming=True)
    sheet = book.sheet(str(lazy_gettext("Журнал доступа")))
    for column, chars in enumerate((18, 30, 24, 40, 36, 18, 16), start=1):
        sheet.width(column, chars)
    sheet.append([str(c) for c in EXPORT_COLUMNS], bold=True)
    count = 0
    for row in export_rows(actor, condition, filters, limit, progress):
        sheet.append(row)
        count += 1
    return book.to_bytes(), count
