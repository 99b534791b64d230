"""Test data for the gradebook: a municipality with two schools, classes, families, teachers and a journal.

Every helper works inside an app context and returns model instances. The
API's tests reuse ``build_world``; the demo generator is modelled on it.

``build_world(app)`` makes (dates relative to ``today``, in the academic year
containing it, quarters by default):

- municipality «Тестовый район» with its specialist (role ``municipality``);
- school A: classes 5А (class teacher ``class_teacher``) and 5Б; students
  a1, a2, a3 in 5А, b1 in 5Б; an English subgroup of 5А (a1, a2);
  teachers ``teacher`` (maths in 5А and 5Б), ``other_teacher`` (Russian in
  5А), ``class_teacher`` (English, group 1 of 5А); ``deputy``, ``admin``;
- school B: class 5А with student c1, its ``admin_b``;
- parents: ``parent`` of a1 (and a second parent ``parent2`` of a1), ``other_parent`` of a2
  (both with consent), ``parent_no_consent`` of a3 (no consent), ``parent_c`` of c1;
- users for a1 (student role) and for every staff member and parent;
- lessons of every assignment on Mon/Wed/Fri of the current period up to a week ahead,
  a few marks and an absence for a1 in maths.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from core.api import User
from plugins.gradebook import journal, queries
from plugins.gradebook.models import (
    GroupMember,
    Lesson,
    StudyGroup,
    Subject,
    TeachingAssignment,
    TimetableSlot,
    WorkType,
)
from plugins.gradebook.school_calendar import create_year, generate_lessons
from tests.support import registry_tables

_counter = itertools.count(1)


def _n() -> int:
    return next(_counter)


def reg() -> Any:
    return registry_tables()


def make_user(role: str, name: str) -> User:
    return User.create(display_name=name, role=role)


def make_municipality(name: str = "Тестовый район") -> Any:
    return reg().Municipality.create(code=f"m{_n()}", name=name)


def make_school(municipality: Any, name: str = "Школа № 1") -> Any:
    return reg().School.create(municipality=municipality, code=f"s{_n()}", name=f"МБОУ «{name}»", short_name=name)


def make_staff(role: str, *, school: Any = None, municipality: Any = None, last_name: str = "Учителева",
               first_name: str = "Анна", with_user: bool = True) -> Any:
    user = make_user(role, f"{last_name} {first_name}") if with_user else None
    return reg().Staff.create(last_name=last_name, first_name=first_name, middle_name="Петровна", position=role,
                              school=school, municipality=municipality, user=user)


def make_class(school: Any, start_year: int, grade: int = 5, letter: str = "А", class_teacher: Any = None) -> Any:
    return reg().SchoolClass.create(school=school, year=start_year, grade=grade, letter=letter,
                                    class_teacher=class_teacher)


def make_student(school: Any, school_class: Any, last_name: str, first_name: str = "Иван", *,
                 with_user: bool = False, birth_date: dt.date = dt.date(2014, 3, 1)) -> Any:
    user = make_user("student", f"{last_name} {first_name}") if with_user else None
    return reg().Student.create(last_name=last_name, first_name=first_name, birth_date=birth_date, gender="m",
                                school=school, school_class=school_class, user=user)


def make_parent(children: list[Any], last_name: str, *, consent: bool = True, first_name: str = "Мария") -> Any:
    """A parent with a user, linked to ``children``; with ``consent`` each child gets an active consent."""
    user = make_user("parent", f"{last_name} {first_name}")
    parent = reg().Parent.create(last_name=last_name, first_name=first_name, snils=f"{_n():011d}", user=user)
    for child in children:
        reg().ParentLink.create(parent=parent, student=child, relation="mother")
        if consent:
            reg().Consent.create(subject_student=child, giver_parent=parent, purpose="progress",
                                 text_version="2025-09", given_on=dt.date(2025, 9, 1), channel="paper")
    return parent


def make_subject(school: Any, name: str) -> Subject:
    return Subject.create(school_id=school.id, name=name, short_name=name[:6])


def make_group(school_class: Any, name: str, students: list[Any]) -> StudyGroup:
    group = StudyGroup.create(class_id=school_class.id, name=name)
    for student in students:
        GroupMember.create(group=group, student_id=student.id)
    return group


def make_assignment(year: Any, school_class: Any, subject: Subject, teacher: Any, *, group: StudyGroup | None = None,
                    scale: str = "five", weekdays: tuple[int, ...] = (1, 3, 5), number: int = 2) -> TeachingAssignment:
    assignment = TeachingAssignment.create(school_id=school_class.school_id, year=year, class_id=school_class.id,
                                           group=group, subject=subject, teacher_id=teacher.id, scale=scale)
    for weekday in weekdays:
        TimetableSlot.create(assignment=assignment, weekday=weekday, number=number, starts_at=dt.time(9, 0),
                             ends_at=dt.time(9, 45), room="21")
    return assignment


def academic_start_year(today: dt.date) -> int:
    return today.year if today.month >= 8 else today.year - 1


def work_type(school: Any, name: str) -> WorkType:
    journal.local_act_for(school.id)
    return WorkType.get((WorkType.school_id == school.id) & (WorkType.name == name))


@dataclass
class World:
    """Everything ``build_world`` made, by name (see the module docstring)."""

    today: dt.date
    year: Any = None
    year_b: Any = None
    period: Any = None
    people: SimpleNamespace = field(default_factory=SimpleNamespace)
    things: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.things[name]
        except KeyError:
            raise AttributeError(name) from None


def build_world(app: Any, today: dt.date | None = None, kind: str = "quarter") -> World:
    """Build the two-school municipality described in the module docstring; returns a ``World``."""
    today = today or dt.date.today()
    start = academic_start_year(today)
    w = World(today)
    t = w.things
    with app.app_context():
        t["municipality"] = mun = make_municipality()
        t["school"] = school = make_school(mun, "Школа № 1")
        t["school_b"] = school_b = make_school(mun, "Школа № 2")
        w.year = create_year(school.id, start, kind)
        w.year_b = create_year(school_b.id, start, kind)
        w.period = queries.period_on(w.year, today)
        t["teacher"] = make_staff("teacher", school=school, last_name="Математикова")
        t["other_teacher"] = make_staff("teacher", school=school, last_name="Русакова")
        t["class_teacher"] = make_staff("teacher", school=school, last_name="Классная")
        t["deputy"] = make_staff("deputy", school=school, last_name="Завучева")
        t["admin"] = make_staff("school_admin", school=school, last_name="Админова")
        t["admin_b"] = make_staff("school_admin", school=school_b, last_name="Админова-Вторая")
        t["teacher_b"] = make_staff("teacher", school=school_b, last_name="Бэшкина")
        t["municipal"] = make_staff("municipality", municipality=mun, last_name="Районова")
        t["class_5a"] = c5a = make_class(school, start, 5, "А", class_teacher=t["class_teacher"])
        t["class_5b"] = c5b = make_class(school, start, 5, "Б")
        t["class_b"] = cb = make_class(school_b, start, 5, "А")
        t["a1"] = make_student(school, c5a, "Иванов", "Пётр", with_user=True)
        t["a2"] = make_student(school, c5a, "Петров", "Сергей")
        t["a3"] = make_student(school, c5a, "Сидоров", "Олег")
        t["b1"] = make_student(school, c5b, "Бобров", "Илья")
        t["c1"] = make_student(school_b, cb, "Цветков", "Антон")
        t["parent"] = make_parent([t["a1"]], "Иванова")
        t["parent2"] = make_parent([t["a1"]], "Иванов", first_name="Андрей")
        t["other_parent"] = make_parent([t["a2"]], "Петрова")
        t["parent_no_consent"] = make_parent([t["a3"]], "Сидорова", consent=False)
        t["parent_c"] = make_parent([t["c1"]], "Цветкова")
        t["maths"] = maths = make_subject(school, "Математика")
        t["russian"] = russian = make_subject(school, "Русский язык")
        t["english"] = english = make_subject(school, "Английский язык")
        t["maths_b"] = maths_b = make_subject(school_b, "Математика")
        t["english_group"] = group = make_group(c5a, "Английский язык, 1 группа", [t["a1"], t["a2"]])
        t["maths_5a"] = make_assignment(w.year, c5a, maths, t["teacher"])
        t["maths_5b"] = make_assignment(w.year, c5b, maths, t["teacher"])
        t["russian_5a"] = make_assignment(w.year, c5a, russian, t["other_teacher"], weekdays=(2, 4), number=3)
        t["english_5a"] = make_assignment(w.year, c5a, english, t["class_teacher"], group=group, weekdays=(2,),
                                          number=4)
        t["maths_b5a"] = make_assignment(w.year_b, cb, maths_b, t["teacher_b"])
        end = today + dt.timedelta(days=7)
        for name in ("maths_5a", "maths_5b", "russian_5a", "english_5a", "maths_b5a"):
            generate_lessons(t[name], w.period.starts_on, end)
        past = [lesson for lesson in t["maths_5a"].lessons.order_by(Lesson.date) if lesson.date <= today]
        t["maths_lessons"] = past
        teacher_user = t["teacher"].user_id
        if len(past) >= 3:
            # entered on the lesson day (07:00 UTC), as the local act wants
            def on_day(lesson):
                return dt.datetime.combine(lesson.date, dt.time(7, 0))

            journal.set_mark(past[0], t["a1"].id, "5", teacher_user, now=on_day(past[0]))
            journal.set_mark(past[1], t["a1"].id, "4", teacher_user, now=on_day(past[1]))
            journal.set_mark(past[2], t["a1"].id, "5", teacher_user, now=on_day(past[2]),
                             work_type=work_type(school, "Контрольная работа"))
            journal.set_attendance(past[1], t["a2"].id, "Н", teacher_user, now=on_day(past[1]))
    return w


def user_of(person: Any) -> User:
    """The user account of a registry person (staff, parent, student)."""
    return User.get_by_id(person.user_id)
