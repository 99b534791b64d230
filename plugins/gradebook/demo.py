"""The gradebook part of the demo region: a school year kept from 1 September up to today.

For every school of ``registries.schools``: the academic year of
``registries.start_year`` with quarters and holidays, the local act with its
work types and attendance codes, subjects per grade (a simplified federal
curriculum), teaching assignments (primary classes to their class teacher,
the rest to teachers of the right ``specialty``, English in two subgroups in
larger classes), a five-day timetable without clashes for classes and
teachers, and lessons from 1 September to two weeks ahead. Lessons up to
today have topics, most have homework (due at the next lesson, so the diary
shows homework for the coming days), marks drawn around each student's own
level (oral answers, homework, and whole-class written work), absences
(illness streaks, single absences, lateness) and a few late entries; every
finished quarter has its period grades. Rows are written with
``insert_many`` in chunks. Adds ``gradebook.assignments`` (``{staff id:
[assignment ids]}``) to ``demo.shared``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from zoneinfo import ZoneInfo

import peewee

from core.api import core_settings, database
from plugins.gradebook import journal
from plugins.gradebook.models import (
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
from plugins.gradebook.rules import GradeRule, suggest_period_grade, weighted_average
from plugins.gradebook.school_calendar import create_year

CHUNK = 500
WEEKDAYS = (1, 2, 3, 4, 5)
BELLS = ((8, 30), (9, 25), (10, 30), (11, 35), (12, 30), (13, 25), (14, 20), (15, 15))
LESSON_MINUTES = 45
ENGLISH = "Английский язык"
GROUP_SPLIT_AT = 12
# subject, short name, specialty, {grade: lessons a week}
CURRICULUM = (
    ("Русский язык", "Рус", "primary", {1: 5, 2: 5, 3: 5, 4: 5}),
    ("Литературное чтение", "Лит.чт", "primary", {1: 4, 2: 4, 3: 4, 4: 3}),
    ("Математика", "Мат", "primary", {1: 4, 2: 4, 3: 4, 4: 4}),
    ("Окружающий мир", "Окр.мир", "primary", {1: 2, 2: 2, 3: 2, 4: 2}),
    ("ОРКСЭ", "ОРКСЭ", "primary", {4: 1}),
    ("Русский язык", "Рус", "russian", {5: 5, 6: 6, 7: 4, 8: 3, 9: 3, 10: 2, 11: 2}),
    ("Литература", "Лит", "russian", {5: 3, 6: 3, 7: 2, 8: 2, 9: 3, 10: 3, 11: 3}),
    (ENGLISH, "Англ", "english", {2: 2, 3: 2, 4: 2, 5: 3, 6: 3, 7: 3, 8: 3, 9: 3, 10: 3, 11: 3}),
    ("Математика", "Мат", "maths", {5: 5, 6: 5}),
    ("Алгебра", "Алг", "maths", {7: 3, 8: 3, 9: 3, 10: 4, 11: 4}),
    ("Геометрия", "Геом", "maths", {7: 2, 8: 2, 9: 2, 10: 2, 11: 2}),
    ("Вероятность и статистика", "ВиС", "maths", {7: 1, 8: 1, 9: 1, 10: 1, 11: 1}),
    ("Информатика", "Инф", "physics", {7: 1, 8: 1, 9: 1, 10: 1, 11: 1}),
    ("История", "Ист", "history", {5: 2, 6: 2, 7: 2, 8: 2, 9: 2, 10: 2, 11: 2}),
    ("Обществознание", "Общ", "history", {6: 1, 7: 1, 8: 1, 9: 1, 10: 2, 11: 2}),
    ("География", "Геог", "science", {5: 1, 6: 1, 7: 2, 8: 2, 9: 2, 10: 1, 11: 1}),
    ("Биология", "Биол", "science", {5: 1, 6: 1, 7: 1, 8: 2, 9: 2, 10: 1, 11: 1}),
    ("Физика", "Физ", "physics", {7: 2, 8: 2, 9: 3, 10: 2, 11: 2}),
    ("Химия", "Хим", "chemistry", {8: 2, 9: 2, 10: 1, 11: 1}),
    ("Музыка", "Муз", "arts", {1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 1, 7: 1, 8: 1}),
    ("Изобразительное искусство", "ИЗО", "arts", {1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 1, 7: 1}),
    ("Труд (технология)", "Труд", "technology", {1: 1, 2: 1, 3: 1, 4: 1, 5: 2, 6: 2, 7: 2, 8: 1, 9: 1}),
    ("Физическая культура", "Физ-ра", "pe", {g: 2 for g in range(1, 12)}),
    ("Основы безопасности и защиты Родины", "ОБЗР", "pe", {8: 1, 9: 1, 10: 1, 11: 1}),
)
TOPICS = {
    "Русский язык": ["Повторение изученного", "Орфограммы в корне слова", "Имя существительное", "Имя прилагательное",
                     "Глагол: время и вид", "Правописание НЕ с разными частями речи", "Сложное предложение",
                     "Знаки препинания при однородных членах", "Развитие речи: изложение", "Контрольный диктант"],
    "Математика": ["Натуральные числа", "Действия с дробями", "Десятичные дроби", "Уравнения", "Проценты",
                   "Решение текстовых задач", "Площадь и периметр", "Координатная прямая"],
    "Алгебра": ["Линейная функция", "Системы уравнений", "Квадратные уравнения", "Неравенства",
                "Степень с целым показателем", "Арифметическая прогрессия", "Функции и графики"],
    "Геометрия": ["Треугольники", "Признаки равенства треугольников", "Параллельные прямые", "Четырёхугольники",
                  "Теорема Пифагора", "Подобие треугольников", "Окружность"],
    ENGLISH: ["My family", "School life", "Present Simple", "Past Simple", "Travelling", "Reading: a short story",
              "Future forms", "Vocabulary revision"],
    "История": ["Древний мир", "Русь в IX–XII веках", "Эпоха Петра I", "Россия в XIX веке", "Работа с источником"],
    "Литература": ["Устное народное творчество", "А. С. Пушкин", "М. Ю. Лермонтов", "Н. В. Гоголь",
                   "Сочинение по прочитанному", "Поэзия XX века"],
    "Физика": ["Механическое движение", "Сила", "Давление", "Работа и мощность", "Лабораторная работа"],
    "Биология": ["Клетка", "Многообразие растений", "Животные", "Организм человека", "Экосистемы"],
    "География": ["Карта", "Литосфера", "Климат", "Природные зоны", "Население мира"],
    "Химия": ["Атомы и молекулы", "Периодическая система", "Химические реакции", "Растворы"],
}
HOMEWORK = {
    "Русский язык": "§ {a}, упр. {b}", "Литература": "Прочитать с. {b}–{c}, ответить на вопросы",
    "Математика": "№ {b}, {c}", "Алгебра": "§ {a}, № {b}, {c}", "Геометрия": "П. {a}, задачи {b}, {c}",
    ENGLISH: "Ex. {a}, p. {b}", "Литературное чтение": "Читать с. {b}–{c}",
    "Окружающий мир": "С. {b}–{c}, вопросы", "История": "§ {a}, вопросы после параграфа",
    "Обществознание": "§ {a}", "География": "§ {a}, контурная карта", "Биология": "§ {a}",
    "Физика": "§ {a}, упр. {b}", "Химия": "§ {a}, задача {b}", "Информатика": "§ {a}",
    "Вероятность и статистика": "№ {b}",
}
NO_HOMEWORK = ("Музыка", "Изобразительное искусство", "Труд (технология)", "Физическая культура",
               "Основы безопасности и защиты Родины", "ОРКСЭ")
NO_WRITTEN = NO_HOMEWORK


def _chunks(rows: list[dict]):
    for start in range(0, len(rows), CHUNK):
        yield rows[start:start + CHUNK]


# field types whose ``db_value`` only coerces a value that the demo already builds with the right type
PLAIN_FIELDS = (peewee.IntegerField, peewee.CharField, peewee.TextField, peewee.BooleanField, peewee.FloatField,
                peewee.DecimalField, peewee.DateField, peewee.DateTimeField)


def _insert(model, rows: list[dict]) -> None:
    """Insert many rows with one prepared statement (``executemany``); every row has the first row's keys.

    peewee's ``insert_many`` builds the SQL text of every value and was most of
    the demo's run time. Values of plain columns (numbers, text, dates) go to the
    driver as they are; foreign keys still go through their field's ``db_value``.
    """
    if not rows:
        return
    fields = [f for f in model._meta.sorted_fields if f is not model._meta.primary_key]
    defaults = {f.name: f.default() if callable(f.default) else f.default for f in fields if f.name not in rows[0]}
    columns = ", ".join(f'"{f.column_name}"' for f in fields)
    marks = ", ".join([database.param] * len(fields))
    sql = f'INSERT INTO "{model._meta.table_name}" ({columns}) VALUES ({marks})'
    plain = [type(f) in PLAIN_FIELDS for f in fields]  # exactly these types: a subclass may convert
    names = [f.name for f in fields]
    cursor = database.cursor()
    for chunk in _chunks(rows):
        values = []
        for row in chunk:
            if defaults:
                row = {**defaults, **row}
            values.append(tuple(row[name] if keep else field.db_value(row[name])
                                for name, keep, field in zip(names, plain, fields, strict=True)))
        cursor.executemany(sql, values)


class SchoolYear:
    """One school's calendar, curriculum, assignments and timetable."""

    def __init__(self, demo, school: dict, staff: list[dict]):
        self.rnd = demo.random
        self.school = school
        self.start_year = demo.shared["registries.start_year"]
        self.year = create_year(school["id"], self.start_year, "quarter")
        self.periods = list(Period.select().where(Period.year == self.year.id).order_by(Period.number))
        self.act = journal.local_act_for(school["id"])
        self.work_types = {w.short_name: w for w in WorkType.select().where(WorkType.school_id == school["id"])}
        self.teachers = [s for s in staff if s["school_id"] == school["id"] and s["role"] == "teacher"]
        self.by_specialty = defaultdict(list)
        for teacher in self.teachers:
            self.by_specialty[teacher["specialty"]].append(teacher)
        self.load = defaultdict(int)
        self.subjects: dict[str, int] = {}
        self.assignments: list[dict] = []   # {id, class, subject, scale, teacher, students, slots}

    def subject_id(self, name: str, short: str) -> int:
        if name not in self.subjects:
            self.subjects[name] = Subject.insert(school_id=self.school["id"], name=name, short_name=short).execute()
        return self.subjects[name]

    def teacher_for(self, specialty: str, school_class: dict, hours: int, avoid: int | None = None) -> dict:
        if specialty == "primary" and school_class.get("class_teacher_id"):
            return next(t for t in self.teachers if t["id"] == school_class["class_teacher_id"])
        pool = [t for t in self.by_specialty.get(specialty, []) if t["id"] != avoid] or \
            [t for t in self.teachers if t["specialty"] != "primary" and t["id"] != avoid]
        teacher = min(pool, key=lambda t: (self.load[t["id"]], t["id"]))
        self.load[teacher["id"]] += hours
        return teacher

    def assign(self, school_class: dict) -> list[list[dict]]:
        """Assignments of a class; returns timetable blocks (assignments taught at the same time), repeated."""
        blocks = []
        grade = school_class["grade"]
        for name, short, specialty, hours in CURRICULUM:
            if grade not in hours:
                continue
            subject_id = self.subject_id(name, short)
            scale = "none" if grade == 1 else ("pass" if name == "ОРКСЭ" else "five")
            members = list(school_class["student_ids"])
            split = name == ENGLISH and len(members) >= GROUP_SPLIT_AT and len(self.by_specialty["english"]) >= 2
            if split:
                half = (len(members) + 1) // 2
                parts = [("1 группа", members[:half]), ("2 группа", members[half:])]
                first = None
                block = []
                for label, part in parts:
                    group = StudyGroup.create(class_id=school_class["id"], name=f"{ENGLISH}, {label}")
                    _insert(GroupMember, [{"group": group.id, "student_id": s} for s in part])
                    teacher = self.teacher_for(specialty, school_class, hours[grade], avoid=first)
                    first = teacher["id"]
                    block.append(self.new_assignment(school_class, subject_id, name, scale, teacher, part, group.id))
            else:
                teacher = self.teacher_for(specialty, school_class, hours[grade])
                block = [self.new_assignment(school_class, subject_id, name, scale, teacher, members, None)]
            blocks += [block] * hours[grade]
        return blocks

    def new_assignment(self, school_class, subject_id, name, scale, teacher, members, group_id) -> dict:
        assignment_id = TeachingAssignment.insert(
            school_id=self.school["id"], year=self.year.id, class_id=school_class["id"], group=group_id,
            subject=subject_id, teacher_id=teacher["id"], scale=scale).execute()
        row = {"id": assignment_id, "class": school_class, "subject": name, "subject_id": subject_id,
               "scale": scale, "teacher": teacher, "students": members, "slots": []}
        self.assignments.append(row)
        return row

    def timetable(self, per_class: list[list[list[dict]]]) -> None:
        """Place every lesson a week: no class or teacher in two places, a subject at most twice a day."""
        busy_teacher = set()
        for blocks in per_class:
            busy_class = set()
            per_day = defaultdict(int)
            subject_day = defaultdict(int)
            order = list(blocks)
            self.rnd.shuffle(order)
            order.sort(key=lambda b: -len(b))  # subgroups need two free teachers: place them first
            for block in order:
                subject = block[0]["subject"]
                days = sorted(WEEKDAYS, key=lambda d: (subject_day[(subject, d)], per_day[d], self.rnd.random()))
                placed = False
                for day in days:
                    if subject_day[(subject, day)] >= 2:
                        continue
                    for number in range(1, len(BELLS) + 1):
                        teachers = [(a["teacher"]["id"], day, number) for a in block]
                        if (day, number) in busy_class or any(t in busy_teacher for t in teachers):
                            continue
                        busy_class.add((day, number))
                        busy_teacher.update(teachers)
                        per_day[day] += 1
                        subject_day[(subject, day)] += 1
                        for assignment in block:
                            assignment["slots"].append((day, number))
                        placed = True
                        break
                    if placed:
                        break
        rows = []
        for assignment in self.assignments:
            room = str(100 + (assignment["teacher"]["id"] % 40))
            for day, number in assignment["slots"]:
                start = dt.time(*BELLS[number - 1])
                rows.append({"assignment": assignment["id"], "weekday": day, "number": number,
                             "starts_at": start, "ends_at": _plus(start, LESSON_MINUTES), "room": room})
        _insert(TimetableSlot, rows)


def _plus(moment: dt.time, minutes: int) -> dt.time:
    return (dt.datetime.combine(dt.date(2000, 1, 1), moment) + dt.timedelta(minutes=minutes)).time()


class Journal:
    """Lessons, marks, attendance and period grades of one school, up to ``today``."""

    def __init__(self, demo, year: SchoolYear):
        self.demo = demo
        self.rnd = demo.random
        self.today = demo.today
        self.y = year
        self.zone = ZoneInfo(core_settings()["timezone"])
        self.level = {}
        self.ill = defaultdict(set)
        self.marks_of = defaultdict(list)   # (assignment, student, period number) → [(value, weight)]

    def utc(self, day: dt.date, moment: dt.time) -> dt.datetime:
        local = dt.datetime.combine(day, moment).replace(tzinfo=self.zone)
        return local.astimezone(dt.UTC).replace(tzinfo=None)

    def school_days(self) -> list[dt.date]:
        holidays = [(h.starts_on, h.ends_on) for h in Holiday.select().where(Holiday.year == self.y.year.id)]
        last = min(self.today + dt.timedelta(days=14), self.y.year.ends_on)
        day, days = self.y.year.starts_on, []
        while day <= last:
            if day.isoweekday() in WEEKDAYS and not any(a <= day <= b for a, b in holidays):
                days.append(day)
            day += dt.timedelta(days=1)
        return days

    def student_state(self, days: list[dt.date]) -> None:
        """Each student's own level of marks and the days they were ill."""
        past = [d for d in days if d < self.today]
        for student_id in {s for c in self.y.school["classes"] for s in c["student_ids"]}:
            self.level[student_id] = min(4.85, max(2.7, self.rnd.gauss(4.0, 0.5)))
            index = 0
            while index < len(past):
                if self.rnd.random() < 0.012:
                    length = self.rnd.randint(2, 6)
                    self.ill[student_id].update(past[index:index + length])
                    index += length
                index += 1

    def lessons(self, days: list[dt.date]) -> list[dict]:
        rows = []
        for assignment in self.y.assignments:
            for day in days:
                for weekday, number in assignment["slots"]:
                    if weekday == day.isoweekday():
                        start = dt.time(*BELLS[number - 1])
                        rows.append({"assignment": assignment["id"], "date": day, "number": number,
                                     "starts_at": start, "ends_at": _plus(start, LESSON_MINUTES),
                                     "room": str(100 + (assignment["teacher"]["id"] % 40)), "work_type": None,
                                     "topic": "", "topic_entered_at": None, "topic_late": False, "homework": "",
                                     "homework_entered_at": None, "homework_late": False})
        rows.sort(key=lambda r: (r["assignment"], r["date"], r["number"]))
        counters = defaultdict(int)
        by_id = {a["id"]: a for a in self.y.assignments}
        for row in rows:
            if row["date"] >= self.today:
                continue
            assignment = by_id[row["assignment"]]
            counters[row["assignment"]] += 1
            self.fill_texts(row, assignment, counters[row["assignment"]])
        return rows

    def fill_texts(self, row: dict, assignment: dict, n: int) -> None:
        """Topic, homework and the column's work type of a lesson that took place (or takes place today)."""
        subject = assignment["subject"]
        topics = TOPICS.get(subject) or [f"{subject}: тема {i}" for i in range(1, 9)]
        topic = topics[(n - 1) // 3 % len(topics)]
        written = subject not in NO_WRITTEN and assignment["scale"] == "five"
        if written and n % 12 == 0:
            row["work_type"], topic = self.y.work_types["КР"].id, f"Контрольная работа: {topic}"
        elif written and n % 5 == 0:
            row["work_type"], topic = self.y.work_types["СР"].id, f"Самостоятельная работа: {topic}"
        ends = dt.datetime.combine(row["date"], row["ends_at"])
        delay = self.rnd.randint(2, 5) if self.rnd.random() < 0.02 else 0
        late = delay > 0 and row["date"] + dt.timedelta(days=delay) < self.today
        entered_day = row["date"] + dt.timedelta(days=delay if late else 0)
        entered = self.utc(entered_day, (ends + dt.timedelta(minutes=self.rnd.randint(0, 120))).time())
        row.update(topic=topic, topic_entered_at=entered, topic_late=late)
        if subject not in NO_HOMEWORK and self.rnd.random() < 0.9:
            text = HOMEWORK.get(subject, "Повторить материал урока").format(
                a=n // 2 + 1, b=self.rnd.randint(10, 250), c=self.rnd.randint(10, 250))
            row.update(homework=text, homework_entered_at=entered, homework_late=late)

    def marks_and_attendance(self, lessons: list[dict]) -> tuple[list[dict], list[dict]]:
        by_id = {a["id"]: a for a in self.y.assignments}
        periods = self.y.periods
        marks, absences = [], []
        held = [lesson for lesson in lessons if lesson["date"] < self.today]
        for lesson in self.demo.progress(f"gradebook: {self.y.school['short_name']}", held):
            assignment = by_id[lesson["assignment"]]
            teacher_user = assignment["teacher"]["user_id"]
            period = next((p.number for p in periods if p.starts_on <= lesson["date"] <= p.ends_on), 0)
            present = []
            for student_id in assignment["students"]:
                code = self.attendance(student_id, lesson["date"])
                if code:
                    absences.append({"lesson": lesson["id"], "student_id": student_id,
                                     "assignment_id": assignment["id"], "lesson_date": lesson["date"], "code": code,
                                     "entered_at": self.utc(lesson["date"], lesson["ends_at"]),
                                     "entered_by": teacher_user, "updated_at": self.utc(lesson["date"],
                                                                                         lesson["ends_at"])})
                if code in ("", "ОП"):
                    present.append(student_id)
            if assignment["scale"] == "none" or not present:
                continue
            work_type = self.work_type(lesson)
            if work_type.short_name in ("КР", "СР"):
                chosen = present
            else:
                # enough marks for a period grade even in a subject taught once a week
                chance = max(0.18, 0.8 / len(assignment["slots"] or [1]))
                chosen = [s for s in present if self.rnd.random() < chance]
            for student_id in chosen:
                value = self.mark(student_id, assignment["scale"], work_type.short_name)
                allowed = self.y.act.written_mark_days if work_type.is_written else self.y.act.mark_days
                delay = allowed + self.rnd.randint(1, 4) if self.rnd.random() < 0.015 else 0
                late = delay > 0 and lesson["date"] + dt.timedelta(days=delay) < self.today
                day = lesson["date"] + dt.timedelta(days=delay if late else 0)
                entered = self.utc(day, lesson["ends_at"])
                marks.append({"lesson": lesson["id"], "student_id": student_id, "assignment_id": assignment["id"],
                              "subject_id": assignment["subject_id"], "lesson_date": lesson["date"], "value": value,
                              "work_type": work_type.id, "weight": work_type.weight, "entered_at": entered,
                              "entered_by": teacher_user, "updated_at": entered, "updated_by": teacher_user,
                              "is_late": late})
                self.marks_of[(assignment["id"], student_id, period)].append((value, work_type.weight))
        return marks, absences

    def work_type(self, lesson: dict) -> WorkType:
        if lesson.get("work_type"):
            return next(w for w in self.y.work_types.values() if w.id == lesson["work_type"])
        return self.y.work_types["ДР" if self.rnd.random() < 0.3 else "ОУ"]

    def attendance(self, student_id: int, day: dt.date) -> str:
        if day in self.ill[student_id]:
            return "Б"
        roll = self.rnd.random()
        return "Н" if roll < 0.008 else ("ОП" if roll < 0.013 else ("УП" if roll < 0.016 else ""))

    def mark(self, student_id: int, scale: str, kind: str) -> str:
        level = self.level[student_id] - (0.25 if kind == "КР" else 0)
        if scale == "pass":
            return "зач" if self.rnd.random() < 0.95 else "незач"
        return str(min(5, max(2, round(self.rnd.gauss(level, 0.75)))))

    def period_grades(self) -> list[dict]:
        rule = GradeRule.of(self.y.act)
        rows = []
        for period in self.y.periods:
            if period.ends_on >= self.today:
                continue
            set_at = self.utc(period.ends_on, dt.time(15, 0))
            for assignment in self.y.assignments:
                if assignment["scale"] == "none":
                    continue
                for student_id in assignment["students"]:
                    marks = self.marks_of.get((assignment["id"], student_id, period.number), [])
                    suggested = suggest_period_grade(marks, assignment["scale"], rule)
                    average = weighted_average(marks)
                    rows.append({"student_id": student_id, "assignment_id": assignment["id"],
                                 "subject_id": assignment["subject_id"], "year": self.y.year.id,
                                 "period": period.id, "value": suggested, "suggested": suggested,
                                 "average": average, "set_at": set_at,
                                 "set_by": assignment["teacher"]["user_id"]})
        return rows


def _history(assignment_ids: list[int]) -> None:
    """The journal history of the first entry of every mark of these assignments (old "" → new value), as the
    pages write it: one ``INSERT … SELECT`` per slice of assignments, no rows through Python."""
    for start in range(0, len(assignment_ids), 100):
        source = (Mark.select(peewee.Value("mark"), Mark.id, Mark.lesson, Mark.student_id, Mark.assignment_id,
                              peewee.Value("value"), peewee.Value(""), Mark.value, Mark.entered_by, Mark.entered_at)
                  .where(Mark.assignment_id.in_(assignment_ids[start:start + 100])))
        JournalChange.insert_from(source, [
            JournalChange.kind, JournalChange.object_id, JournalChange.lesson_id, JournalChange.student_id,
            JournalChange.assignment_id, JournalChange.field, JournalChange.old_value, JournalChange.new_value,
            JournalChange.changed_by, JournalChange.changed_at]).execute()


def _lesson_ids(rows: list[dict], assignment_ids: list[int]) -> None:
    found = {}
    for start in range(0, len(assignment_ids), 100):
        query = Lesson.select(Lesson.id, Lesson.assignment, Lesson.date, Lesson.number).where(
            Lesson.assignment.in_(assignment_ids[start:start + 100])).tuples()
        found.update({(a, d, n): i for i, a, d, n in query})
    for row in rows:
        row["id"] = found[(row["assignment"], row["date"], row["number"])]


def generate(demo) -> None:
    """Keep the journal of every demo school from 1 September up to ``demo.today`` (see the module docstring)."""
    shared = demo.shared
    assignments_of = defaultdict(list)
    for school in shared["registries.schools"]:
        year = SchoolYear(demo, school, shared["registries.staff"])
        year.timetable([year.assign(c) for c in school["classes"]])
        book = Journal(demo, year)
        days = book.school_days()
        book.student_state(days)
        lessons = book.lessons(days)
        _insert(Lesson, lessons)
        _lesson_ids(lessons, [a["id"] for a in year.assignments])
        marks, absences = book.marks_and_attendance(lessons)
        _insert(Mark, marks)
        _insert(Attendance, absences)
        _history([a["id"] for a in year.assignments])
        _insert(PeriodGrade, book.period_grades())
        for assignment in year.assignments:
            assignments_of[assignment["teacher"]["id"]].append(assignment["id"])
    shared["gradebook.assignments"] = dict(assignments_of)
