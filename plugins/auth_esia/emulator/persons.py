"""Test persons of the ESIA emulator, read from TOML or JSON.

File format (TOML; JSON is the same structure, ``{"person": [...]}``)::

    [[person]]
    oid = 1000000001                 # ESIA's person id (integer)
    last_name = "Иванова"
    first_name = "Мария"
    middle_name = "Петровна"         # optional
    birth_date = 1985-03-14          # TOML date, or "1985-03-14" / "14.03.1985"
    gender = "F"                     # "M" or "F"
    snils = "112-233-445 95"         # optional; any spacing, shown as NNN-NNN-NNN NN
    level = "confirmed"              # confirmed | standard | simple | child (ESIA PR / P / P / KD)
    confirmed = true                 # optional; defaults to level == "confirmed"
    email = "m.ivanova@example.ru"   # optional
    note = "мать Пети"               # optional; shown to the tester on the emulator page

    [[person.kids]]                  # children, as ESIA's /rs/prns/{oid}/kids lists them
    last_name = "Иванов"
    first_name = "Пётр"
    birth_date = 2012-05-01
    gender = "M"
    snils = "123-456-789 64"         # optional
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LEVELS = {"confirmed": "PR", "standard": "P", "simple": "P", "child": "KD"}


class PersonsError(ValueError):
    """The persons file cannot be used; the message names the person and the field."""


@dataclass(frozen=True)
class Kid:
    id: int
    last_name: str
    first_name: str
    middle_name: str
    birth_date: dt.date
    gender: str
    snils: str | None


@dataclass(frozen=True)
class TestPerson:
    """One ESIA account of the emulator."""

    oid: int
    last_name: str
    first_name: str
    middle_name: str
    birth_date: dt.date
    gender: str
    snils: str | None
    level: str
    confirmed: bool
    email: str = ""
    note: str = ""
    kids: tuple[Kid, ...] = field(default_factory=tuple)

    @property
    def esia_level(self) -> str:
        return LEVELS[self.level]

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)


def format_snils(value: str | None) -> str | None:
    digits = re.sub(r"\D", "", value or "")
    if not digits:
        return None
    if len(digits) != 11:
        raise PersonsError(f"SNILS {value!r} must have 11 digits")
    return f"{digits[0:3]}-{digits[3:6]}-{digits[6:9]} {digits[9:11]}"


def _date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(str(value), fmt).date()
        except ValueError:
            continue
    raise PersonsError(f"{where}: birth_date {value!r} is not a date")


def _kid(raw: dict[str, Any], number: int, where: str) -> Kid:
    try:
        return Kid(
            id=int(raw.get("id", number)),
            last_name=str(raw["last_name"]),
            first_name=str(raw["first_name"]),
            middle_name=str(raw.get("middle_name", "")),
            birth_date=_date(raw["birth_date"], where),
            gender=str(raw.get("gender", "M")),
            snils=format_snils(raw.get("snils")),
        )
    except KeyError as exc:
        raise PersonsError(f"{where}: missing {exc.args[0]}") from None


def person_from_dict(raw: dict[str, Any]) -> TestPerson:
    where = f"person {raw.get('oid', '?')}"
    try:
        level = str(raw.get("level", "confirmed"))
        if level not in LEVELS:
            raise PersonsError(f"{where}: level must be one of {', '.join(LEVELS)}")
        gender = str(raw.get("gender", "M"))
        if gender not in ("M", "F"):
            raise PersonsError(f"{where}: gender must be M or F")
        oid = int(raw["oid"])
        kids = tuple(_kid(k, oid * 100 + i + 1, f"{where}, kid {i + 1}") for i, k in enumerate(raw.get("kids", [])))
        return TestPerson(
            oid=oid,
            last_name=str(raw["last_name"]),
            first_name=str(raw["first_name"]),
            middle_name=str(raw.get("middle_name", "")),
            birth_date=_date(raw["birth_date"], where),
            gender=gender,
            snils=format_snils(raw.get("snils")),
            level=level,
            confirmed=bool(raw.get("confirmed", level == "confirmed")),
            email=str(raw.get("email", "")),
            note=str(raw.get("note", "")),
            kids=kids,
        )
    except KeyError as exc:
        raise PersonsError(f"{where}: missing {exc.args[0]}") from None
    except (TypeError, ValueError) as exc:
        if isinstance(exc, PersonsError):
            raise
        raise PersonsError(f"{where}: {exc}") from None


def load_persons(path: str | Path) -> dict[int, TestPerson]:
    """Read a persons file (``.toml`` or ``.json``) into ``{oid: TestPerson}``; oids must be unique."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except OSError as exc:
        raise PersonsError(f"{path}: cannot read: {exc}") from None
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise PersonsError(f"{path}: not valid {path.suffix.lstrip('.').upper() or 'TOML'}: {exc}") from None
    return persons_from_list(data.get("person", []), str(path))


def persons_from_list(items: list[dict[str, Any]], source: str = "<persons>") -> dict[int, TestPerson]:
    persons: dict[int, TestPerson] = {}
    for raw in items:
        person = person_from_dict(raw)
        if person.oid in persons:
            raise PersonsError(f"{source}: oid {person.oid} appears twice")
        persons[person.oid] = person
    if not persons:
        raise PersonsError(f"{source}: no [[person]] entries")
    return persons


DEMO_PERSONS = Path(__file__).with_name("demo_persons.toml")
