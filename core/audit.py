"""Audit: who read or changed whose personal data.

One function, ``record``, is the only way plugins write the audit log. Details
are cleaned before they are stored: secrets are dropped and SNILS masked, so
the log itself never becomes a leak.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

from flask import has_request_context, request
from flask_login import current_user

from core.db import utcnow
from core.models import AuditRecord
from core.prepared import Param, prepared

SECRET_KEYS = re.compile(r"pass|token|secret|code_verifier|client_secret|signature|key", re.I)
SNILS_RE = re.compile(r"\b(\d{3})[- ]?(\d{3})[- ]?(\d{3})[- ]?(\d{2})\b")


def mask_snils(value: str | None) -> str:
    """``***-***-*** 45``: only the check digits of a SNILS are ever shown in passing."""
    if not value:
        return ""
    digits = re.sub(r"\D", "", value)
    return f"***-***-*** {digits[-2:]}" if len(digits) == 11 else "***"


@functools.lru_cache(maxsize=1024)
def _key_kind(key: str) -> str:
    """What a details key holds: ``secret`` (dropped), ``snils`` (masked) or plain; keys repeat, so cached."""
    if SECRET_KEYS.search(key):
        return "secret"
    return "snils" if "snils" in key.lower() else ""


def clean(value: Any, key: str = "") -> Any:
    """Remove secrets and mask SNILS anywhere inside ``value``."""
    kind = _key_kind(key) if key else ""
    if kind == "secret":
        return "[removed]"
    if isinstance(value, dict):
        return {k: clean(v, str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    if isinstance(value, str):
        if kind == "snils":
            return mask_snils(value)
        return SNILS_RE.sub(lambda m: f"***-***-*** {m.group(4)}", value)
    return value


def client_ip() -> str:
    return (request.remote_addr or "") if has_request_context() else ""


def _actor_fields(actor: Any) -> dict[str, Any]:
    if actor is None and has_request_context():
        actor = current_user
    return {
        "user_id": getattr(actor, "id", None) if actor is not None else None,
        "role": (getattr(actor, "role", "anonymous") if actor is not None else "system") or "anonymous",
        "ip": client_ip(),
    }


AUDIT_FIELDS = ("at", "user_id", "role", "ip", "action", "object_type", "object_id", "result", "details")


@prepared
def _insert_record():
    """One row of the log: built once, then each record is a single INSERT on the request's connection."""
    return AuditRecord.insert({getattr(AuditRecord, name): Param(name) for name in AUDIT_FIELDS})


def record(
    action: str,
    object_type: str = "",
    object_id: Any = "",
    *,
    result: str = "ok",
    details: dict[str, Any] | None = None,
    actor: Any = None,
) -> None:
    """Write one audit record: UTC time, actor and role, IP, object, action, result.

    ``actor`` defaults to the current actor; ``result`` is ``ok``, ``denied``,
    ``not_found``, ``refused`` or ``failed``. Call it for every read and change
    of personal data, and for every denied attempt. The row is written at once
    (inside the caller's transaction, if there is one), never queued in memory.
    """
    _insert_record.cursor(
        at=utcnow(),
        **_actor_fields(actor),
        action=action,
        object_type=object_type,
        object_id=str(object_id if object_id is not None else ""),
        result=result,
        details=json.dumps(clean(details or {}), ensure_ascii=False, default=str),
    )


def record_many(entries: list[dict[str, Any]], *, actor: Any = None, chunk: int = 500) -> int:
    """Write many audit records at once (imports): one record per changed object, bulk-inserted.

    Each entry has ``action``, ``object_type``, ``object_id`` and optionally
    ``result`` and ``details``, with the same meaning and cleaning as ``record``.
    """
    who = _actor_fields(actor)
    rows = [
        {
            **who,
            "action": e["action"],
            "object_type": e.get("object_type", ""),
            "object_id": str(e.get("object_id", "")),
            "result": e.get("result", "ok"),
            "details": json.dumps(clean(e.get("details") or {}), ensure_ascii=False, default=str),
        }
        for e in entries
    ]
    for start in range(0, len(rows), chunk):
        AuditRecord.insert_many(rows[start:start + chunk]).execute()
    return len(rows)


def last_recorded(user_id: int, action: str, object_type: str, object_id: Any) -> Any:
    """When this user last did ``action`` on the object with success, from the audit log; None if never.

    Lets a page say what changed since a person's previous visit without keeping
    a second record of visits.
    """
    row = _last_record.first(object_id=str(object_id), object_type=object_type, action=action, user_id=user_id)
    return row[0] if row is not None else None


@prepared
def _last_record():
    return (AuditRecord.select(AuditRecord.at)
            .where((AuditRecord.object_id == Param("object_id")) & (AuditRecord.object_type == Param("object_type"))
                   & (AuditRecord.action == Param("action")) & (AuditRecord.user_id == Param("user_id"))
                   & (AuditRecord.result == "ok"))
            .order_by(AuditRecord.at.desc()).limit(1).tuples())


def details_json(details: dict[str, Any] | None) -> str:
    """Audit details as stored (secrets dropped, SNILS masked), for rows that ``record_from`` will insert."""
    return json.dumps(clean(details or {}), ensure_ascii=False, default=str)


def record_from(query: Any, *, actor: Any = None) -> int:
    """Write one audit record per row of ``query`` in a single ``INSERT … SELECT`` (imports of any size).

    ``query`` selects four columns: action, object_type, object_id (text) and
    details (made by ``details_json``, so already cleaned). The time, the actor,
    their role and IP are the same for every record, as for ``record_many``.
    """
    import peewee

    from core.db import utcnow

    who = _actor_fields(actor)
    typed = not isinstance(AuditRecord._meta.database.obj, peewee.SqliteDatabase)

    def const(value: Any, sql_type: str) -> Any:
        return peewee.Cast(peewee.Value(value), sql_type) if typed else peewee.Value(value)

    source = query.select_extend(const(utcnow(), "TIMESTAMP"), const(who["user_id"], "INTEGER"),
                                 const(who["role"], "VARCHAR"), const(who["ip"], "VARCHAR"), const("ok", "VARCHAR"))
    fields = [AuditRecord.action, AuditRecord.object_type, AuditRecord.object_id, AuditRecord.details,
              AuditRecord.at, AuditRecord.user_id, AuditRecord.role, AuditRecord.ip, AuditRecord.result]
    return AuditRecord.insert_from(source, fields).execute()
