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
finished quarter has its period grades. Rows go straight to the driver
(``Bulk``: ids assigned up front, ``executemany`` or ``COPY``, the journal's
secondary indexes rebuilt after the load). Adds ``gradebook.assignments``
(``{staff id: [assignment ids]}``) to ``demo.shared``.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from zoneinfo import ZoneInfo

import peewee

from core.api import Bulk, core_settings
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


class SchoolYear:
    """One school's calendar, curriculum, assignments and timetable."""

    def __init__(self, demo, bulk: Bulk, school: dict, staff: list[dict]):
        self.rnd = demo.random
        self.bulk = bulk
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
        self.rows: dict[type, list[dict]] = defaultdict(list)  # subjects, groups, members, assignments, slots

    def subject_id(self, name: str, short: str) -> int:
        if name not in self.subjects:
            self.subjects[name] = self.bulk.new_id(Subject)
            self.rows[Subject].append({"id": self.subjects[name], "school_id": self.school["id"], "name": name,
                                       "short_name": short})
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
                    group_id = self.bulk.new_id(StudyGroup)
                    self.rows[StudyGroup].append({"id": group_id, "class_id": school_class["id"],
                                                  "name": f"{ENGLISH}, {label}"})
                    self.rows[GroupMember] += [{"group": group_id, "student_id": s} for s in part]
                    teacher = self.teacher_for(specialty, school_class, hours[grade], avoid=first)
                    first = teacher["id"]
                    block.append(self.new_assignment(school_class, subject_id, name, scale, teacher, part, group_id))
            else:
                teacher = self.teacher_for(specialty, school_class, hours[grade])
                block = [self.new_assignment(school_class, subject_id, name, scale, teacher, members, None)]
            blocks += [block] * hours[grade]
        return blocks

    def new_assignment(self, school_class, subject_id, name, scale, teacher, members, group_id) -> dict:
        assignment_id = self.bulk.new_id(TeachingAssignment)
        self.rows[TeachingAssignment].append({
            "id": assignment_id, "school_id": self.school["id"], "year": self.year.id, "class_id": school_class["id"],
            "group": group_id, "subject": subject_id, "teacher_id": teacher["id"], "scale": scale})
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
        for assignment in self.assignments:
            room = str(100 + (assignment["teacher"]["id"] % 40))
            for day, number in assignment["slots"]:
                start = dt.time(*BELLS[number - 1])
                self.rows[TimetableSlot].append({"assignment": assignment["id"], "weekday": day, "number": number,
                                                 "starts_at": start, "ends_at": _plus(start, LESSON_MINUTES),
                                                 "room": room})

    def write(self) -> None:
        """The school's subjects, groups, assignments and timetable, parents before children."""
        for model in (Subject, StudyGroup, GroupMember, TeachingAssignment, TimetableSlot):
            self.bulk.write(model, self.rows.pop(model, []))


@functools.cache
def _numbered_topics(subject: str) -> list[str]:
    return [f"{subject}: тема {i}" for i in range(1, 9)]


def _plus(moment: dt.time, minutes: int) -> dt.time:
    return (dt.datetime.combine(dt.date(2000, 1, 1), moment) + dt.timedelta(minutes=minutes)).time()


def _absence(roll: float) -> str:
    """The attendance code of a student who was not ill: mostly present, a few Н, ОП (late) and УП."""
    return "" if roll >= 0.016 else ("Н" if roll < 0.008 else ("ОП" if roll < 0.013 else "УП"))


class Journal:
    """Lessons, marks, attendance and period grades of one school, up to ``today``."""

    def __init__(self, demo, year: SchoolYear):
        self.demo = demo
        self.bulk = year.bulk
        self.rnd = demo.random
        self.today = demo.today
        self.y = year
        self.zone = ZoneInfo(core_settings()["timezone"])
        self.level = {}
        self.ill = defaultdict(set)
        self.marks_of = defaultdict(list)   # (assignment, student, period number) → [(value, weight)]
        self.utc_of: dict[tuple[dt.date, dt.time], dt.datetime | str] = {}

    def utc(self, day: dt.date, moment: dt.time) -> dt.datetime | str:
        """The stored (UTC) moment of a local day and time, in the driver's form; a year has few distinct ones."""
        key = (day, moment)
        found = self.utc_of.get(key)
        if found is None:
            local = dt.datetime.combine(day, moment).replace(tzinfo=self.zone)
            found = self.utc_of[key] = self.bulk.moment(local.astimezone(dt.UTC).replace(tzinfo=None))
        return found

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
        bells = [(dt.time(*bell), _plus(dt.time(*bell), LESSON_MINUTES)) for bell in BELLS]
        for assignment in self.y.assignments:
            room = str(100 + (assignment["teacher"]["id"] % 40))
            numbers = defaultdict(list)  # weekday → lesson numbers
            for weekday, number in assignment["slots"]:
                numbers[weekday].append(number)
            for day in days:
                for number in numbers.get(day.isoweekday(), ()):
                    start, end = bells[number - 1]
                    rows.append({"assignment": assignment["id"], "date": day, "number": number,
                                 "starts_at": start, "ends_at": end, "room": room, "work_type": None,
                                 "topic": "", "topic_entered_at": None, "topic_late": False, "homework": "",
                                 "homework_entered_at": None, "homework_late": False})
        rows.sort(key=lambda r: (r["assignment"], r["date"], r["number"]))
        for row, lesson_id in zip(rows, self.bulk.reserve(Lesson, len(rows)), strict=True):
            row["id"] = lesson_id
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
        topics = TOPICS.get(subject) or _numbered_topics(subject)
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
        period_of = {}
        marks, absences = [], []
        rnd, ill, marks_of, utc, today = self.rnd, self.ill, self.marks_of, self.utc, self.today
        random = rnd.random
        mark_days = {True: self.y.act.written_mark_days, False: self.y.act.mark_days}
        held = [lesson for lesson in lessons if lesson["date"] < today]
        for lesson in self.demo.progress(f"gradebook: {self.y.school['short_name']}", held):
            assignment = by_id[lesson["assignment"]]
            teacher_user = assignment["teacher"]["user_id"]
            day, lesson_id, assignment_id = lesson["date"], lesson["id"], assignment["id"]
            if day not in period_of:
                period_of[day] = next((p.number for p in periods if p.starts_on <= day <= p.ends_on), 0)
            period = period_of[day]
            ended, stored_day = utc(day, lesson["ends_at"]), self.bulk.day(day)
            present = []
            for student_id in assignment["students"]:
                code = "Б" if day in ill[student_id] else _absence(random())
                if code:
                    absences.append({"lesson": lesson_id, "student_id": student_id, "assignment_id": assignment_id,
                                     "lesson_date": stored_day, "code": code, "entered_at": ended,
                                     "entered_by": teacher_user, "updated_at": ended})
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
                chosen = [s for s in present if random() < chance]
            allowed = mark_days[bool(work_type.is_written)]
            scale, kind, weight = assignment["scale"], work_type.short_name, work_type.weight
            for student_id in chosen:
                value = self.mark(student_id, scale, kind)
                delay = allowed + rnd.randint(1, 4) if random() < 0.015 else 0
                late = delay > 0 and day + dt.timedelta(days=delay) < today
                entered = utc(day + dt.timedelta(days=delay), lesson["ends_at"]) if late else ended
                marks.append({"lesson": lesson_id, "student_id": student_id, "assignment_id": assignment_id,
                              "subject_id": assignment["subject_id"], "lesson_date": stored_day, "value": value,
                              "work_type": work_type.id, "weight": weight, "entered_at": entered,
                              "entered_by": teacher_user, "updated_at": entered, "updated_by": teacher_user,
                              "is_late": late})
                marks_of[(assignment_id, student_id, period)].append((value, weight))
        for row, mark_id in zip(marks, self.bulk.reserve(Mark, len(marks)), strict=True):
            row["id"] = mark_id
        return marks, absences

    def work_type(self, lesson: dict) -> WorkType:
        if lesson.get("work_type"):
            return next(w for w in self.y.work_types.values() if w.id == lesson["work_type"])
        return self.y.work_types["ДР" if self.rnd.random() < 0.3 else "ОУ"]

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


def _history(marks: range) -> None:
    """The journal history of the first entry of these marks (old "" → new value), as the pages write it: one
    ``INSERT … SELECT`` over the id range, in the journal's order (by assignment), no rows through Python."""
    source = (Mark.select(peewee.Value("mark"), Mark.id, Mark.lesson, Mark.student_id, Mark.assignment_id,
                          peewee.Value("value"), peewee.Value(""), Mark.value, Mark.entered_by, Mark.entered_at)
              .where(Mark.id.between(marks.start, marks.stop - 1)).order_by(Mark.assignment_id, Mark.id))
    JournalChange.insert_from(source, [
        JournalChange.kind, JournalChange.object_id, JournalChange.lesson_id, JournalChange.student_id,
        JournalChange.assignment_id, JournalChange.field, JournalChange.old_value, JournalChange.new_value,
        JournalChange.changed_by, JournalChange.changed_at]).execute()


def generate(demo) -> None:
    """Keep the journal of every demo school from 1 September up to ``demo.today`` (see the module docstring)."""
    shared = demo.shared
    bulk = Bulk()
    assignments_of = defaultdict(list)
    with bulk.without_indexes(Lesson, Mark, Attendance, PeriodGrade, JournalChange):
        for school in shared["registries.schools"]:
            year = SchoolYear(demo, bulk, school, shared["registries.staff"])
            year.timetable([year.assign(c) for c in school["classes"]])
            year.write()
            book = Journal(demo, year)
            days = book.school_days()
            book.student_state(days)
            lessons = book.lessons(days)
            bulk.write(Lesson, lessons)
            marks, absences = book.marks_and_attendance(lessons)
            bulk.write(Mark, marks)
            bulk.write(Attendance, absences)
            if marks:
                _history(range(marks[0]["id"], marks[-1]["id"] + 1))
            bulk.write(PeriodGrade, book.period_grades())
            for assignment in year.assignments:
                assignments_of[assignment["teacher"]["id"]].append(assignment["id"])
    bulk.finish()
    shared["gradebook.assignments"] = dict(assignments_of)
