"""Export of a school's registries in the import format, so an export re-imports with no change."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import peewee

from plugins.registries import models as m
from plugins.registries.schemas import RELATION_LABELS, STATUS_LABELS
from plugins.registries.snils import format_snils
from plugins.registries.tabular import write_csv, write_xlsx

GENDER_LETTERS = {"m": "М", "f": "Ж"}  # i18n: data — the file format's values


def parents_of_school(school_id: int) -> Any:
    """Parents the school keeps: linked to one of its students, or entered by it."""
    linked = m.ParentLink.select(m.ParentLink.parent).join(m.Student).where(m.Student.school == school_id)
    return m.Parent.select().where(m.Parent.id.in_(linked) | (m.Parent.registered_school == school_id))


def student_rows(school_id: int) -> Iterator[dict[str, Any]]:
    query = (m.Student.select(m.Student, m.SchoolClass).join(m.SchoolClass, join_type=peewee.JOIN.LEFT_OUTER)
             .where(m.Student.school == school_id)
             .order_by(m.Student.last_name, m.Student.first_name, m.Student.id))
    for s in query:
        yield {
            "last_name": s.last_name, "first_name": s.first_name, "middle_name": s.middle_name,
            "birth_date": s.birth_date, "gender": GENDER_LETTERS.get(s.gender, s.gender),
            "snils": format_snils(s.snils) if s.snils else "",
            "school_class": s.school_class.name if s.school_class_id else "",
            "status": str(STATUS_LABELS.get(s.status, s.status)),
        }


def parent_rows(school_id: int) -> Iterator[dict[str, Any]]:
    for p in parents_of_school(school_id).order_by(m.Parent.last_name, m.Parent.first_name, m.Parent.id):
        yield {
            "last_name": p.last_name, "first_name": p.first_name, "middle_name": p.middle_name,
            "snils": format_snils(p.snils), "birth_date": p.birth_date, "phone": p.phone, "email": p.email,
        }


def link_rows(school_id: int) -> Iterator[dict[str, Any]]:
    query = (m.ParentLink.select(m.ParentLink, m.Parent, m.Student).join(m.Parent)
             .switch(m.ParentLink).join(m.Student)
             .where((m.Student.school == school_id) & m.ParentLink.ended_at.is_null())
             .order_by(m.Student.last_name, m.Student.first_name, m.Student.id, m.Parent.id))
    for link in query:
        s = link.student
        yield {
            "parent_snils": format_snils(link.parent.snils), "student_last_name": s.last_name,
            "student_first_name": s.first_name, "student_middle_name": s.middle_name,
            "student_birth_date": s.birth_date, "student_snils": format_snils(s.snils) if s.snils else "",
            "relation": str(RELATION_LABELS.get(link.relation, link.relation)),
        }


ROWS = {"students": student_rows, "parents": parent_rows, "links": link_rows}


def export(school_id: int, kind: str, fmt: str) -> bytes:
    """``kind`` is students, parents, links or ``all`` (XLSX only: one sheet each)."""
    if fmt == "csv":
        return write_csv(kind, ROWS[kind](school_id))
    kinds = list(ROWS) if kind == "all" else [kind]
    return write_xlsx({k: ROWS[k](school_id) for k in kinds})


def template(kind: str, fmt: str) -> bytes:
    """An empty file with the header row(s) only."""
    if fmt == "csv":
        return write_csv(kind, [])
    kinds = list(ROWS) if kind == "all" else [kind]
    return write_xlsx({k: [] for k in kinds})

