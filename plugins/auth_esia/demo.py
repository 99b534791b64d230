"""The auth_esia part of the demo region: the ESIA emulator's test persons, matching the demo registries.

Writes ``<instance>/esia-persons.toml`` (the format of ``emulator/persons.py``)
for ``eschool esia-emulator --persons``: first the persons whose logins the
demo prints — a parent of two children (confirmed), a parent with an
unconfirmed account, a person the registry does not know, a 13-year-old
student with a child account, a 15-year-old student with a confirmed
account — then every other parent of the registry (confirmed). Reads
``registries.parents``, ``registries.students`` and ``registries.featured``;
adds ``auth_esia.persons_file`` and ``auth_esia.oids`` (``{featured key: oid}``).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

OID_BASE = 1_000_000_000
UNKNOWN_OID = 1_999_000_001
UNKNOWN_SNILS = "001-001-999 65"  # valid, and below the range the demo registry draws its SNILS from
HOW = "Госуслуги (эмулятор)"


def _quote(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _snils(digits: str | None) -> str | None:
    return f"{digits[0:3]}-{digits[3:6]}-{digits[6:9]} {digits[9:11]}" if digits else None


def _entry(table: str, fields: dict) -> list[str]:
    lines = [f"[[{table}]]"]
    for key, value in fields.items():
        if value is None or value == "":
            continue
        if isinstance(value, dt.date):
            lines.append(f"{key} = {value.isoformat()}")
        elif isinstance(value, int):
            lines.append(f"{key} = {value}")
        else:
            lines.append(f"{key} = {_quote(str(value))}")
    return lines


def _person(oid: int, row: dict, level: str, note: str, kids: list[dict] = ()) -> list[str]:
    lines = _entry("person", {
        "oid": oid, "last_name": row["last_name"], "first_name": row["first_name"],
        "middle_name": row["middle_name"], "birth_date": row["birth_date"], "gender": row["gender"],
        "snils": _snils(row["snils"]), "level": level, "note": note})
    for kid in kids:
        lines += _entry("person.kids", {
            "last_name": kid["last_name"], "first_name": kid["first_name"], "middle_name": kid["middle_name"],
            "birth_date": kid["birth_date"], "gender": kid["gender"], "snils": _snils(kid["snils"])})
    return lines + [""]


def _kids_note(parent: dict, students: dict[int, dict]) -> str:
    word = {"mother": "мать", "father": "отец"}.get(parent["relation"], "представитель")
    return f"{word}: " + ", ".join(f"{students[c]['first_name']} ({students[c]['class_name']})"
                                   for c in parent["child_ids"])


def generate(demo) -> None:
    """Write the persons file and list the Gosuslugi logins to try (see the module docstring)."""
    shared = demo.shared
    featured = shared["registries.featured"]
    students = {s["id"]: s for s in shared["registries.students"]}
    parents = shared["registries.parents"]
    parent = next(p for p in parents if p["id"] == featured["parent"])
    unconfirmed = next(p for p in parents if p["user_id"] and p["id"] not in
                       (featured["parent"], featured["second_parent"]) and p["child_ids"])
    young, older = students[featured["student_13"]], students[featured["student_15"]]
    unknown = {"last_name": "Незнакомов", "first_name": "Игнат", "middle_name": "Петрович",
               "birth_date": dt.date(1980, 6, 15), "gender": "M", "snils": UNKNOWN_SNILS.replace("-", "")
               .replace(" ", "")}
    oids = {"parent": OID_BASE + parent["id"], "unconfirmed": OID_BASE + unconfirmed["id"],
            "unknown": UNKNOWN_OID, "student_13": OID_BASE + 500_000_000 + young["id"],
            "student_15": OID_BASE + 500_000_000 + older["id"]}
    lines = ["# ESIA emulator test persons of the demo region, written by `eschool demo` (auth_esia).",
             "# Format: plugins/auth_esia/emulator/persons.py. Regenerated with the demo; do not edit.", ""]
    lines += _person(oids["parent"], parent, "confirmed", "подтверждённая; " + _kids_note(parent, students),
                     [students[c] for c in parent["child_ids"]])
    lines += _person(oids["unconfirmed"], unconfirmed, "standard",
                     "учётная запись не подтверждена; " + _kids_note(unconfirmed, students))
    lines += _person(oids["unknown"], unknown, "confirmed", "нет в реестре «Родители» ни одной школы")
    lines += _person(oids["student_13"], young, "child", f"учащийся 13 лет ({young['class_name']}), детская "
                                                           "учётная запись")
    lines += _person(oids["student_15"], older, "confirmed", f"учащийся 15 лет ({older['class_name']}), своя "
                                                             "подтверждённая учётная запись")
    special = {parent["id"], unconfirmed["id"]}
    for other in parents:
        if other["id"] not in special:
            note = _kids_note(other, students) + ("" if other["user_id"] else "; школа не создала пользователя")
            lines += _person(OID_BASE + other["id"], other, "confirmed", note,
                             [students[c] for c in other["child_ids"]])
    path = Path(demo.instance_path) / "esia-persons.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")
    shared["auth_esia.persons_file"] = str(path)
    shared["auth_esia.oids"] = oids

    def name(row: dict) -> str:
        return f"{row['last_name']} {row['first_name']} {row['middle_name']}".strip()

    demo.add_login("Родитель через Госуслуги", HOW, name(parent),
                   note="в эмуляторе выберите этого человека и нажмите «Предоставить»: двое детей, отметки, "
                        "д/з, табель")
    demo.add_login("Учётная запись не подтверждена", HOW, name(unconfirmed),
                   note="вход отклонён: учётная запись на Госуслугах не подтверждена")
    demo.add_login("Человек не из реестра", HOW, name(unknown),
                   note="вход отклонён: школа не внесла его в реестр «Родители» со СНИЛС")
    demo.add_login("Учащийся 13 лет", HOW, name(young),
                   note="вход отклонён: младше 14 лет входят по логину и паролю от школы")
    demo.add_login("Учащийся 15 лет", HOW, name(older), note="вход разрешён: свои отметки и дневник")
