"""Import of students, parents and links into one school: check and stage the file, then apply it at once.

Rules (see ``docs/plugins/registries.md``):

* every row is checked before anything is written to the registries; the
  report names each bad row by number, column and reason, in Russian;
* nothing is written while any row is bad, unless the caller asked for
  "valid rows only" — then the bad rows (and links that depend on them) are
  skipped;
* a row that would change the identity of a person already in the registry
  (surname, first name, birth date, SNILS), and a class that does not exist
  yet, are listed for the admin to confirm; nothing is written until they do;
* natural keys make a re-import change nothing: a student by SNILS, or by
  name + birth date within the school; a parent by SNILS; a link by the pair.

How it is written: the file is streamed in chunks of ``CHUNK`` rows; each
chunk is checked (its lookups are a few queries) and written to the staging
tables (``models.STAGING_MODELS``) in its own short transaction, so other
requests keep writing during a long import. Then one short final transaction
moves the whole batch into the registries with set-based ``INSERT … SELECT`` /
``UPDATE … FROM`` statements and their audit records: readers see all of the
import or none of it, and memory does not grow with the file.
"""

from __future__ import annotations

import datetime as dt
import json
import operator
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from itertools import islice
from typing import Any

import peewee
from marshmallow import ValidationError, missing

from core.api import _, audit, audit_details, audit_from, database, mask_snils, region_today, utcnow
from plugins.registries import models as m
from plugins.registries.schemas import LinkSchema, ParentSchema, StudentSchema, unquote_cell
from plugins.registries.tabular import FileError, Sheet, header_label

SCHEMAS = {"students": StudentSchema, "parents": ParentSchema, "links": LinkSchema}
PARENT_FIELDS = ("last_name", "first_name", "middle_name", "snils", "birth_date", "phone", "email")
KIND_ORDER = ("students", "parents", "links")
CHUNK = 1000  # rows checked and staged per short transaction
LOOKUP = 1000  # values per IN (...) of a lookup query
MAX_LISTED = 500  # errors and confirmations kept for the report; the rest are counted
BATCH_TTL = dt.timedelta(days=1)  # a staged batch nobody confirmed is deleted after this


@dataclass
class RowError:
    sheet: str
    row: int
    column: str
    message: str


@dataclass
class IdentityChange:
    """A row that would change who a registered person is: shown old → new for the admin to confirm."""

    sheet: str
    row: int
    kind: str
    old: dict[str, str]
    new: dict[str, str]


@dataclass
class ImportReport:
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    rows: int = 0
    created: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KIND_ORDER, 0))
    updated: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KIND_ORDER, 0))
    unchanged: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KIND_ORDER, 0))
    applied: bool = False
    skipped_rows: int = 0
    identity: list[IdentityChange] = field(default_factory=list)
    identity_count: int = 0
    new_classes: dict[str, int] = field(default_factory=dict)  # class name → rows naming it
    batch_id: int | None = None  # set while the import waits for the admin's confirmation
    file_error: str = ""

    @property
    def changes(self) -> int:
        return sum(self.created.values()) + sum(self.updated.values())

    @property
    def needs_confirmation(self) -> bool:
        return bool(self.identity_count or self.new_classes)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> ImportReport:
        data = json.loads(text)
        data["errors"] = [RowError(**e) for e in data.get("errors", [])]
        data["identity"] = [IdentityChange(**c) for c in data.get("identity", [])]
        return cls(**data)


class StaleBatch(Exception):
    """The registry changed between the check and the final step."""


def academic_year(today: dt.date | None = None) -> int:
    """The academic year a date falls in, named by the year it starts (1 September)."""
    today = today or region_today()
    return today.year if today.month >= 9 else today.year - 1


def name_key(last: str, first: str, middle: str, birth: dt.date | str) -> str:
    birth = birth.isoformat() if isinstance(birth, dt.date) else str(birth)
    return f"{last.casefold()}|{first.casefold()}|{(middle or '').casefold()}|{birth}"


def jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value


def chunks(values: Iterable, size: int = LOOKUP) -> Iterator[list]:
    iterator = iter(values)
    while part := list(islice(iterator, size)):
        yield part


class Placeholders(peewee.Node):
    """``(?, ?, …)`` with ``values`` as parameters, for ``field.in_(…)``.

    A plain list makes peewee build and render one node per value, and even
    ``SQL(text, params)`` passes each value through the context one call at a
    time (twice: ``in_`` renders its right side once more to see if it is
    empty) — most of an import's lookup time. The values here are already the
    column's own types, so they are added to the query's parameters as they are.
    """

    def __init__(self, values: list):
        super().__init__()
        self.values = values

    def __sql__(self, ctx):
        ctx.literal("(" + ", ".join([ctx.state.param or "?"] * len(self.values)) + ")")
        ctx._values.extend(self.values)  # peewee's Context keeps a query's parameters here
        return ctx


def lookup(query_of: Callable[[Any], Any], values: Iterable) -> list[tuple]:
    """Run ``query_of(part)`` for parts of ``values`` small enough for an ``IN (...)``; all its rows.

    ``part`` is given as ``Placeholders(...)``: use it only as ``field.in_(part)``. The rows are the
    driver's own tuples (peewee's per-row wrapping is most of the cost of a lookup of a thousand rows),
    so select integer and text columns only; ``records`` gives model instances.
    """
    found = []
    for part in chunks(sorted(set(v for v in values if v is not None))):
        found.extend(database.execute(query_of(Placeholders(part))).fetchall())
    return found


def records(query_of: Callable[[Any], Iterable], values: Iterable) -> list:
    """``lookup`` of whole records (model instances, their values converted by their fields)."""
    found = []
    for part in chunks(sorted(set(v for v in values if v is not None))):
        found.extend(query_of(Placeholders(part)))
    return found


@dataclass(slots=True)
class Column:
    """One field of a row schema in ``RowLoader``, with the outcomes of the cells it has checked."""

    name: str
    schema_field: Any
    seen: dict[str, tuple[bool, Any]] | None = field(default_factory=dict)
    since: int = 0  # the loader's row count when ``seen`` was last emptied


class RowLoader:
    """A row schema's own fields applied to one row: the checks and Russian messages of ``schema.load``.

    Imports check up to 100,000 rows; marshmallow's per-row machinery (hooks,
    error containers) costs more than the checks themselves, so the fields are
    called directly. ``tests/registries/test_import_export.py`` holds both to
    the same results.

    Each field of these schemas is a function of its cell alone, and most
    columns repeat their cells (first names, birth dates, classes, genders,
    relations), so a text cell's outcome is remembered: each distinct cell of
    such a column is checked once per loader, i.e. once per import (``PastDate``
    reads today's date). A column stops being remembered when its memory fills
    with fewer hits than cells (SNILS, surnames, phones are mostly distinct), so
    memory stays flat.
    """

    REMEMBERED = 5_000  # distinct cells remembered per column

    def __init__(self, schema_cls: type):
        schema = schema_cls()
        self.columns = [Column(name, f) for name, f in schema.fields.items()]
        self.rows = 0

    def load(self, raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        out, errors = {}, {}
        self.rows += 1
        for column in self.columns:
            name, value, seen = column.name, raw.get(column.name), column.seen
            remember = seen is not None and type(value) is str
            outcome = seen.get(value) if remember else None
            if outcome is None:
                outcome = self.check(column.schema_field, name, value, raw)
                if remember:
                    if len(seen) >= self.REMEMBERED:
                        seen = self.refill(column)
                    if seen is not None:
                        seen[value] = outcome
            ok, result = outcome
            if not ok:
                errors[name] = result
            elif result is not missing:
                out[name] = result
        return out, errors

    def refill(self, column: Column) -> dict | None:
        """A column's memory is full: start it again, or stop remembering a column whose cells do not repeat."""
        if self.rows - column.since < 2 * self.REMEMBERED:
            column.seen = None
        else:
            column.seen, column.since = {}, self.rows
        return column.seen

    @staticmethod
    def check(f: Any, name: str, value: Any, raw: dict[str, Any]) -> tuple[bool, Any]:
        """``(True, value)`` (``missing``: leave the key out) or ``(False, the reason in Russian)``."""
        if isinstance(value, str):
            value = unquote_cell(value).strip()
        if value is None or value == "":
            if f.required:
                return False, str(f.error_messages["required"])
            default = f.load_default
            return True, default() if callable(default) else default
        try:
            return True, f._deserialize(value, name, raw)
        except ValidationError as exc:
            message = exc.messages
            while isinstance(message, (list, tuple, dict)) and message:
                message = next(iter(message.values())) if isinstance(message, dict) else message[0]
            return False, str(message)


CHECKPOINT_LISTENERS: list[Callable[[str, int], None]] = []


def announce(point: str, count: int = 0) -> None:
    """Tell listeners (the reliability tests) the import reached ``point``; they may hold it there."""
    for listener in list(CHECKPOINT_LISTENERS):
        listener(point, count)


def insert_rows(model: type, rows: list[dict[str, Any]]) -> None:
    """``executemany`` of plain rows into a staging table (the SQL is built once, not per row).

    The rows hold their columns' own Python types already (the loader made
    them), so they go to the driver as they are, without a ``db_value`` call
    per cell.
    """
    if not rows:
        return
    columns = list(rows[0])
    db = database.obj
    sql = 'INSERT INTO "{}" ({}) VALUES ({})'.format(
        model._meta.table_name, ", ".join(f'"{model._meta.fields[c].column_name}"' for c in columns),
        ", ".join([db.param] * len(columns)))
    db.cursor().executemany(sql, map(operator.itemgetter(*columns), rows))


class Importer:
    """One import into one school. ``run`` checks and stages, then applies unless something forbids it."""

    def __init__(self, school: m.School, *, valid_only: bool = False, recorded_by: int | None = None,
                 progress: Callable[[int], None] | None = None, confirm_identity: bool = False,
                 confirm_classes: bool = False, max_rows: int | None = None,
                 checkpoint: Callable[[str, int], None] | None = None):
        self.school = school
        self.valid_only = valid_only
        self.recorded_by = recorded_by
        self.progress = progress or (lambda n: None)
        self.confirm_identity = confirm_identity
        self.confirm_classes = confirm_classes
        self.max_rows = max_rows
        self.checkpoint = checkpoint or announce
        self.report = ImportReport()
        self.year = academic_year()
        self.batch: m.ImportBatch | None = None
        self._bad_row: tuple[str, int] | None = None
        self.loaders = {kind: RowLoader(schema) for kind, schema in SCHEMAS.items()}

    # --- the whole run ----------------------------------------------------------------

    def run(self, sheets: list[Sheet]) -> ImportReport:
        purge_expired()
        with database.atomic():
            self.batch = m.ImportBatch.create(school=self.school.id, created_by=self.recorded_by)
        try:
            self.preload()
            by_kind = {k: [s for s in sheets if s.kind == k] for k in KIND_ORDER}
            for kind in KIND_ORDER:
                for sheet in by_kind[kind]:
                    self.stage_sheet(sheet)
        except BaseException:
            self.discard()
            raise
        if self.report.error_count and not self.valid_only:
            self.discard()
            return self.report
        if self.report.needs_confirmation:
            with database.atomic():
                self.batch.state = "confirm"
                self.batch.summary = self.report.to_json()
                self.batch.save()
            self.report.batch_id = self.batch.id
            return self.report
        return self.apply()

    @classmethod
    def confirm(cls, school: m.School, batch_id: int, recorded_by: int | None, **kwargs) -> ImportReport:
        """Apply a staged batch the admin has seen and confirmed (its identity changes and new classes)."""
        batch = m.ImportBatch.get_or_none(
            (m.ImportBatch.id == batch_id) & (m.ImportBatch.school == school.id) & (m.ImportBatch.state == "confirm")
            & (m.ImportBatch.created_by == recorded_by) & (m.ImportBatch.created_at > utcnow() - BATCH_TTL))
        if batch is None:
            report = ImportReport(file_error=_("Эта загрузка уже записана, отменена или устарела: загрузите файл "
                                               "снова."))
            return report
        importer = cls(school, recorded_by=recorded_by, **kwargs)
        importer.batch = batch
        importer.report = ImportReport.from_json(batch.summary)
        importer.report.batch_id = None
        return importer.apply()

    @classmethod
    def cancel(cls, school: m.School, batch_id: int, recorded_by: int | None) -> None:
        batch = m.ImportBatch.get_or_none((m.ImportBatch.id == batch_id) & (m.ImportBatch.school == school.id)
                                          & (m.ImportBatch.created_by == recorded_by)
                                          & (m.ImportBatch.state == "confirm"))
        if batch is not None:
            delete_batch(batch.id)

    def discard(self) -> None:
        if self.batch is not None:
            delete_batch(self.batch.id)

    # --- reading and checking ---------------------------------------------------------

    def error(self, sheet: Sheet, row: int, kind: str, key: str, message: str) -> None:
        if self._bad_row != (sheet.name, row):
            self._bad_row = (sheet.name, row)
            self.report.skipped_rows += 1
        self.report.error_count += 1
        if len(self.report.errors) < MAX_LISTED:
            label = header_label(kind, key) if key else ""
            self.report.errors.append(RowError(sheet.name, row, label, message))

    def preload(self) -> None:
        """What every chunk needs: the school's classes of the year and its students' name keys."""
        self.classes = {(grade, letter): cid for cid, grade, letter in m.SchoolClass.select(
            m.SchoolClass.id, m.SchoolClass.grade, m.SchoolClass.letter).where(
            (m.SchoolClass.school == self.school.id) & (m.SchoolClass.year == self.year)).tuples()}
        self.school_names = {name_key(last, first, middle, birth): sid for sid, last, first, middle, birth in
                             m.Student.select(m.Student.id, m.Student.last_name, m.Student.first_name,
                                              m.Student.middle_name, m.Student.birth_date)
                             .where(m.Student.school == self.school.id).tuples()}

    def stage_sheet(self, sheet: Sheet) -> None:
        stage = {"students": self.stage_students, "parents": self.stage_parents, "links": self.stage_links}
        for part in chunks(sheet.rows, CHUNK):
            self.report.rows += len(part)
            if self.max_rows is not None and self.report.rows > self.max_rows:
                raise FileError(_("В файле больше %(n)s строк: разделите его на части.", n=self.max_rows))
            good = []
            load = self.loaders[sheet.kind].load
            for number, raw in part:
                values, errors = load(raw)
                if errors:
                    for key, message in errors.items():
                        self.error(sheet, number, sheet.kind, key, message)
                else:
                    good.append((number, values))
            staged = stage[sheet.kind](sheet, good)
            with database.atomic():
                insert_rows({"students": m.StagedStudent, "parents": m.StagedParent,
                             "links": m.StagedLink}[sheet.kind], staged)
            self.progress(len(part))
            self.checkpoint("staged", self.report.rows)

    def stage_students(self, sheet: Sheet, rows: list[tuple[int, dict]]) -> list[dict]:
        batch = self.batch.id
        for _number, row in rows:
            row["name_key"] = name_key(row["last_name"], row["first_name"], row["middle_name"], row["birth_date"])
        snils = [row["snils"] for _, row in rows if row.get("snils")]
        keys = [row["name_key"] for _, row in rows]
        seen_snils = dict(lookup(lambda part: m.StagedStudent.select(m.StagedStudent.snils, m.StagedStudent.row)
                                 .where((m.StagedStudent.batch == batch) & m.StagedStudent.snils.in_(part)).tuples(),
                                 snils))
        seen_keys = dict(lookup(lambda part: m.StagedStudent.select(m.StagedStudent.name_key, m.StagedStudent.row)
                                .where((m.StagedStudent.batch == batch) & m.StagedStudent.name_key.in_(part))
                                .tuples(), keys))
        by_snils = {s.snils: s for s in records(
            lambda part: m.Student.select(m.Student, m.School.id, m.School.code).join(m.School)
            .where(m.Student.snils.in_(part)),
            snils)}
        by_id = {s.id: s for s in records(lambda part: m.Student.select().where(m.Student.id.in_(part)),
                                         (self.school_names.get(k) for k in keys))}
        staged = []
        for number, row in rows:
            snils, key = row.get("snils"), row["name_key"]
            if snils and snils in seen_snils:
                self.error(sheet, number, "students", "snils",
                           _("Этот СНИЛС уже указан в строке %(row)s.", row=seen_snils[snils]))
                continue
            if key in seen_keys:
                self.error(sheet, number, "students", "last_name",
                           _("Этот обучающийся (ФИО и дата рождения) уже указан в строке %(row)s.",
                             row=seen_keys[key]))
                continue
            found = by_snils.get(snils) if snils else None
            if found is not None and found.school_id != self.school.id:
                released = found.status in m.RELEASED_STATUSES
                self.error(sheet, number, "students", "snils",
                           _("Обучающийся с этим СНИЛС выбыл из другой школы (код %(code)s): зачислите его "
                             "переводом через форму «Новый обучающийся», тогда его родители и учётная запись "
                             "сохранятся.", code=found.school.code) if released else
                           _("Обучающийся с этим СНИЛС числится в другой школе (код %(code)s): зачислить его "
                             "можно, когда та школа отметит выбытие.", code=found.school.code))
                continue
            existing = found or by_id.get(self.school_names.get(key))
            values = self.student_values(sheet, number, row, existing)
            if values is None:
                continue
            if snils:
                seen_snils[snils] = number
            seen_keys[key] = number
            staged.append(values)
        return staged

    def class_of(self, sheet: Sheet, number: int, grade_letter: tuple[int, str] | None) -> dict[str, Any]:
        if grade_letter is None:
            return {}
        if grade_letter in self.classes:
            return {"class_id": self.classes[grade_letter]}
        name = f"{grade_letter[0]}{grade_letter[1]}"
        self.report.new_classes[name] = self.report.new_classes.get(name, 0) + 1
        if self.confirm_classes:
            self.report.new_classes.pop(name)
        return {"grade": grade_letter[0], "letter": grade_letter[1]}

    def identity_change(self, sheet: Sheet, number: int, kind: str, record: Any, row: dict[str, Any]) -> bool:
        """Record (for confirmation) a row that changes a registered person's name, birth date or SNILS."""
        keys = ("last_name", "first_name", "birth_date", "snils")
        old, new = {}, {}
        for key in keys:
            before, after = getattr(record, key), row.get(key)
            if after in (None, "") or before in (None, ""):
                continue  # filling in what was missing is not a change of identity
            if isinstance(before, str) and isinstance(after, str) and before.casefold() == after.casefold():
                continue
            if before != after:
                show = mask_snils if key == "snils" else (lambda v: v.strftime("%d.%m.%Y") if v else "")
                if key in ("last_name", "first_name"):
                    show = str
                old[key], new[key] = show(before) if before else "", show(after)
        if not old:
            return False
        if not self.confirm_identity:
            self.report.identity_count += 1
            if len(self.report.identity) < MAX_LISTED:
                labels = {k: header_label(kind, k) for k in old}
                self.report.identity.append(IdentityChange(sheet.name, number, kind,
                                                           {labels[k]: v for k, v in old.items()},
                                                           {labels[k]: v for k, v in new.items()}))
        return True

    def student_values(self, sheet: Sheet, number: int, row: dict, existing: m.Student | None) -> dict | None:
        """The staged row: the file's values over the stored ones (a blank optional cell keeps what is stored)."""
        place = self.class_of(sheet, number, row["school_class"])
        values = {"batch": self.batch.id, "row": number, "last_name": row["last_name"],
                  "first_name": row["first_name"], "middle_name": row["middle_name"],
                  "birth_date": row["birth_date"], "gender": row["gender"], "snils": row.get("snils"),
                  "status": row["status"], "class_id": place.get("class_id"), "grade": place.get("grade"),
                  "letter": place.get("letter"), "name_key": row["name_key"]}
        if existing is not None:
            values["middle_name"] = values["middle_name"] or existing.middle_name
            values["snils"] = values["snils"] or existing.snils
            if not place:
                values["class_id"] = existing.school_class_id
        if values["status"] == "enrolled" and values["class_id"] is None and values["grade"] is None:
            self.error(sheet, number, "students", "school_class",
                       _("Укажите класс: обучающийся без класса не попадёт ни в журнал, ни в списки."))
            return None
        if existing is None:  # its audit details are made by the final step (``created_details``)
            self.report.created["students"] += 1
            values.update(existing=None, existing_updated_at=None, changed=True, event=True, details="{}")
            return values
        class_name = f"{values['grade']}{values['letter']}" if values["grade"] is not None else (
            self.class_name(values["class_id"]))
        self.identity_change(sheet, number, "students", existing, row)
        old, new = {}, {}
        for key in ("last_name", "first_name", "middle_name", "birth_date", "gender", "snils", "status"):
            before, after = getattr(existing, key), values[key]
            if before != after:
                old[key], new[key] = jsonable(before), jsonable(after)
        if values["class_id"] != existing.school_class_id or values["grade"] is not None:
            old["school_class"], new["school_class"] = self.class_name(existing.school_class_id), class_name
        changed = bool(old)
        (self.report.updated if changed else self.report.unchanged)["students"] += 1
        values.update(existing=existing.id, existing_updated_at=existing.updated_at, changed=changed,
                      event="status" in old or "school_class" in old,
                      details=audit_details({"old": old, "new": new, "source": "import"}) if changed else "{}")
        return values

    def class_name(self, class_id: int | None) -> str | None:
        if class_id is None:
            return None
        if not hasattr(self, "_class_names"):
            self._class_names = {cid: f"{g}{letter}" for cid, g, letter in m.SchoolClass.select(
                m.SchoolClass.id, m.SchoolClass.grade, m.SchoolClass.letter).where(
                m.SchoolClass.school == self.school.id).tuples()}
        return self._class_names.get(class_id)

    def stage_parents(self, sheet: Sheet, rows: list[tuple[int, dict]]) -> list[dict]:
        batch = self.batch.id
        snils = [row["snils"] for _, row in rows]
        seen = dict(lookup(lambda part: m.StagedParent.select(m.StagedParent.snils, m.StagedParent.row).where(
            (m.StagedParent.batch == batch) & m.StagedParent.snils.in_(part)).tuples(), snils))
        taken = {s for (s,) in lookup(lambda part: m.Student.select(m.Student.snils).where(
            m.Student.snils.in_(part)).tuples(), snils)}
        taken |= {s for (s,) in lookup(lambda part: m.StagedStudent.select(m.StagedStudent.snils).where(
            (m.StagedStudent.batch == batch) & m.StagedStudent.snils.in_(part)).tuples(), snils)}
        existing = {p.snils: p for p in records(lambda part: m.Parent.select().where(m.Parent.snils.in_(part)), snils)}
        ids = [p.id for p in existing.values()]
        in_scope = {p.id for p in existing.values() if p.registered_school_id == self.school.id}
        in_scope |= {pid for (pid,) in lookup(lambda part: m.ParentLink.select(m.ParentLink.parent).join(m.Student)
                                              .where(m.ParentLink.parent.in_(part)
                                                     & (m.Student.school == self.school.id)).tuples(), ids)}
        staged = []
        for number, row in rows:
            key = row["snils"]
            if key in seen:
                self.error(sheet, number, "parents", "snils", _("Этот СНИЛС уже указан в строке %(row)s.",
                                                                row=seen[key]))
                continue
            if key in taken:
                self.error(sheet, number, "parents", "snils", _("Этот СНИЛС записан у обучающегося: проверьте номер."))
                continue
            found = existing.get(key)
            values = {"batch": batch, "row": number, **{k: row[k] for k in PARENT_FIELDS}}
            if found is None:
                self.report.created["parents"] += 1
                # The final step makes its audit details (``created_details``) around the free text, which
                # is cleaned here by the audit's own rules (a SNILS typed into a phone is masked).
                values.update(existing=None, existing_updated_at=None, changed=True,
                              details=audit_details({"phone": row["phone"], "email": row["email"]}))
            elif found.id not in in_scope:
                # Entered by another school: not this school's to change, and never shown here; links still work
                # when the file names the same person.
                if self.differs(found, row):
                    self.error(sheet, number, "parents", "snils",
                               _("Этот СНИЛС в реестре принадлежит человеку с другими фамилией, именем или датой "
                                 "рождения: проверьте номер по документу."))
                    continue
                self.report.unchanged["parents"] += 1
                values.update(existing=found.id, existing_updated_at=found.updated_at, changed=False, details="{}")
            else:
                self.identity_change(sheet, number, "parents", found, row)
                for optional in ("middle_name", "birth_date", "phone", "email"):
                    if values[optional] in (None, ""):
                        values[optional] = getattr(found, optional)
                old = {k: jsonable(getattr(found, k)) for k in PARENT_FIELDS if getattr(found, k) != values[k]}
                new = {k: jsonable(values[k]) for k in old}
                (self.report.updated if old else self.report.unchanged)["parents"] += 1
                values.update(existing=found.id, existing_updated_at=found.updated_at, changed=bool(old),
                              details=audit_details({"old": old, "new": new, "source": "import"}) if old else "{}")
            seen[key] = number
            staged.append(values)
        return staged

    @staticmethod
    def differs(record: Any, row: dict[str, Any]) -> bool:
        if record.last_name.casefold() != row["last_name"].casefold():
            return True
        if record.first_name.casefold() != row["first_name"].casefold():
            return True
        return bool(record.birth_date and row.get("birth_date") and record.birth_date != row["birth_date"])

    def stage_links(self, sheet: Sheet, rows: list[tuple[int, dict]]) -> list[dict]:
        batch, school = self.batch.id, self.school.id
        for _number, row in rows:
            row["key"] = name_key(row["student_last_name"], row["student_first_name"], row["student_middle_name"],
                                  row["student_birth_date"])
        # Each side is looked for in the order below; a later lookup asks only for what is still unresolved.
        s = m.StagedStudent
        child_snils = [row.get("student_snils") for _, row in rows]
        staged_by_snils = {sn: (sid, ex) for sn, sid, ex in lookup(lambda part: s.select(s.snils, s.id, s.existing)
                                                                    .where((s.batch == batch) & s.snils.in_(part))
                                                                    .tuples(), child_snils)}
        open_rows = [row for _, row in rows if row.get("student_snils") not in staged_by_snils]
        staged_by_key = {k: (sid, ex) for k, sid, ex in lookup(lambda part: s.select(s.name_key, s.id, s.existing)
                                                                .where((s.batch == batch) & s.name_key.in_(part))
                                                                .tuples(), (row["key"] for row in open_rows))}
        school_by_snils = dict(lookup(lambda part: m.Student.select(m.Student.snils, m.Student.id).where(
            (m.Student.school == school) & m.Student.snils.in_(part)).tuples(),
            (row.get("student_snils") for row in open_rows if row["key"] not in staged_by_key)))
        p = m.StagedParent
        staged_parents = {sn: (pid, ex) for sn, pid, ex in lookup(lambda part: p.select(p.snils, p.id, p.existing)
                                                                  .where((p.batch == batch) & p.snils.in_(part))
                                                                  .tuples(), (r["parent_snils"] for _, r in rows))}
        parents = dict(lookup(lambda part: m.Parent.select(m.Parent.snils, m.Parent.id).where(
            m.Parent.snils.in_(part)).tuples(), (r["parent_snils"] for _, r in rows
                                                 if r["parent_snils"] not in staged_parents)))
        resolved = []
        for number, row in rows:
            snils = row.get("student_snils")
            student = ((staged_by_snils.get(snils) if snils else None) or staged_by_key.get(row["key"]))
            if student is None:
                found = (school_by_snils.get(snils) if snils else None) or self.school_names.get(row["key"])
                student = (None, found) if found is not None else None
            if student is None:
                self.error(sheet, number, "links", "student_last_name",
                           _("Такого обучающегося нет ни в школе, ни среди правильных строк файла."))
                continue
            parent = staged_parents.get(row["parent_snils"])
            if parent is None and row["parent_snils"] in parents:
                parent = (None, parents[row["parent_snils"]])
            if parent is None:
                self.error(sheet, number, "links", "parent_snils",
                           _("Родителя с этим СНИЛС нет ни в реестре, ни среди правильных строк файла."))
                continue
            parent_id, parent_ref = (parent[1], None) if parent[1] is not None else (None, parent[0])
            student_id, student_ref = (student[1], None) if student[1] is not None else (None, student[0])
            pair = f"p{parent_id}" if parent_id else f"q{parent_ref}"
            pair += f":s{student_id}" if student_id else f":t{student_ref}"
            resolved.append((number, row, parent_id, parent_ref, student_id, student_ref, pair))
        seen = dict(lookup(lambda part: m.StagedLink.select(m.StagedLink.pair, m.StagedLink.row).where(
            (m.StagedLink.batch == batch) & m.StagedLink.pair.in_(part)).tuples(), (r[6] for r in resolved)))
        known = {}
        for pids in chunks(sorted({r[2] for r in resolved if r[2] and r[4]})):
            for lid, pid, sid, relation, ended in m.ParentLink.select(
                    m.ParentLink.id, m.ParentLink.parent, m.ParentLink.student, m.ParentLink.relation,
                    m.ParentLink.ended_at).where(m.ParentLink.parent.in_(pids)).tuples():
                known[(pid, sid)] = (lid, relation, ended)
        staged = []
        for number, row, parent_id, parent_ref, student_id, student_ref, pair in resolved:
            if pair in seen:
                self.error(sheet, number, "links", "parent_snils",
                           _("Эта связь уже указана в строке %(row)s.", row=seen[pair]))
                continue
            seen[pair] = number
            values = {"batch": batch, "row": number, "parent_id": parent_id, "parent_ref": parent_ref,
                      "student_id": student_id, "student_ref": student_ref, "pair": pair,
                      "relation": row["relation"], "existing": None, "changed": True, "details": "{}"}
            link = known.get((parent_id, student_id)) if parent_id and student_id else None
            if link is None:
                self.report.created["links"] += 1
            elif link[1] != row["relation"] or link[2] is not None:
                self.report.updated["links"] += 1
                values.update(existing=link[0], details=audit_details({
                    "old": {"relation": link[1], "ended_at": jsonable(link[2])},
                    "new": {"relation": row["relation"], "ended_at": None}, "source": "import"}))
            else:
                self.report.unchanged["links"] += 1
                values.update(existing=link[0], changed=False)
            staged.append(values)
        return staged

    # --- the final step -----------------------------------------------------------------

    def apply(self) -> ImportReport:
        """Move the staged batch into the registries in one short transaction, with its audit records."""
        try:
            with database.atomic():
                self.write_batch()
                self.checkpoint("applying", self.report.rows)
        except (StaleBatch, peewee.IntegrityError):
            self.discard()
            self.report.file_error = _("Реестр изменился, пока файл проверялся или ждал подтверждения: "
                                       "ничего не записано, загрузите файл снова.")
            return self.report
        self.report.applied = True
        self.report.batch_id = None
        self.discard()
        self.checkpoint("applied", self.report.rows)
        return self.report

    def write_batch(self) -> None:
        db = database.obj
        typed = not isinstance(db, peewee.SqliteDatabase)
        batch, school, now, today = self.batch.id, self.school.id, utcnow(), region_today()
        if typed:  # PostgreSQL: take the ids below without a concurrent insert between (reads go on)
            db.execute_sql("LOCK TABLE student, parent, parent_link IN EXCLUSIVE MODE")

        def const(value: Any, sql_type: str) -> Any:
            return peewee.Cast(peewee.Value(value), sql_type) if typed else peewee.Value(value)

        s, p, lk = m.StagedStudent, m.StagedParent, m.StagedLink
        for staged, model in ((s, m.Student), (p, m.Parent)):
            stale = (staged.select(peewee.fn.COUNT(staged.id)).join(model, on=(model.id == staged.existing))
                     .where((staged.batch == batch) & (model.updated_at != staged.existing_updated_at)).scalar())
            if stale:
                raise StaleBatch()
        new_classes = (s.batch == batch) & s.grade.is_null(False)
        for grade, letter in s.select(s.grade, s.letter).where(new_classes).distinct().tuples():
            created = m.SchoolClass.create(school=school, year=self.year, grade=grade, letter=letter)
            audit("class.create", "school_class", created.id, details={
                "old": None, "new": {"name": created.name}, "source": "import"})
        sc = m.SchoolClass
        s.update(class_id=sc.select(sc.id).where((sc.school == school) & (sc.year == self.year)
                                                 & (sc.grade == s.grade) & (sc.letter == s.letter))
                 ).where(new_classes).execute()

        def offset(staged: Any, model: Any) -> int:
            first = staged.select(peewee.fn.MIN(staged.id)).where(
                (staged.batch == batch) & staged.existing.is_null()).scalar()
            top = model.select(peewee.fn.MAX(model.id)).scalar() or 0
            return 0 if first is None else top - first + 1

        s_off, p_off = offset(s, m.Student), offset(p, m.Parent)
        new_students = (s.batch == batch) & s.existing.is_null()
        m.Student.insert_from(s.select(
            s.id + s_off, s.last_name, s.first_name, s.middle_name, s.birth_date, s.gender, s.snils, s.status,
            s.class_id, const(school, "INTEGER"), const(now, "TIMESTAMP"), const(now, "TIMESTAMP")).where(
            new_students).order_by(s.id), [
            m.Student.id, m.Student.last_name, m.Student.first_name, m.Student.middle_name, m.Student.birth_date,
            m.Student.gender, m.Student.snils, m.Student.status, m.Student.school_class, m.Student.school,
            m.Student.created_at, m.Student.updated_at]).execute()
        changed_students = (s.batch == batch) & s.existing.is_null(False) & (s.changed == True)  # noqa: E712
        m.Student.update({
            m.Student.last_name: s.last_name, m.Student.first_name: s.first_name,
            m.Student.middle_name: s.middle_name, m.Student.birth_date: s.birth_date, m.Student.gender: s.gender,
            m.Student.snils: s.snils, m.Student.status: s.status, m.Student.school_class: s.class_id,
            m.Student.updated_at: const(now, "TIMESTAMP")}).from_(s).where(
            changed_students & (s.existing == m.Student.id)).execute()
        m.EnrolmentEvent.insert_from(s.select(
            peewee.fn.COALESCE(s.existing, s.id + s_off), s.status, const(school, "INTEGER"), s.class_id,
            const(today, "DATE"), const(_("Внесён импортом"), "VARCHAR"), const(self.recorded_by, "INTEGER"),
            const(now, "TIMESTAMP")).where((s.batch == batch) & (s.event == True)), [  # noqa: E712
            m.EnrolmentEvent.student, m.EnrolmentEvent.status, m.EnrolmentEvent.school,
            m.EnrolmentEvent.school_class, m.EnrolmentEvent.date, m.EnrolmentEvent.note,
            m.EnrolmentEvent.recorded_by, m.EnrolmentEvent.recorded_at]).execute()
        sc = m.SchoolClass
        audit_from(s.select(const("student.create", "VARCHAR"), const("student", "VARCHAR"), text(s.id + s_off),
                            created_details(typed, [
                                ("last_name", s.last_name), ("first_name", s.first_name),
                                ("middle_name", s.middle_name), ("birth_date", text(s.birth_date)),
                                ("gender", s.gender), ("snils", masked_snils(s.snils)), ("status", s.status),
                                ("school_class", sc.select(text(sc.grade).concat(sc.letter))
                                 .where(sc.id == s.class_id))])).where(new_students))
        audit_from(s.select(const("student.update", "VARCHAR"), const("student", "VARCHAR"),
                            text(s.existing), s.details).where(changed_students))

        new_parents = (p.batch == batch) & p.existing.is_null()
        m.Parent.insert_from(p.select(
            p.id + p_off, p.last_name, p.first_name, p.middle_name, p.snils, p.birth_date, p.phone, p.email,
            const(school, "INTEGER"), const(now, "TIMESTAMP"), const(now, "TIMESTAMP")).where(new_parents)
            .order_by(p.id), [
            m.Parent.id, m.Parent.last_name, m.Parent.first_name, m.Parent.middle_name, m.Parent.snils,
            m.Parent.birth_date, m.Parent.phone, m.Parent.email, m.Parent.registered_school, m.Parent.created_at,
            m.Parent.updated_at]).execute()
        changed_parents = (p.batch == batch) & p.existing.is_null(False) & (p.changed == True)  # noqa: E712
        m.Parent.update({
            m.Parent.last_name: p.last_name, m.Parent.first_name: p.first_name, m.Parent.middle_name: p.middle_name,
            m.Parent.birth_date: p.birth_date, m.Parent.phone: p.phone, m.Parent.email: p.email,
            m.Parent.updated_at: const(now, "TIMESTAMP")}).from_(p).where(
            changed_parents & (p.existing == m.Parent.id)).execute()
        audit_from(p.select(const("parent.create", "VARCHAR"), const("parent", "VARCHAR"), text(p.id + p_off),
                            created_details(typed, [
                                ("last_name", p.last_name), ("first_name", p.first_name),
                                ("middle_name", p.middle_name), ("snils", masked_snils(p.snils)),
                                ("birth_date", text(p.birth_date))], cleaned_text=p.details)).where(new_parents))
        audit_from(p.select(const("parent.update", "VARCHAR"), const("parent", "VARCHAR"),
                            text(p.existing), p.details).where(changed_parents))

        new_links = (lk.batch == batch) & lk.existing.is_null()
        parent_of = peewee.fn.COALESCE(lk.parent_id, lk.parent_ref + p_off)
        student_of = peewee.fn.COALESCE(lk.student_id, lk.student_ref + s_off)
        first_link = (m.ParentLink.select(peewee.fn.MAX(m.ParentLink.id)).scalar() or 0) + 1
        m.ParentLink.insert_from(lk.select(parent_of, student_of, lk.relation, const(now, "TIMESTAMP"))
                                 .where(new_links).order_by(lk.id), [
            m.ParentLink.parent, m.ParentLink.student, m.ParentLink.relation, m.ParentLink.created_at]).execute()
        changed_links = (lk.batch == batch) & lk.existing.is_null(False) & (lk.changed == True)  # noqa: E712
        m.ParentLink.update({m.ParentLink.relation: lk.relation, m.ParentLink.ended_at: None}).from_(lk).where(
            changed_links & (lk.existing == m.ParentLink.id)).execute()
        pl = m.ParentLink
        details = (const('{"old": null, "new": {"parent": ', "TEXT").concat(text(pl.parent))
                   .concat(const(', "student": ', "TEXT")).concat(text(pl.student))
                   .concat(const(', "relation": "', "TEXT")).concat(pl.relation)
                   .concat(const('"}, "source": "import"}', "TEXT")))
        audit_from(pl.select(const("parent_link.create", "VARCHAR"), const("parent_link", "VARCHAR"),
                             text(pl.id), details).where(pl.id >= first_link))
        audit_from(lk.select(const("link.update", "VARCHAR"), const("parent_link", "VARCHAR"),
                             text(lk.existing), lk.details).where(changed_links))
        if typed:
            for table in ("student", "parent", "parent_link"):
                db.execute_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                               f"(SELECT COALESCE(MAX(id), 1) FROM {table}))")
        audit("registry.import", "school", school, details={
            "rows": self.report.rows, "skipped_rows": self.report.skipped_rows,
            "created": self.report.created, "updated": self.report.updated})
        m.ImportBatch.update(state="applied").where(m.ImportBatch.id == batch).execute()


def text(expression: Any) -> Any:
    return peewee.Cast(expression, "TEXT")


def json_object(typed: bool, pairs: list[tuple[str, Any]]) -> Any:
    """A JSON object the database builds from ``(key, SQL expression)`` pairs: one per row of a query."""
    args = [part for key, value in pairs for part in (peewee.SQL(f"'{key}'"), value)]  # keys: names in this file
    return peewee.fn.json_build_object(*args) if typed else peewee.fn.json_object(*args)


def masked_snils(column: Any) -> Any:
    """``mask_snils`` in SQL, for a column of 11 digits (or null): the core's mask, then the last two digits."""
    return peewee.Value(mask_snils("0" * 11)[:-2]).concat(peewee.fn.SUBSTR(column, 10, 2))


def created_details(typed: bool, new: list[tuple[str, Any]], cleaned_text: Any = None) -> Any:
    """The audit details of a created row, ``{"old": null, "new": {…}, "source": "import"}``, made in SQL.

    Made by the database for the whole batch rather than by ``audit_details`` for each row. The columns in
    ``new`` hold nothing the audit's cleaning would change: names are letters (``schemas.Name``), dates,
    codes and class names have no digits to mistake for a SNILS, and the SNILS is masked (``masked_snils``).
    Free text (a parent's phone and e-mail) is cleaned by ``audit_details`` when the row is checked and
    staged as a JSON object, ``cleaned_text``, merged in here.
    """
    values = json_object(typed, new)
    if cleaned_text is not None:
        values = (peewee.Cast(values, "JSONB").concat(peewee.Cast(cleaned_text, "JSONB")) if typed
                  else peewee.fn.json_patch(values, cleaned_text))
    details = json_object(typed, [("old", peewee.SQL("NULL")), ("new", values), ("source", peewee.SQL("'import'"))])
    return text(details) if typed else details


def delete_batch(batch_id: int, step: int = 5000) -> None:
    """Delete a batch's staged rows in short transactions (a few thousand rows each), then the batch."""
    for model in (m.StagedLink, m.StagedParent, m.StagedStudent):
        while True:
            with database.atomic():
                some = model.select(model.id).where(model.batch == batch_id).limit(step)
                if not model.delete().where(model.id.in_(some)).execute():
                    break
    with database.atomic():
        m.ImportBatch.delete().where(m.ImportBatch.id == batch_id).execute()


def purge_expired() -> None:
    """Delete batches left by an import that was killed, or that nobody confirmed within a day."""
    old = [b for (b,) in m.ImportBatch.select(m.ImportBatch.id).where(
        m.ImportBatch.created_at < utcnow() - BATCH_TTL).tuples()]
    for batch_id in old:
        delete_batch(batch_id)
