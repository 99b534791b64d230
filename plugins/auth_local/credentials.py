"""Issuing, resetting and checking school-issued credentials.

Plaintext temporary passwords exist only in memory: ``issue_for_students`` and
``reset`` return them to the view that renders the credential slips in the
same response, and only their argon2id hash is stored.
"""

from __future__ import annotations

import datetime as dt
import enum
import os
import re
import secrets
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

from core.api import (
    Identity,
    User,
    database,
    link_identity,
    revoke_sessions,
    service,
    settings,
    utcnow,
)
from plugins.auth_local import passwords, throttle
from plugins.auth_local.models import LocalCredential

PLUGIN = "auth_local"
LOGIN_MAX = 64
LOGIN_BASE_MAX = 12
TRANSLIT = dict(zip(  # i18n: data — the Russian alphabet to Latin letters
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s", "t",
     "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"],
    strict=True,
))


def normalize_login(raw: str) -> str:
    """Logins are compared trimmed and lower-case; anything longer than a login can be is cut."""
    return (raw or "").strip().lower()[:LOGIN_MAX]


def transliterate(text: str) -> str:
    latin = "".join(TRANSLIT.get(ch, ch) for ch in text.lower())
    return re.sub(r"[^a-z]", "", latin)


def new_login(last_name: str) -> str:
    """A free login: the transliterated surname and four random digits, e.g. ``ivanov4821``."""
    base = transliterate(last_name)[:LOGIN_BASE_MAX] or "uchenik"
    for _attempt in range(50):
        candidate = f"{base}{secrets.randbelow(9000) + 1000}"
        if not LocalCredential.select().where(LocalCredential.login == candidate).exists():
            return candidate
    raise RuntimeError(f"no free login for the base {base!r} after 50 tries")


def expiry() -> dt.datetime:
    return utcnow() + dt.timedelta(days=settings(PLUGIN)["temporary_password_days"])


@dataclass(frozen=True)
class Slip:
    """What one credential slip shows: the child, the login and the one-time-visible password."""

    student: Any
    login: str
    password: str
    expires_at: dt.datetime


def _student_user(student: Any) -> User:
    """The student's account, created (role ``student``) if the school has not made one yet."""
    if student.user_id is not None:
        return User.get_by_id(student.user_id)
    user = User.create(display_name=student.full_name, role="student")
    service("registries").attach_student_user(student.id, user.id)
    return user


def _set_temporary(credential: LocalCredential, password: str, issued_by: int | None) -> None:
    now = utcnow()
    credential.password_hash = passwords.hash_password(password)
    credential.is_temporary = True
    credential.expires_at = expiry()
    credential.issued_at = now
    credential.issued_by = issued_by
    credential.failures_reset_at = now
    credential.save()


def free_logins(last_names: list[str]) -> list[str]:
    """A free login per surname (``ivanov4821``), checked against the table in one query per round."""
    found: list[str | None] = [None] * len(last_names)
    bases = [transliterate(name)[:LOGIN_BASE_MAX] or "uchenik" for name in last_names]
    for _round in range(50):
        wanted = {i: f"{bases[i]}{secrets.randbelow(9000) + 1000}" for i, got in enumerate(found) if got is None}
        if not wanted:
            break
        taken = {c.login for c in LocalCredential.select(LocalCredential.login)
                 .where(LocalCredential.login.in_(list(wanted.values())))}
        chosen = {got for got in found if got}
        for i, candidate in wanted.items():
            if candidate not in taken and candidate not in chosen:
                found[i] = candidate
                chosen.add(candidate)
    if any(got is None for got in found):
        raise RuntimeError("no free login after 50 tries")
    return [str(got) for got in found]


def hash_many(passwords_: list[str], progress: Callable[[int, int], None] | None = None) -> list[str]:
    """argon2id hashes of ``passwords_`` on a thread pool (argon2-cffi releases the GIL while it hashes)."""
    hasher = passwords.hasher()  # the region's parameters, read here in the app context
    total = len(passwords_)
    if progress is not None:
        progress(0, total)
    if total == 0:
        return []
    hashes: list[str] = [""] * total
    with ThreadPoolExecutor(max_workers=min(total, os.cpu_count() or 1)) as pool:
        futures = {pool.submit(hasher.hash, password): i for i, password in enumerate(passwords_)}
        for done, future in enumerate(as_completed(futures), start=1):
            hashes[futures[future]] = future.result()
            if progress is not None:
                progress(done, total)
    return hashes


def issue_for_students(students: Iterable[Any], issued_by: int | None, *, reissue: bool,
                       progress: Callable[[int, int], None] | None = None) -> list[Slip]:
    """Give every student a login and a temporary password; the writes in one short transaction.

    Students who already have a login get a new temporary password only when ``reissue`` is set (their old
    password and sessions stop working); otherwise they are skipped. The reads are batched (one query for
    the credentials, one per round of free logins), the argon2 hashes are made on a thread pool before the
    transaction opens, so the database is held only for the inserts and updates.
    """
    students = list(students)
    user_ids = [s.user_id for s in students if s.user_id is not None]
    by_user = {c.user_id: c for c in LocalCredential.select().where(LocalCredential.user.in_(user_ids))} \
        if user_ids else {}
    chosen = [s for s in students if reissue or s.user_id is None or s.user_id not in by_user]
    fresh = [s for s in chosen if s.user_id is None or s.user_id not in by_user]
    logins = dict(zip((id(s) for s in fresh), free_logins([s.last_name for s in fresh]), strict=True))
    plain = [passwords.temporary_password() for _ in chosen]
    hashes = hash_many(plain, progress)
    now, until = utcnow(), expiry()
    slips = []
    with database.atomic():
        for student, password, hashed in zip(chosen, plain, hashes, strict=True):
            # a reference by id, not a read per student; a student without an account gets one now
            user = User(id=student.user_id) if student.user_id is not None else _student_user(student)
            credential = by_user.get(user.id)
            if credential is None:
                credential = LocalCredential(user=user, login=logins[id(student)])
                link_identity(user, Identity(provider="local", subject=credential.login))
            else:
                revoke_sessions(user.id)
            credential.password_hash = hashed
            credential.is_temporary = True
            credential.expires_at = until
            credential.issued_at = now
            credential.issued_by = issued_by
            credential.failures_reset_at = now
            credential.save()
            slips.append(Slip(student, credential.login, password, until))
    return slips


def issue_for_user(user: User, login: str | None, issued_by: int | None) -> tuple[str, str]:
    """A login and temporary password for any account (staff bootstrap from the command line)."""
    password = passwords.temporary_password()
    with database.atomic():
        credential = LocalCredential.get_or_none(LocalCredential.user == user.id)
        if credential is None:
            login = normalize_login(login or new_login(user.display_name.split(" ")[0]))
            credential = LocalCredential(user=user, login=login)
            link_identity(user, Identity(provider="local", subject=login))
        else:
            revoke_sessions(user)
        _set_temporary(credential, password, issued_by)
    return credential.login, password


def reset(credential: LocalCredential, issued_by: int | None) -> str:
    """A new random temporary password (the admin never chooses one); every session ends."""
    password = passwords.temporary_password()
    with database.atomic():
        _set_temporary(credential, password, issued_by)
        revoke_sessions(credential.user_id)
    return password


def change_password(credential: LocalCredential, new_password: str) -> None:
    """Store the person's own password; every session of the account ends."""
    now = utcnow()
    with database.atomic():
        LocalCredential.update(
            password_hash=passwords.hash_password(new_password),
            is_temporary=False,
            expires_at=None,
            changed_at=now,
        ).where(LocalCredential.id == credential.id).execute()
        revoke_sessions(credential.user_id)


class Outcome(enum.Enum):
    OK = "ok"
    BAD_CREDENTIALS = "bad_credentials"
    THROTTLED = "throttled"
    EXPIRED = "expired"


def check_login(raw_login: str, password: str, ip: str) -> tuple[Outcome, LocalCredential | None]:
    """Check a login and password under the throttle; the same work for known and unknown logins."""
    login = normalize_login(raw_login)
    credential = LocalCredential.get_or_none(LocalCredential.login == login) if login else None
    attempt, over = throttle.admit(login, ip, credential)
    if over:
        throttle.settle(attempt, "throttled")
        return Outcome.THROTTLED, None
    stored = credential.password_hash if credential is not None else passwords.dummy_hash()
    matches = passwords.verify_password(stored, password[: passwords.MAX_PASSWORD_LENGTH * 4])
    if credential is None or not matches:
        throttle.settle(attempt, "failed")
        return Outcome.BAD_CREDENTIALS, None
    throttle.settle(attempt, "ok")
    now = utcnow()
    updates: dict[Any, Any] = {LocalCredential.failures_reset_at: now}
    if passwords.needs_rehash(credential.password_hash):
        updates[LocalCredential.password_hash] = passwords.hash_password(password)
    LocalCredential.update(updates).where(LocalCredential.id == credential.id).execute()
    if credential.is_temporary and credential.expires_at is not None and credential.expires_at <= now:
        return Outcome.EXPIRED, credential
    return Outcome.OK, credential
