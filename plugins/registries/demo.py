"""The registries' part of the demo region (``eschool demo``): a municipality, its schools and people.

What it makes, from ``demo.students`` and the seeded ``demo.random``:

- one municipality with ``max(2, round(students / 150))`` schools of different sizes (4 for 600);
- classes 1–11 in each school for the academic year of ``demo.today``, two letters where a grade is large;
- families: most children with two parents, some with one, some brothers and sisters in one school; every
  parent with a valid SNILS and most with a user; a consent per child and per parent (a few children
  without one, so the readiness report has something to show); most students with SNILS and a user;
- staff: a school admin, a deputy head, a class teacher per primary class and subject teachers per school,
  a municipal specialist, the region operator — each with a user.

What it hands to later plugins in ``demo.shared`` (documented in ``docs/demo.md``):
``registries.start_year``, ``registries.schools``, ``registries.students``, ``registries.parents``,
``registries.staff`` and ``registries.featured`` (the people whose logins the demo prints).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from typing import Any

from core.api import Bulk, User
from plugins.registries import demo_names as names
from plugins.registries import models as m
from plugins.registries.importer import academic_year
from plugins.registries.snils import make_valid

PURPOSE = "Предоставление информации о текущей успеваемости учащегося в электронном виде"
TEXT_VERSION = "2025-09"
CLASS_SIZE = 16  # a grade this large is split into two classes sometimes; twice as large, always
# specialty → (position, average lessons a week per class of grades 5–11; primary specialists per class 1–4)
SPECIALTIES = {
    "russian": ("Учитель русского языка и литературы", 7.0, 0),
    "maths": ("Учитель математики", 6.0, 0),
    "english": ("Учитель английского языка", 3.0, 2),
    "history": ("Учитель истории и обществознания", 3.0, 0),
    "science": ("Учитель биологии и географии", 3.5, 0),
    "physics": ("Учитель физики и информатики", 3.0, 0),
    "chemistry": ("Учитель химии", 1.5, 0),
    "arts": ("Учитель музыки и ИЗО", 1.5, 2),
    "technology": ("Учитель труда (технологии)", 1.5, 1),
    "pe": ("Учитель физической культуры и ОБЗР", 2.6, 2),
}
TEACHER_HOURS = 22
# the order the rows are written in: every table after the tables it refers to
TABLES = (User, m.Staff, m.SchoolClass, m.Student, m.Parent, m.ParentLink, m.Consent, m.EnrolmentEvent)


def _pick(rnd, items):
    return items[rnd.randrange(len(items))]


class Rows:
    """Rows kept until ``write`` (a few are completed later: class teachers, students' users), then written
    in ``TABLES`` order by the core's ``Bulk`` (the demo fills an empty region)."""

    def __init__(self):
        self.bulk = Bulk()
        self.rows: dict[type, list[dict]] = defaultdict(list)
        self.by_id: dict[type, dict[int, dict]] = defaultdict(dict)

    def add(self, model, **row) -> int:
        """Keep a row for ``write``; returns its id (the next after the table's largest)."""
        row = {"id": self.bulk.new_id(model), **row}
        self.rows[model].append(row)
        self.by_id[model][row["id"]] = row
        return row["id"]

    def update(self, model, row_id: int, **values) -> None:
        self.by_id[model][row_id].update(values)

    def write(self) -> None:
        for model in TABLES:
            self.bulk.write(model, self.rows.pop(model, []))
        self.bulk.finish()
        self.by_id.clear()


class Maker:
    """Creates the rows; keeps the SNILS pool and what is shared afterwards."""

    def __init__(self, demo):
        self.demo = demo
        self.rnd = demo.random
        self.today = demo.today
        self.start_year = academic_year(demo.today)
        pool_size = 4 * demo.students + 400
        self.snils_numbers = iter(self.rnd.sample(range(1_002_000, 999_999_999), pool_size))
        self.bulk = Rows()
        self.staff: list[dict] = []
        self.students: list[dict] = []
        self.parents: list[dict] = []

    def snils(self) -> str:
        return make_valid(next(self.snils_numbers))

    def user(self, display_name: str, role: str) -> int:
        return self.bulk.add(User, display_name=display_name, role=role)

    # --- organisations and staff -------------------------------------------------------

    def municipality(self) -> m.Municipality:
        name, _town = names.MUNICIPALITIES[0]
        return m.Municipality.create(code="99-01", name=name)

    def school(self, municipality, number: int) -> m.School:
        _name, town = names.MUNICIPALITIES[0]
        full, short = names.SCHOOL_KINDS[0] if number % 3 else names.SCHOOL_KINDS[1 + number % 2]
        n = number * 2 + 1 if number else 1
        street = _pick(self.rnd, names.STREETS)
        return m.School.create(
            municipality=municipality, code=f"99-01-{number + 1:03d}",
            name=f"Муниципальное бюджетное общеобразовательное учреждение «{full.format(n=n)}»",
            short_name=short.format(n=n),
            address=f"{town}, {street}, д. {self.rnd.randint(1, 60)}",
            phone=f"+7 (815) 000-{self.rnd.randint(10, 99)}-{self.rnd.randint(10, 99)}",
            email=f"school{n}@edu.demo-region.example",
            website=f"https://school{n}.demo-region.example",
            service_contact="Администратор «Электронной школы», каб. 12",
        )

    def person_name(self, female: bool) -> tuple[str, str, str]:
        surname = _pick(self.rnd, names.SURNAMES)
        if female:
            return names.feminine_surname(surname), _pick(self.rnd, names.WOMEN), \
                names.patronymic(_pick(self.rnd, names.MEN), True)
        return surname, _pick(self.rnd, names.MEN), names.patronymic(_pick(self.rnd, names.MEN), False)

    def add_staff(self, role: str, position: str, *, school=None, municipality=None, specialty: str = "") -> dict:
        female = self.rnd.random() < (0.85 if role in ("teacher", "deputy") else 0.6)
        last, first, middle = self.person_name(female)
        user_id = self.user(f"{last} {first} {middle}", role)
        staff_id = self.bulk.add(
            m.Staff, last_name=last, first_name=first, middle_name=middle, position=position,
            school=school.id if school else None, municipality=municipality.id if municipality else None,
            user=user_id)
        row = {"id": staff_id, "user_id": user_id, "role": role, "position": position, "specialty": specialty,
               "school_id": school.id if school else None, "last_name": last, "first_name": first,
               "middle_name": middle, "full_name": f"{last} {first} {middle}"}
        self.staff.append(row)
        return row

    def school_staff(self, school, classes: list[dict]) -> list[dict]:
        """Admin, deputy, a class teacher for each primary class, subject teachers by the classes' hours."""
        self.add_staff("school_admin", "Администратор «Электронной школы», учитель информатики", school=school)
        self.add_staff("deputy", "Заместитель директора по учебной работе", school=school)
        teachers = []
        primary = [c for c in classes if c["grade"] <= 4]
        senior = [c for c in classes if c["grade"] >= 5]
        for school_class in primary:
            teacher = self.add_staff("teacher", "Учитель начальных классов", school=school, specialty="primary")
            school_class["class_teacher_id"] = teacher["id"]
            teachers.append(teacher)
        for key, (position, senior_hours, primary_hours) in SPECIALTIES.items():
            hours = senior_hours * len(senior) + primary_hours * len(primary)
            for _ in range(max(1, math.ceil(hours / TEACHER_HOURS))):
                teachers.append(self.add_staff("teacher", position, school=school, specialty=key))
        subject_teachers = [t for t in teachers if t["specialty"] != "primary"]
        self.rnd.shuffle(subject_teachers)
        for school_class, teacher in zip(senior, subject_teachers, strict=False):
            school_class["class_teacher_id"] = teacher["id"]
        for school_class in classes:
            self.bulk.update(m.SchoolClass, school_class["id"], class_teacher=school_class.get("class_teacher_id"))
        return teachers

    # --- classes and families ------------------------------------------------------------

    def classes(self, school, size: int) -> list[dict]:
        """Classes 1–11 with how many children each gets; a large grade is split into А and Б."""
        weights = [self.rnd.uniform(0.8, 1.2) for _ in range(11)]
        per_grade = [int(size * w / sum(weights)) for w in weights]
        for i in range(size - sum(per_grade)):
            per_grade[i % 11] += 1
        made = []
        for grade, count in enumerate(per_grade, start=1):
            two = count >= 2 * CLASS_SIZE or (count >= CLASS_SIZE and self.rnd.random() < 0.25)
            letters = "АБ" if two else "А"
            for index, letter in enumerate(letters):
                share = count // len(letters) + (1 if index < count % len(letters) else 0)
                class_id = self.bulk.add(m.SchoolClass, school=school.id, year=self.start_year, grade=grade,
                                         letter=letter, class_teacher=None)
                made.append({"id": class_id, "school_id": school.id, "grade": grade, "letter": letter,
                             "name": f"{grade}{letter}", "seats": share, "student_ids": []})
        return made

    def birth_date(self, grade: int) -> dt.date:
        """A birth date of a child who starts ``grade`` on 1 September at the usual age."""
        first = dt.date(self.start_year - 7 - grade, 9, 1) + dt.timedelta(days=60)
        return first + dt.timedelta(days=self.rnd.randrange(365))

    def family(self, school, seats: list[dict], children: int, grades: tuple[int, ...] = ()) -> dict:
        """One family: a surname, a mother and/or a father, ``children`` children in free seats.

        With ``grades`` (the family the demo shows) the children sit in those grades, both parents
        are there with users, and every child has a consent.
        """
        surname = _pick(self.rnd, names.SURNAMES)
        father_name = _pick(self.rnd, names.MEN)
        roll = 0.0 if grades else self.rnd.random()
        has_mother, has_father = (True, True) if roll < 0.78 else ((True, False) if roll < 0.94 else (False, True))
        kids = []
        for index in range(children):
            if not seats:
                break
            wanted = [i for i, s in enumerate(seats) if index < len(grades) and s["grade"] == grades[index]]
            school_class = seats.pop(wanted[0] if wanted else self.rnd.randrange(len(seats)))
            kids.append(self.child(school, school_class, surname, father_name))
        if not kids:
            return {"kids": [], "parents": []}
        oldest = min(k["birth_date"] for k in kids)
        parents = []
        if has_mother:
            parents.append(self.parent(school, names.feminine_surname(surname), _pick(self.rnd, names.WOMEN),
                                       names.patronymic(_pick(self.rnd, names.MEN), True), "F", "mother", oldest,
                                       with_user=bool(grades)))
        if has_father:
            parents.append(self.parent(school, surname, father_name,
                                       names.patronymic(_pick(self.rnd, names.MEN), False), "M", "father", oldest,
                                       with_user=bool(grades)))
        for kid in kids:
            for parent in parents:
                self.bulk.add(m.ParentLink, parent=parent["id"], student=kid["id"], relation=parent["relation"])
                kid["parent_ids"].append(parent["id"])
                parent["child_ids"].append(kid["id"])
            if grades or self.rnd.random() < 0.97:
                self.consent(subject_student=kid["id"], giver_parent=parents[0]["id"])
                kid["consent"] = True
        return {"kids": kids, "parents": parents}

    def child(self, school, school_class: dict, surname: str, father_name: str) -> dict:
        female = self.rnd.random() < 0.5
        first = _pick(self.rnd, names.GIRLS if female else names.BOYS)
        last = names.feminine_surname(surname) if female else surname
        middle = names.patronymic(father_name, female)
        birth = self.birth_date(school_class["grade"])
        snils = self.snils() if self.rnd.random() < 0.93 else None
        user_id = None
        if school_class["grade"] >= 2 and self.rnd.random() < 0.8:
            user_id = self.user(f"{last} {first} {middle}", "student")
        student_id = self.bulk.add(
            m.Student, last_name=last, first_name=first, middle_name=middle, birth_date=birth,
            gender="f" if female else "m", snils=snils, school=school.id, school_class=school_class["id"],
            status="enrolled", user=user_id)
        self.bulk.add(m.EnrolmentEvent, student=student_id, status="enrolled", school=school.id,
                      school_class=school_class["id"], date=dt.date(self.start_year, 9, 1), note="Приказ о зачислении")
        school_class["student_ids"].append(student_id)
        row = {"id": student_id, "school_id": school.id, "class_id": school_class["id"],
               "grade": school_class["grade"], "class_name": school_class["name"], "last_name": last,
               "first_name": first, "middle_name": middle, "full_name": f"{last} {first} {middle}",
               "birth_date": birth, "gender": "F" if female else "M", "snils": snils, "user_id": user_id,
               "parent_ids": [], "consent": False}
        self.students.append(row)
        return row

    def parent(self, school, last: str, first: str, middle: str, gender: str, relation: str,
               oldest_child: dt.date, *, with_user: bool = False) -> dict:
        birth = oldest_child - dt.timedelta(days=365 * self.rnd.randint(22, 38) + self.rnd.randrange(365))
        snils = self.snils()
        with_user = with_user or self.rnd.random() < 0.9
        user_id = self.user(f"{last} {first} {middle}", "parent") if with_user else None
        phone = f"+7 9{self.rnd.randint(10, 99)} {self.rnd.randint(100, 999)}-{self.rnd.randint(10, 99)}-" \
                f"{self.rnd.randint(10, 99)}"
        parent_id = self.bulk.add(m.Parent, last_name=last, first_name=first, middle_name=middle, snils=snils,
                                  birth_date=birth, phone=phone, user=user_id, registered_school=school.id)
        self.consent(subject_parent=parent_id, giver_parent=parent_id)
        row = {"id": parent_id, "school_id": school.id, "last_name": last, "first_name": first,
               "middle_name": middle, "full_name": f"{last} {first} {middle}", "birth_date": birth,
               "gender": gender, "snils": snils, "user_id": user_id, "relation": relation, "child_ids": []}
        self.parents.append(row)
        return row

    def consent(self, **who: int) -> None:
        given = dt.date(self.start_year, 8, 25) + dt.timedelta(days=self.rnd.randrange(20))
        paper = self.rnd.random() < 0.7
        self.bulk.add(m.Consent, **{
            "subject_student": None, "subject_parent": None, "giver_parent": None, "giver_student": None,
            **who, "purpose": PURPOSE, "text_version": TEXT_VERSION, "given_on": given,
            "channel": "paper" if paper else "electronic",
            "scan_reference": f"Папка согласий {self.start_year}, лист {self.rnd.randint(1, 400)}" if paper else ""})


def school_sizes(rnd, students: int, schools: int) -> list[int]:
    weights = [rnd.uniform(0.6, 1.6) for _ in range(schools)]
    weights.sort(reverse=True)
    sizes = [int(students * w / sum(weights)) for w in weights]
    for i in range(students - sum(sizes)):
        sizes[i % schools] += 1
    return sizes


def featured(maker: Maker, family: dict) -> dict[str, Any]:
    """The people whose logins the demo prints, chosen so that each shows what it should."""
    school_id = family["kids"][0]["school_id"]
    young = min(family["kids"], key=lambda k: k["grade"])
    if not young["user_id"]:
        young["user_id"] = maker.user(young["full_name"], "student")
        maker.bulk.update(m.Student, young["id"], user=young["user_id"])
    taken = {k["id"] for k in family["kids"]}

    def student_of_age(age: int, grade: int) -> dict:
        """A student with SNILS and consent, made exactly ``age`` (and a bit) years old today."""
        candidates = [s for s in maker.students if s["snils"] and s["consent"] and s["id"] not in taken]
        pick = min(candidates, key=lambda s: (s["school_id"] != school_id, abs(s["grade"] - grade), s["id"]))
        taken.add(pick["id"])
        if not pick["user_id"]:
            pick["user_id"] = maker.user(pick["full_name"], "student")
            maker.bulk.update(m.Student, pick["id"], user=pick["user_id"])
        birth = dt.date(maker.today.year - age, maker.today.month, 1) - dt.timedelta(days=40)
        pick["birth_date"] = birth
        maker.bulk.update(m.Student, pick["id"], birth_date=birth)
        return pick

    staff = [s for s in maker.staff if s["school_id"] == school_id]
    return {
        "parent": family["parents"][0]["id"],
        "second_parent": family["parents"][1]["id"],
        "young_student": young["id"],
        "student_13": student_of_age(13, 7)["id"],
        "student_15": student_of_age(15, 9)["id"],
        "teacher": next(s["id"] for s in staff if s["specialty"] == "maths"),
        "school_admin": next(s["id"] for s in staff if s["role"] == "school_admin"),
        "deputy": next(s["id"] for s in staff if s["role"] == "deputy"),
        "municipality": next(s["id"] for s in maker.staff if s["role"] == "municipality"),
        "operator": next(s["id"] for s in maker.staff if s["role"] == "operator"),
    }


def generate(demo) -> None:
    """Fill the registries of the demo region (see the module docstring)."""
    maker = Maker(demo)
    municipality = maker.municipality()
    sizes = school_sizes(maker.rnd, demo.students, max(2, round(demo.students / 150)))
    schools = []
    shown_family = None
    for number, size in enumerate(sizes):
        school = maker.school(municipality, number)
        classes = maker.classes(school, size)
        seats = [c for c in classes for _ in range(c["seats"])]
        if shown_family is None:
            shown_family = maker.family(school, seats, 2, grades=(4, 7))
        while seats:
            roll = maker.rnd.random()
            maker.family(school, seats, 1 if roll < 0.8 else (2 if roll < 0.97 else 3))
        teachers = maker.school_staff(school, classes)
        schools.append({"id": school.id, "name": school.name, "short_name": school.short_name,
                        "classes": classes, "teacher_ids": [t["id"] for t in teachers]})
    maker.add_staff("municipality", "Главный специалист управления образования", municipality=municipality)
    maker.add_staff("operator", "Оператор регионального сегмента «Электронной школы»")
    shown = featured(maker, shown_family)
    maker.bulk.write()
    demo.shared.update({
        "registries.start_year": maker.start_year,
        "registries.municipality": municipality.id,
        "registries.schools": schools,
        "registries.students": maker.students,
        "registries.parents": maker.parents,
        "registries.staff": maker.staff,
        "registries.featured": shown,
    })
