"""Import of students, parents and links into one school: validate the whole file, then apply at once.

Rules (see ``docs/plugins/registries.md``):

* every row is checked before anything is written; the report names each bad
  row by number, column and reason, in Russian;
* nothing is written while any row is bad, unless the caller asked for
  "valid rows only" — then the bad rows (and links that depend on them) are
  skipped;
* everything is applied in one transaction;
* natural keys make a re-import change nothing: a student by SNILS, or by
  name + birth date within the school; a parent by SNILS; a link by the pair.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from marshmallow import ValidationError

from core.api import _, audit, audit_many, database, model_dict, region_today, utcnow
from plugins.registries import models as m
from plugins.registries.schemas import LinkSchema, ParentSchema, StudentSchema, errors_in_russian
from plugins.registries.tabular import Sheet, header_label

SCHEMAS = {"students": StudentSchema, "parents": ParentSchema, "links": LinkSchema}
STUDENT_FIELDS = ("last_name", "first_name", "middle_name", "birth_date", "gender", "snils", "school_class", "status")
PARENT_FIELDS = ("last_name", "first_name", "middle_name", "snils", "birth_date", "phone", "email")
KIND_ORDER = ("students", "parents", "links")
CHUNK = 500
BATCH = 200


@dataclass
class RowError:
    sheet: str
    row: int
    column: str
    message: str


@dataclass
class ImportReport:
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0
    created: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KIND_ORDER, 0))
    updated: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KIND_ORDER, 0))
    unchanged: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KIND_ORDER, 0))
    applied: bool = False
    skipped_rows: int = 0

    @property
    def changes(self) -> int:
        return sum(self.created.values()) + sum(self.updated.values())


def academic_year(today: dt.date | None = None) -> int:
    """The academic year a date falls in, named by the year it starts (1 September)."""
    today = today or region_today()
    return today.year if today.month >= 9 else today.year - 1


def name_key(last: str, first: str, middle: str, birth: dt.date) -> tuple:
    return (last.casefold(), first.casefold(), (middle or "").casefold(), birth)


def jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value


def chunks(values: list, size: int = CHUNK):
    for i in range(0, len(values), size):
        yield values[i:i + size]


class Importer:
    """One import into one school. ``run`` validates, then applies unless a bad row forbids it."""

    def __init__(self, school: m.School, *, valid_only: bool = False, recorded_by: int | None = None,
                 progress: Callable[[int], None] | None = None):
        self.school = school
        self.valid_only = valid_only
        self.recorded_by = recorded_by
        self.progress = progress or (lambda n: None)
        self.report = ImportReport()
        self.year = academic_year()

    # --- validation ---------------------------------------------------------

    def run(self, sheets: list[Sheet]) -> ImportReport:
        by_kind: dict[str, list[tuple[Sheet, int, dict]]] = {k: [] for k in KIND_ORDER}
        for sheet in sheets:
            for number, raw in sheet.rows:
                by_kind[sheet.kind].append((sheet, number, raw))
        self.report.rows = sum(len(v) for v in by_kind.values())
        students = self.check_rows("students", by_kind["students"])
        parents = self.check_rows("parents", by_kind["parents"])
        self.preload(students, parents, by_kind["links"])
        students = self.check_students(students)
        parents = self.check_parents(parents)
        links = self.check_links(self.check_rows("links", by_kind["links"]), students, parents)
        if self.report.errors and not self.valid_only:
            return self.report
        bad_rows = {(e.sheet, e.row) for e in self.report.errors}
        self.report.skipped_rows = len(bad_rows)
        with database.atomic():
            self.apply_students(students)
            self.apply_parents(parents)
            self.apply_links(links)
            audit("registry.import", "school", self.school.id, details={
                "rows": self.report.rows, "skipped_rows": self.report.skipped_rows,
                "created": self.report.created, "updated": self.report.updated,
            })
        self.report.applied = True
        return self.report

    def error(self, sheet: Sheet, row: int, kind: str, key: str, message: str) -> None:
        label = header_label(kind, key) if key else ""
        self.report.errors.append(RowError(sheet.name, row, label, message))

    def check_rows(self, kind: str, rows: list[tuple[Sheet, int, dict]]) -> list[tuple[Sheet, int, dict]]:
        schema = SCHEMAS[kind]()
        good = []
        for sheet, number, raw in rows:
            try:
                good.append((sheet, number, schema.load(raw)))
            except ValidationError as exc:
                for key, message in errors_in_russian(exc.messages).items():
                    self.error(sheet, number, kind, key, message)
        return good

    def preload(self, students: list, parents: list, links: list) -> None:
        """Read, in a few queries, every existing record the file can touch."""
        school_students = list(m.Student.select().where(m.Student.school == self.school.id))
        self.students_by_snils = {s.snils: s for s in school_students if s.snils}
        self.students_by_name = {name_key(s.last_name, s.first_name, s.middle_name, s.birth_date): s
                                 for s in school_students}
        file_snils = [row["snils"] for _, _, row in students if row.get("snils")]
        self.elsewhere = {}
        for part in chunks(file_snils):
            for s in m.Student.select(m.Student.snils, m.Student.status, m.School.code).join(m.School).where(
                    m.Student.snils.in_(part) & (m.Student.school != self.school.id)):
                self.elsewhere[s.snils] = (s.school.code, s.status in m.RELEASED_STATUSES)
        parent_snils = {row["snils"] for _, _, row in parents}
        parent_snils |= {str(raw.get("parent_snils") or "").replace("-", "").replace(" ", "") for _, _, raw in links}
        self.parents_by_snils = {}
        for part in chunks(sorted(parent_snils)):
            for p in m.Parent.select().where(m.Parent.snils.in_(part)):
                self.parents_by_snils[p.snils] = p
        self.student_snils_taken = set()
        for part in chunks(sorted(parent_snils)):
            self.student_snils_taken |= {s for (s,) in m.Student.select(m.Student.snils)
                                         .where(m.Student.snils.in_(part)).tuples()}
        self.in_scope_parents = {pid for (pid,) in m.ParentLink.select(m.ParentLink.parent).join(m.Student)
                                 .where(m.Student.school == self.school.id).tuples()}
        self.in_scope_parents |= {pid for (pid,) in m.Parent.select(m.Parent.id)
                                  .where(m.Parent.registered_school == self.school.id).tuples()}
        self.links = {(pid, sid): (lid, rel, ended) for lid, pid, sid, rel, ended in m.ParentLink.select(
            m.ParentLink.id, m.ParentLink.parent, m.ParentLink.student, m.ParentLink.relation, m.ParentLink.ended_at
        ).join(m.Student).where(m.Student.school == self.school.id).tuples()}
        self.classes = {(c.grade, c.letter): c for c in m.SchoolClass.select().where(
            (m.SchoolClass.school == self.school.id) & (m.SchoolClass.year == self.year))}

    def check_students(self, rows: list) -> list:
        """Match each student row to an existing record (or none) and refuse conflicts."""
        good, seen_snils, seen_names = [], {}, {}
        for sheet, number, row in rows:
            key = name_key(row["last_name"], row["first_name"], row["middle_name"], row["birth_date"])
            snils = row.get("snils")
            if snils and snils in seen_snils:
                self.error(sheet, number, "students", "snils",
                           _("Этот СНИЛС уже указан в строке %(row)s.", row=seen_snils[snils]))
                continue
            if key in seen_names:
                self.error(sheet, number, "students", "last_name",
                           _("Этот обучающийся (ФИО и дата рождения) уже указан в строке %(row)s.",
                             row=seen_names[key]))
                continue
            if snils and snils in self.elsewhere:
                code, released = self.elsewhere[snils]
                self.error(sheet, number, "students", "snils",
                           _("Обучающийся с этим СНИЛС выбыл из другой школы (код %(code)s): зачислите его "
                             "переводом через форму «Новый обучающийся», тогда его родители и учётная запись "
                             "сохранятся.", code=code) if released else
                           _("Обучающийся с этим СНИЛС числится в другой школе (код %(code)s): зачислить его "
                             "можно, когда та школа отметит выбытие.", code=code))
                continue
            existing = (self.students_by_snils.get(snils) if snils else None) or self.students_by_name.get(key)
            if snils and existing is not None and existing.snils != snils and snils in self.students_by_snils:
                self.error(sheet, number, "students", "snils",
                           _("Этот СНИЛС уже записан у другого обучающегося школы."))
                continue
            if snils:
                seen_snils[snils] = number
            seen_names[key] = number
            good.append((sheet, number, row, existing))
        return good

    def check_parents(self, rows: list) -> list:
        good, seen = [], {}
        for sheet, number, row in rows:
            snils = row["snils"]
            if snils in seen:
                self.error(sheet, number, "parents", "snils",
                           _("Этот СНИЛС уже указан в строке %(row)s.", row=seen[snils]))
                continue
            if snils in self.student_snils_taken:
                self.error(sheet, number, "parents", "snils",
                           _("Этот СНИЛС записан у обучающегося: проверьте номер."))
                continue
            seen[snils] = number
            good.append((sheet, number, row, self.parents_by_snils.get(snils)))
        return good

    def check_links(self, rows: list, students: list, parents: list) -> list:
        """Each link must name a parent and a child that exist or arrive (valid) in this file."""
        file_students_by_snils = {row["snils"]: (row, ex) for _, _, row, ex in students if row.get("snils")}
        file_students_by_name = {name_key(r["last_name"], r["first_name"], r["middle_name"], r["birth_date"]): (r, ex)
                                 for _, _, r, ex in students}
        file_parents = {row["snils"]: (row, ex) for _, _, row, ex in parents}
        good, seen = [], {}
        for sheet, number, row in rows:
            key = name_key(row["student_last_name"], row["student_first_name"], row["student_middle_name"],
                           row["student_birth_date"])
            snils = row.get("student_snils")
            student = (file_students_by_snils.get(snils) if snils else None) or file_students_by_name.get(key)
            if student is None:
                found = (self.students_by_snils.get(snils) if snils else None) or self.students_by_name.get(key)
                student = (None, found) if found is not None else None
            if student is None:
                self.error(sheet, number, "links", "student_last_name",
                           _("Такого обучающегося нет ни в школе, ни среди правильных строк файла."))
                continue
            parent = file_parents.get(row["parent_snils"])
            if parent is None and row["parent_snils"] in self.parents_by_snils:
                parent = (None, self.parents_by_snils[row["parent_snils"]])
            if parent is None:
                self.error(sheet, number, "links", "parent_snils",
                           _("Родителя с этим СНИЛС нет ни в реестре, ни среди правильных строк файла."))
                continue
            pair = (row["parent_snils"], ("file", id(student[0])) if student[0] is not None else ("db", student[1].id))
            if pair in seen:
                self.error(sheet, number, "links", "parent_snils",
                           _("Эта связь уже указана в строке %(row)s.", row=seen[pair]))
                continue
            seen[pair] = number
            good.append((sheet, number, row, parent, student))
        return good

    # --- applying -------------------------------------------------------------

    def class_for(self, grade_letter: tuple[int, str] | None) -> m.SchoolClass | None:
        if grade_letter is None:
            return None
        if grade_letter not in self.classes:
            grade, letter = grade_letter
            self.classes[grade_letter] = m.SchoolClass.create(
                school=self.school.id, year=self.year, grade=grade, letter=letter)
        return self.classes[grade_letter]

    def insert_batches(self, model: type, rows: list[dict[str, Any]], key_of: Callable[[dict], Any],
                       ids_of: Callable[[list[dict]], dict[Any, int]], audit_fields: tuple[str, ...],
                       object_type: str) -> None:
        """Insert new rows in batches, read their ids back by natural key, audit one record per created row.

        The audit records are bulk-inserted too (``audit_many``), so every created
        row answers "who created this, when, with what" at import speed.
        """
        for batch in chunks(rows, BATCH):
            model.insert_many(batch).execute()
            ids = ids_of(batch)
            entries = []
            for values in batch:
                values["id"] = ids[key_of(values)]
                new = {k: jsonable(values.get(k)) for k in audit_fields}
                entries.append({"action": f"{object_type}.create", "object_type": object_type,
                                "object_id": values["id"], "details": {"old": None, "new": new, "source": "import"}})
            audit_many(entries)
            self.progress(len(batch))

    def apply_students(self, rows: list) -> None:
        today, now = region_today(), utcnow()
        new = []
        for _sheet, _number, row, existing in rows:
            school_class = self.class_for(row["school_class"])
            values = {
                "last_name": row["last_name"], "first_name": row["first_name"], "middle_name": row["middle_name"],
                "birth_date": row["birth_date"], "gender": row["gender"], "status": row["status"],
            }
            if row.get("snils"):
                values["snils"] = row["snils"]
            if school_class is not None:
                values["school_class"] = school_class.id
            if existing is None:
                values.update(school=self.school.id, created_at=now, updated_at=now, snils=row.get("snils"),
                              school_class=values.get("school_class"))
                row["_values"] = values
                new.append(values)
            else:
                self.update(existing, values, "student", "students")
                row["_id"] = existing.id
                self.progress(1)

        def student_key(v):
            return name_key(v["last_name"], v["first_name"], v["middle_name"], v["birth_date"])

        def student_ids(batch):
            query = m.Student.select(m.Student.id, m.Student.last_name, m.Student.first_name, m.Student.middle_name,
                                     m.Student.birth_date).where(
                (m.Student.school == self.school.id) & (m.Student.created_at == now)
                & m.Student.last_name.in_(sorted({v["last_name"] for v in batch})))
            return {name_key(last, first, middle, birth): sid for sid, last, first, middle, birth in query.tuples()}

        self.insert_batches(m.Student, new, student_key, student_ids, STUDENT_FIELDS, "student")
        for _sheet, _number, row, existing in rows:
            if existing is None:
                row["_id"] = row["_values"]["id"]
        note = _("Внесён импортом")
        for batch in chunks(new, BATCH):
            m.EnrolmentEvent.insert_many([
                {"student": v["id"], "status": v["status"], "school": self.school.id,
                 "school_class": v["school_class"], "date": today, "note": note, "recorded_by": self.recorded_by,
                 "recorded_at": now} for v in batch]).execute()
        self.report.created["students"] += len(new)

    def apply_parents(self, rows: list) -> None:
        now = utcnow()
        new = []
        for _sheet, _number, row, existing in rows:
            values = {k: row[k] for k in PARENT_FIELDS}
            if existing is None:
                values.update(registered_school=self.school.id, created_at=now, updated_at=now)
                row["_values"] = values
                new.append(values)
                continue
            if existing.id not in self.in_scope_parents:
                # Entered by another school: its data is not this school's to change; links still work.
                self.report.unchanged["parents"] += 1
            else:
                self.update(existing, values, "parent", "parents")
            row["_id"] = existing.id
            self.progress(1)

        def parent_ids(batch):
            query = m.Parent.select(m.Parent.snils, m.Parent.id).where(m.Parent.snils.in_([v["snils"] for v in batch]))
            return dict(query.tuples())

        self.insert_batches(m.Parent, new, lambda v: v["snils"], parent_ids, PARENT_FIELDS, "parent")
        for _sheet, _number, row, existing in rows:
            if existing is None:
                row["_id"] = row["_values"]["id"]
        self.report.created["parents"] += len(new)

    def apply_links(self, rows: list) -> None:
        now = utcnow()
        new = []
        for _sheet, _number, row, parent, student in rows:
            parent_id = parent[1].id if parent[0] is None else parent[0]["_id"]
            student_id = student[1].id if student[0] is None else student[0]["_id"]
            known = self.links.get((parent_id, student_id))
            if known is None:
                values = {"parent": parent_id, "student": student_id, "relation": row["relation"], "created_at": now}
                self.links[(parent_id, student_id)] = (None, row["relation"], None)
                new.append(values)
                continue
            if known[1] != row["relation"] or known[2] is not None:
                m.ParentLink.update(relation=row["relation"], ended_at=None).where(
                    m.ParentLink.id == known[0]).execute()
                audit("link.update", "parent_link", known[0], details={
                    "old": {"relation": known[1], "ended_at": jsonable(known[2])},
                    "new": {"relation": row["relation"], "ended_at": None}, "source": "import"})
                self.report.updated["links"] += 1
            else:
                self.report.unchanged["links"] += 1
            self.progress(1)

        def link_ids(batch):
            query = m.ParentLink.select(m.ParentLink.parent, m.ParentLink.student, m.ParentLink.id).where(
                m.ParentLink.student.in_(sorted({v["student"] for v in batch})) & (m.ParentLink.created_at == now))
            return {(pid, sid): lid for pid, sid, lid in query.tuples()}

        self.insert_batches(m.ParentLink, new, lambda v: (v["parent"], v["student"]), link_ids,
                            ("parent", "student", "relation"), "parent_link")
        self.report.created["links"] += len(new)

    def update(self, record: Any, values: dict[str, Any], object_type: str, kind: str) -> None:
        """Write only what differs, audit old→new, and record an enrolment event on a status change."""
        old = model_dict(record, list(values))
        fresh = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in values.items()}
        changed = {k for k in values if old[k] != fresh[k]}
        if not changed:
            self.report.unchanged[kind] += 1
            return
        for key in changed:
            setattr(record, key, values[key])
        record.updated_at = utcnow()
        record.save(only=[getattr(type(record), k) for k in changed] + [type(record).updated_at])
        if "status" in changed or "school_class" in changed:
            m.EnrolmentEvent.create(student=record.id, status=record.status, school=self.school.id,
                                    school_class=record.school_class_id, date=region_today(),
                                    note=_("Изменён импортом"), recorded_by=self.recorded_by)
        audit(f"{object_type}.update", object_type, record.id, details={
            "old": {k: old[k] for k in changed}, "new": {k: fresh[k] for k in changed}, "source": "import"})
        self.report.updated[kind] += 1
