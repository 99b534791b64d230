"""The benchmark's region: schools shaped like the demo region, several school years of history, at a chosen date.

``build(app, students, on=date, years=3)`` fills an empty database (SQLite or
PostgreSQL) through the app's own schema:

- schools of 500 students in classes of about 25 (grades 1–11, two classes a
  grade), teachers by specialty, every student with a parent (user account,
  link, consent to the service);
- for each of ``years`` academic years ending with the one that contains
  ``on`` (the earlier ones closed into the archive): the classes of that year
  (the same children one grade lower each year back), assignments from the
  demo's curriculum (``plugins.gradebook.demo.CURRICULUM``: 8 subjects in
  grade 1, 11–17 from grade 5), English in two subgroups, a five-day
  timetable, every lesson of the year (the current one up to two weeks after
  ``on``), topics and homework, marks drawn around each student's own level
  (oral answers and homework for some of the class, whole-class written work
  every 5th and 12th lesson, as in the demo), illness streaks and single
  absences, the period grades of every finished period and, for archived
  years, the year grades; the journal history of every mark of the current
  year.

Small rows (schools, years, periods, subjects, work types) go through the
app's own functions; the bulk goes straight to the driver: ``executemany`` on
SQLite, ``COPY`` on PostgreSQL, with the secondary indexes of the bulk tables
dropped during the load and rebuilt afterwards, on PostgreSQL their foreign keys
too (checked once when they are added back, like a restore). Only
``ANALYZE`` on PostgreSQL, what its autovacuum would do; SQLite gets none, as a
region's file would.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import operator
import random
import time
from collections import defaultdict
from decimal import Decimal

SCHOOL_SIZE = 500
PASS_PAIR = (0, 0.0)  # a pass/fail mark in the period grade's list: counted, not averaged
CLASS_SIZE = 25
BELLS = ((8, 30), (9, 25), (10, 30), (11, 35), (12, 30), (13, 25), (14, 20), (15, 15))
SPECIALTIES = ("russian", "maths", "english", "history", "science", "physics", "chemistry", "arts", "technology",
               "pe")
BULK_TABLES = ("user", "staff", "school_class", "student", "parent", "parent_link", "consent", "gradebook_group",
               "gradebook_group_member", "gradebook_assignment", "gradebook_timetable_slot", "gradebook_lesson",
               "gradebook_mark", "gradebook_attendance", "gradebook_period_grade", "gradebook_journal_change")


class Sink:
    """Bulk rows for one database: values converted once, written by ``executemany`` or ``COPY``."""

    def __init__(self, database):
        self.database = database
        self.conn = database.connection()
        self.pg = not database.__class__.__name__.startswith("Sqlite") and "sqlite" not in type(self.conn).__module__
        self.dropped: list[tuple[str, str]] = []
        self.foreign_keys: list[tuple[str, str, str]] = []
        self.counts: dict[str, int] = defaultdict(int)
        self.ids: dict[str, int] = defaultdict(int)
        self.used: set[str] = set()
        self.defaults: dict[str, tuple[list[str], tuple]] = {}
        if not self.pg:  # this connection only: the load, not the server
            self.conn.execute("PRAGMA synchronous=OFF")
            self.conn.execute("PRAGMA foreign_keys=OFF")  # this connection only: the load, not the server

    # values in the driver's form
    def d(self, value: dt.date | None):
        return value.isoformat() if value is not None and not self.pg else value

    def t(self, value: dt.datetime | dt.time | None):
        return str(value) if value is not None and not self.pg else value

    def n(self, value: Decimal | None):
        return float(value) if value is not None and not self.pg else value

    def b(self, value: bool):
        return int(value) if not self.pg else value

    def next_id(self, table: str) -> int:
        self.used.add(table)
        self.ids[table] += 1
        return self.ids[table]

    def start_ids(self, tables) -> None:
        cursor = self.conn.cursor()
        for table in tables:
            cursor.execute(f'SELECT MAX(id) FROM "{table}"')
            self.ids[table] = cursor.fetchone()[0] or 0

    def _columns(self, model, given: list[str]) -> tuple[list[str], tuple]:
        key = model._meta.table_name
        if key not in self.defaults:
            rest, values = [], []
            for field in model._meta.sorted_fields:
                if field.column_name in given:
                    continue
                default = field.default() if callable(field.default) else field.default
                if default is None and not field.null and field.column_name != "id":
                    raise ValueError(f"{key}.{field.column_name} needs a value")
                if field.column_name == "id":
                    continue
                value = field.db_value(default)
                if isinstance(value, dt.datetime | dt.time):
                    value = self.t(value)
                elif isinstance(value, dt.date):
                    value = self.d(value)
                elif isinstance(value, Decimal):
                    value = self.n(value)
                elif isinstance(value, bool):
                    value = self.b(value)
                rest.append(field.column_name)
                values.append(value)
            self.defaults[key] = (given + rest, tuple(values))
        return self.defaults[key]

    def write(self, model, given: list[str], rows: list[tuple]) -> None:
        if not rows:
            return
        columns, defaults = self._columns(model, given)
        table = model._meta.table_name
        names = ", ".join(f'"{c}"' for c in columns)
        if self.pg:
            with self.conn.cursor().copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row + defaults)
        else:
            marks = ", ".join("?" * len(columns))
            self.conn.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})',
                                  [row + defaults for row in rows] if defaults else rows)
        self.counts[table] += len(rows)

    def drop_indexes(self) -> None:
        cursor = self.conn.cursor()
        names = ", ".join(f"'{t}'" for t in BULK_TABLES)
        if self.pg:
            cursor.execute(f"SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename IN ({names}) "
                           "AND i.indexname NOT IN (SELECT conname FROM pg_constraint)")
        else:
            cursor.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ({names}) "
                           "AND sql IS NOT NULL")
        self.dropped = list(cursor.fetchall())
        for name, _ in self.dropped:
            cursor.execute(f'DROP INDEX "{name}"')
        if self.pg:  # each row's foreign keys checked one by one cost more than the COPY: checked once at the end
            cursor.execute("SELECT c.relname, k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k "
                           "JOIN pg_class c ON c.oid = k.conrelid WHERE k.contype = 'f' "
                           f"AND c.relnamespace = current_schema()::regnamespace AND c.relname IN ({names})")
            self.foreign_keys = list(cursor.fetchall())
            for table, name, _ in self.foreign_keys:
                cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')

    def restore_indexes(self) -> None:
        cursor = self.conn.cursor()
        if self.pg:  # sort in memory: the default 64 MB spills the marks' indexes to disk
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for _, sql in self.dropped:
            cursor.execute(sql)
        self.dropped = []
        for table, name, definition in self.foreign_keys:
            cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
        self.foreign_keys = []

    def sequences(self) -> None:
        """On PostgreSQL, move each id sequence past the ids written here."""
        if self.pg:
            cursor = self.conn.cursor()
            for table in sorted(self.used):
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), {max(self.ids[table], 1)})")

    def finish(self) -> None:
        self.sequences()
        if self.pg:
            self.conn.cursor().execute("ANALYZE")


def period_grade(marks: list[tuple[int, float]], rule, thresholds=None) -> tuple[str, float | None]:
    """The local act's suggestion and the weighted average, in floats (the same rule as ``rules``, for speed)."""
    if not marks:
        return "н/а", None
    weights = sum(map(operator.itemgetter(1), marks))
    average = round(sum(itertools.starmap(operator.mul, marks)) / weights + 1e-9, 2)
    if len(marks) < rule.min_marks:
        return "н/а", average
    for grade, threshold in thresholds or (("5", float(rule.threshold_5)), ("4", float(rule.threshold_4)),
                                           ("3", float(rule.threshold_3))):
        if average >= threshold:
            return grade, average
    return "2", average


def mark_table(level: float) -> tuple[float, float, float]:
    """P(mark ≤ 2), P(≤ 3), P(≤ 4) of a mark drawn as round(gauss(level, 0.75)) clamped to 2..5."""
    def cdf(x):
        return 0.5 * (1 + math.erf((x - level) / (0.75 * math.sqrt(2))))
    return cdf(2.5), cdf(3.5), cdf(4.5)


def school_days(start: dt.date, end: dt.date, holidays) -> list[dt.date]:
    days, day = [], start
    while day <= end:
        if day.isoweekday() <= 5 and not any(a <= day <= b for a, b in holidays):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def year_containing(on: dt.date) -> int:
    return on.year if on.month >= 8 else on.year - 1


def build(app, students: int, *, on: dt.date, years: int = 3, seed: int = 1, log=print) -> dict:
    """Fill the app's (empty, migrated) database; returns what the load needs to know and the counts."""
    from core.api import User, database
    from plugins.gradebook import journal
    from plugins.gradebook.demo import CURRICULUM, ENGLISH, HOMEWORK, NO_HOMEWORK, NO_WRITTEN, TOPICS
    from plugins.gradebook.models import (
        AcademicYear,
        Attendance,
        GroupMember,
        Holiday,
        JournalChange,
        Lesson,
        Mark,
        Period,
        PeriodGrade,
        StudyGroup,
        Subject,
        TeachingAssignment,
        TimetableSlot,
        WorkType,
    )
    from plugins.gradebook.rules import GradeRule
    from plugins.gradebook.school_calendar import create_year
    from plugins.registries import models as reg  # the bench fills the tables directly
    from plugins.registries.snils import make_valid

    rnd = random.Random(seed)
    started = time.monotonic()
    current = year_containing(on)
    first_year = current - years + 1
    sink = Sink(database)
    sink.drop_indexes()
    sink.start_ids(BULK_TABLES)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    made = now - dt.timedelta(days=400)
    n_schools = max(1, -(-students // SCHOOL_SIZE))
    info = {"schools": [], "parents": [], "teachers": [], "current_year": current, "years": years, "on": on}
    next_student = 1
    with database.atomic():
        municipality = reg.Municipality.create(code="bench", name="Нагрузочный район")
    for s in range(n_schools):
        here = min(SCHOOL_SIZE, students - (next_student - 1))
        with database.atomic():
            school = reg.School.create(municipality=municipality, code=f"b{s}", name=f"МБОУ «Школа № {s + 1}»",
                                       short_name=f"Школа № {s + 1}")
            act = journal.local_act_for(school.id)
            rule = GradeRule.of(act)

            thresholds = (("5", float(rule.threshold_5)), ("4", float(rule.threshold_4)),
                          ("3", float(rule.threshold_3)))

            def grade_of(marks, scale, rule=rule, thresholds=thresholds):
                if scale == "pass":
                    return ("зач" if marks else "н/а"), None
                suggested, average = period_grade(marks, rule, thresholds)
                return suggested, (Decimal(str(average)) if sink.pg and average is not None else average)
            types = {w.short_name: w for w in WorkType.select().where(WorkType.school_id == school.id)}
            kinds = {k: (w.id, sink.n(w.weight), float(w.weight)) for k, w in types.items()}
            # one (value, weight) pair per mark value and weight, shared by every mark that has it
            pairs_of = {float(w.weight): {str(v): (v, float(w.weight)) for v in (2, 3, 4, 5)} for w in types.values()}
            subjects = {}
            for name, short, _, _ in CURRICULUM:
                if name not in subjects:
                    subjects[name] = Subject.insert(school_id=school.id, name=name, short_name=short).execute()
            n_classes = max(1, -(-here // CLASS_SIZE))
            grades = [1 + c * 11 // n_classes for c in range(n_classes)]  # about two classes a grade
            letters = defaultdict(int)
            # teachers: a class teacher for each primary class, the rest by specialty
            primary = [c for c in range(n_classes) if grades[c] <= 4]
            n_subject_teachers = max(len(SPECIALTIES), math.ceil((n_classes - len(primary)) * 1.5))
            teacher_rows, staff_rows, by_specialty, class_teacher = [], [], defaultdict(list), {}
            for t in range(len(primary) + n_subject_teachers):
                uid, sid = sink.next_id("user"), sink.next_id("staff")
                teacher_rows.append((uid, f"Учитель {s + 1}-{t + 1}", "teacher", sink.t(made)))
                staff_rows.append((sid, f"Учителева-{s + 1}-{t + 1}", "Анна", "Петровна", "учитель", school.id, uid))
                specialty = "primary" if t < len(primary) else SPECIALTIES[(t - len(primary)) % len(SPECIALTIES)]
                by_specialty[specialty].append((sid, uid))
                if t < len(primary):
                    class_teacher[primary[t]] = (sid, uid)
            for c in range(n_classes):
                if c not in class_teacher:
                    pool = by_specialty[SPECIALTIES[c % len(SPECIALTIES)]]
                    class_teacher[c] = pool[c % len(pool)]
            sink.write(User, ["id", "display_name", "role", "created_at"], teacher_rows)
            sink.write(reg.Staff, ["id", "last_name", "first_name", "middle_name", "position", "school_id",
                                   "user_id"], staff_rows)
            # the children, in this year's classes; a parent each
            roster = {}
            for c in range(n_classes):
                size = min(CLASS_SIZE, here - c * CLASS_SIZE)
                roster[c] = list(range(next_student, next_student + size))
                next_student += size
            level = {i: min(4.85, max(2.7, rnd.gauss(4.0, 0.5))) for ids in roster.values() for i in ids}
            tables = {i: (mark_table(v), mark_table(v - 0.25)) for i, v in level.items()}  # oral, test
            load = defaultdict(int)

            def teacher_for(specialty, c, hours, class_teacher=class_teacher, by_specialty=by_specialty, load=load):
                if specialty == "primary":
                    return class_teacher[c]
                pool = by_specialty.get(specialty) or [t for k, v in by_specialty.items() if k != "primary"
                                                       for t in v]
                chosen = min(pool, key=lambda t: load[t[0]])
                load[chosen[0]] += hours
                return chosen

            current_classes = {}
            for back in range(years - 1, -1, -1):
                start_year = current - back
                year = create_year(school.id, start_year, "quarter")
                closed = start_year < current
                if closed:
                    AcademicYear.update(closed_at=dt.datetime(start_year + 1, 6, 20, 9, 0)).where(
                        AcademicYear.id == year.id).execute()
                periods = list(Period.select().where(Period.year == year.id).order_by(Period.number))
                holidays = [(h.starts_on, h.ends_on) for h in Holiday.select().where(Holiday.year == year.id)]
                last_day = year.ends_on if closed else min(on + dt.timedelta(days=14), year.ends_on)
                days = school_days(year.starts_on, last_day, holidays)
                held_until = year.ends_on + dt.timedelta(days=1) if closed else on
                class_rows, assignments = [], []
                for c in range(n_classes):
                    grade = grades[c] - back
                    if grade < 1:
                        continue
                    letters[(start_year, grade)] += 1
                    cid = sink.next_id("school_class")
                    class_rows.append((cid, school.id, start_year, grade, "АБВГДЕ"[letters[(start_year, grade)] - 1],
                                       class_teacher[c][0]))
                    if not back:
                        current_classes[c] = cid
                    members = roster[c]
                    for name, _, specialty, hours in CURRICULUM:
                        if grade not in hours:
                            continue
                        scale = "none" if grade == 1 else ("pass" if name == "ОРКСЭ" else "five")
                        if name == ENGLISH and len(members) >= 12:
                            half = (len(members) + 1) // 2
                            parts = [("1 группа", members[:half]), ("2 группа", members[half:])]
                        else:
                            parts = [(None, members)]
                        for label, part in parts:
                            teacher = teacher_for(specialty, c, hours[grade])
                            assignments.append({"class": cid, "c": c, "subject": name, "subject_id": subjects[name],
                                                "scale": scale, "teacher": teacher, "students": part,
                                                "group": label, "hours": hours[grade]})
                sink.write(reg.SchoolClass, ["id", "school_id", "year", "grade", "letter", "class_teacher_id"],
                           class_rows)
                # groups, assignments, a timetable: each class's lessons spread over the five days
                group_rows, member_rows, assignment_rows, slot_rows = [], [], [], []
                per_class_day = defaultdict(lambda: defaultdict(int))
                for a in assignments:
                    a["id"] = sink.next_id("gradebook_assignment")
                    group_id = None
                    if a["group"]:
                        group_id = sink.next_id("gradebook_group")
                        group_rows.append((group_id, a["class"], f"{ENGLISH}, {a['group']}"))
                        member_rows += [(sink.next_id("gradebook_group_member"), group_id, sid)
                                        for sid in a["students"]]
                    assignment_rows.append((a["id"], school.id, year.id, a["class"], group_id, a["subject_id"],
                                            a["teacher"][0], a["scale"]))
                slot_of_block = {}
                for a in assignments:
                    key = (a["class"], a["subject"])
                    if key not in slot_of_block:  # both English groups at the same time
                        slots, busy = [], per_class_day[a["class"]]
                        for k in range(a["hours"]):
                            day = min(range(1, 6), key=lambda d: (busy[d], (d + k + a["subject_id"]) % 5))
                            busy[day] += 1
                            slots.append((day, busy[day]))
                        slot_of_block[key] = slots
                    a["slots"] = slot_of_block[key]
                    for weekday, number in a["slots"]:
                        bell = dt.time(*BELLS[min(number, len(BELLS)) - 1])
                        ends = (dt.datetime.combine(on, bell) + dt.timedelta(minutes=45)).time()
                        slot_rows.append((sink.next_id("gradebook_timetable_slot"), a["id"], weekday, number,
                                          sink.t(bell), sink.t(ends), str(100 + a["teacher"][0] % 40)))
                sink.write(StudyGroup, ["id", "class_id", "name"], group_rows)
                sink.write(GroupMember, ["id", "group_id", "student_id"], member_rows)
                sink.write(TeachingAssignment, ["id", "school_id", "year_id", "class_id", "group_id", "subject_id",
                                                "teacher_id", "scale"], assignment_rows)
                sink.write(TimetableSlot, ["id", "assignment_id", "weekday", "number", "starts_at", "ends_at",
                                           "room"], slot_rows)
                # lessons, marks, attendance
                ill = defaultdict(set)
                held_days = [d for d in days if d < held_until]
                for ids in roster.values():
                    for sid in ids:
                        for _ in range(rnd.choice((0, 1, 1, 2, 2, 3))):
                            if held_days:
                                k = rnd.randrange(len(held_days))
                                ill[sid].update(held_days[k:k + rnd.randint(2, 6)])
                ill_on = defaultdict(set)  # day → the students ill that day
                for sid, ill_days in ill.items():
                    for day in ill_days:
                        ill_on[day].add(sid)
                lesson_rows, mark_rows, absence_rows, change_rows = [], [], [], []
                random_ = rnd.random
                mark_id, change_id = sink.ids["gradebook_mark"], sink.ids["gradebook_journal_change"]
                lesson_id = sink.ids["gradebook_lesson"]
                marks_of = defaultdict(lambda: defaultdict(list))  # (assignment, period number) → student → marks
                no = sink.b(False)
                period_of = {}
                for day in held_days:
                    period_of[day] = next((p.number for p in periods if p.starts_on <= day <= p.ends_on), 0)
                for a in assignments:
                    topics = TOPICS.get(a["subject"]) or [f"{a['subject']}: тема {i}" for i in range(1, 9)]
                    written = a["subject"] not in NO_WRITTEN and a["scale"] == "five"
                    chance = max(0.18, 0.8 / len(a["slots"]))
                    members = a["students"]
                    member_set = frozenset(members)
                    aid, subject_id = a["id"], a["subject_id"]
                    teacher_user = a["teacher"][1]
                    room = str(100 + a["teacher"][0] % 40)
                    n = 0
                    slot_by_day = defaultdict(list)
                    for weekday, number in a["slots"]:
                        slot_by_day[weekday].append(number)
                    for day in days:
                        for number in slot_by_day.get(day.isoweekday(), ()):
                            lesson_id += 1
                            lid = lesson_id
                            bell = dt.time(*BELLS[min(number, len(BELLS)) - 1])
                            ends = dt.datetime.combine(day, bell) + dt.timedelta(minutes=45)
                            if day >= held_until:
                                lesson_rows.append((lid, a["id"], sink.d(day), number, sink.t(bell),
                                                    sink.t(ends.time()), room, None, "", None, "", None))
                                continue
                            n += 1
                            topic = topics[(n - 1) // 3 % len(topics)]
                            kind = None
                            if written and n % 12 == 0:
                                kind, topic = "КР", f"Контрольная работа: {topic}"
                            elif written and n % 5 == 0:
                                kind, topic = "СР", f"Самостоятельная работа: {topic}"
                            entered = sink.t(ends - dt.timedelta(hours=3))  # UTC of the lesson's end, Moscow
                            homework = ""
                            if a["subject"] not in NO_HOMEWORK and rnd.random() < 0.9:
                                homework = HOMEWORK.get(a["subject"], "Повторить материал урока").format(
                                    a=n // 2 + 1, b=rnd.randint(10, 250), c=rnd.randint(10, 250))
                            lesson_rows.append((lid, a["id"], sink.d(day), number, sink.t(bell), sink.t(ends.time()),
                                                room, kinds[kind][0] if kind else None, topic, entered, homework,
                                                entered if homework else None))
                            sday = sink.d(day)
                            absent = ill_on[day] & member_set if day in ill_on else set()
                            roll = random_()
                            if roll > 0.67:
                                absent.add(rnd.choice(members))
                                if roll > 0.94:
                                    absent.add(rnd.choice(members))
                            for sid in absent:
                                code = "Б" if day in ill[sid] else rnd.choice(("Н", "Н", "УП", "ОП"))
                                absence_rows.append((lid, sid, a["id"], sday, code, entered, teacher_user, entered,
                                                     no))
                            if a["scale"] == "none":
                                continue
                            present = [sid for sid in members if sid not in absent] if absent else members
                            if kind:
                                chosen = present
                            else:
                                kind = "ДР" if random_() < 0.3 else "ОУ"
                                chosen = [sid for sid in present if random_() < chance]
                            wt_id, weight, float_weight = kinds[kind]
                            test = kind == "КР"
                            pairs = pairs_of[float_weight]
                            got = marks_of[(aid, period_of[day])]
                            for sid in chosen:
                                if a["scale"] == "pass":
                                    value = "зач" if random_() < 0.95 else "незач"
                                    got[sid].append(PASS_PAIR)
                                else:
                                    c2, c3, c4 = tables[sid][test]
                                    r = random_()
                                    value = "2" if r < c2 else "3" if r < c3 else "4" if r < c4 else "5"
                                    got[sid].append(pairs[value])
                                mark_id += 1
                                mark_rows.append((mark_id, lid, sid, aid, subject_id, sday, value, wt_id, weight,
                                                  entered, teacher_user, entered, teacher_user, "", no))
                                if not closed:
                                    change_id += 1
                                    change_rows.append((change_id, "mark", mark_id, lid, sid, aid, "value", "", value,
                                                        teacher_user, entered))
                sink.ids.update(gradebook_mark=mark_id, gradebook_journal_change=change_id, gradebook_lesson=lesson_id)
                sink.used.update(("gradebook_mark", "gradebook_journal_change", "gradebook_lesson"))
                sink.write(Lesson, ["id", "assignment_id", "date", "number", "starts_at", "ends_at", "room",
                                    "work_type_id", "topic", "topic_entered_at", "homework", "homework_entered_at"],
                           lesson_rows)
                sink.write(Mark, ["id", "lesson_id", "student_id", "assignment_id", "subject_id", "lesson_date",
                                  "value", "work_type_id", "weight", "entered_at", "entered_by", "updated_at",
                                  "updated_by", "comment", "is_late"], mark_rows)
                sink.write(Attendance, ["lesson_id", "student_id", "assignment_id", "lesson_date", "code",
                                        "entered_at", "entered_by", "updated_at", "is_late"], absence_rows)
                sink.write(JournalChange, ["id", "kind", "object_id", "lesson_id", "student_id", "assignment_id",
                                           "field", "old_value", "new_value", "changed_by", "changed_at"],
                           change_rows)
                # period grades of the finished periods, and the year grade of an archived year
                grade_rows = []
                for p in periods:
                    if p.ends_on >= on:
                        continue
                    set_at = sink.t(dt.datetime.combine(p.ends_on, dt.time(12, 0)))
                    for a in assignments:
                        if a["scale"] == "none":
                            continue
                        for sid in a["students"]:
                            suggested, average = grade_of(marks_of[(a["id"], p.number)].get(sid, []), a["scale"])
                            grade_rows.append((sink.next_id("gradebook_period_grade"), sid, a["id"], a["subject_id"],
                                               year.id, p.id, suggested, average, suggested, set_at, a["teacher"][1]))
                if closed:
                    set_at = sink.t(dt.datetime.combine(year.ends_on, dt.time(12, 0)))
                    for a in assignments:
                        if a["scale"] == "none":
                            continue
                        for sid in a["students"]:
                            marks = [m for p in periods for m in marks_of[(a["id"], p.number)].get(sid, [])]
                            suggested, average = grade_of(marks, a["scale"])
                            grade_rows.append((sink.next_id("gradebook_period_grade"), sid, a["id"], a["subject_id"],
                                               year.id, None, suggested, average, suggested, set_at, a["teacher"][1]))
                sink.write(PeriodGrade, ["id", "student_id", "assignment_id", "subject_id", "year_id", "period_id",
                                         "value", "average", "suggested", "set_at", "set_by"], grade_rows)
                if not closed:
                    periods_now = [p for p in periods if p.starts_on <= on] or periods[:1]
                    info["schools"].append({"id": school.id, "year": year.id, "period": periods_now[-1].id})
                    for a in assignments:
                        if a["scale"] == "five" and a["students"]:
                            info["teachers"].append({"user": a["teacher"][1], "assignment": a["id"],
                                                     "period": periods_now[-1].id, "students": a["students"][:15],
                                                     "school": school.id})
            # the children and their parents
            student_rows, user_rows, parent_rows, link_rows, consent_rows = [], [], [], [], []
            for c, ids in roster.items():
                for sid in ids:
                    birth = dt.date(current - 6 - grades[c], 1, 1) + dt.timedelta(days=sid % 365)
                    student_rows.append((sid, f"Ученик{sid}", "Иван" if sid % 2 else "Мария", "", sink.d(birth),
                                         "m" if sid % 2 else "f", school.id, current_classes[c], "enrolled"))
                    uid, pid = sink.next_id("user"), sink.next_id("parent")
                    user_rows.append((uid, f"Родитель ученика {sid}", "parent", sink.t(made)))
                    parent_rows.append((pid, f"Ученик{sid}", "Ольга", "", make_valid(300_000_000 + pid), uid))
                    link_rows.append((sink.next_id("parent_link"), pid, sid, "mother", sink.t(made)))
                    consent_rows.append((sink.next_id("consent"), sid, pid, "progress", "2025-09",
                                         sink.d(dt.date(first_year, 9, 1)), "paper", sink.t(made)))
                    info["parents"].append({"user": uid, "student": sid, "school": school.id})
            sink.write(reg.Student, ["id", "last_name", "first_name", "middle_name", "birth_date", "gender",
                                     "school_id", "school_class_id", "status"], student_rows)
            sink.write(User, ["id", "display_name", "role", "created_at"], user_rows)
            sink.write(reg.Parent, ["id", "last_name", "first_name", "middle_name", "snils", "user_id"], parent_rows)
            sink.write(reg.ParentLink, ["id", "parent_id", "student_id", "relation", "created_at"], link_rows)
            sink.write(reg.Consent, ["id", "subject_student_id", "giver_parent_id", "purpose", "text_version",
                                     "given_on", "channel", "recorded_at"], consent_rows)
        log(f"  school {s + 1}/{n_schools}: {here} students, {sink.counts['gradebook_mark']:,} marks so far "
            f"({time.monotonic() - started:.0f} s)")
    rebuilt = time.monotonic()
    with database.atomic():
        sink.restore_indexes()
        sink.finish()
    info["index_seconds"] = round(time.monotonic() - rebuilt, 1)
    info["seconds"] = round(time.monotonic() - started, 1)
    info["counts"] = {"students": next_student - 1, **{k: v for k, v in sink.counts.items()}}
    return info
