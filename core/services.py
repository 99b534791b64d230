"""The typed interfaces of the services the built-in plugins offer (``core.api.service(name)``).

A plugin never imports another plugin; what it may ask another plugin is written here, as a
``typing.Protocol`` per service, and what crosses the boundary is a small frozen value (``StudentInfo``,
``SchoolInfo`` …), never a table class or a row. The owning plugin implements the Protocol
(``tests/core/test_service_protocols.py`` checks the signatures) and documents it in
``docs/plugins/<plugin>.md``; ``docs/plugin-api.md`` lists them.

Where another plugin must filter its own SQL by people (a policy hook, a join), the registries service
hands out *conditions* and *subqueries* (peewee expressions, typed ``Any`` here): the caller combines them
with ``&``/``|`` and never names the registries' columns.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

# --- values that cross the boundary ---------------------------------------------------------------


def _full(*parts: str) -> str:
    return " ".join(p for p in parts if p)


def _short(last: str, *given: str) -> str:
    initials = "".join(f"{p[0]}." for p in given if p)
    return f"{last} {initials}".strip()


class _Named:
    """``full_name`` («Иванов Пётр Сергеевич») and ``short_name`` («Иванов П. С.») of a value with name parts."""

    last_name: str
    first_name: str
    middle_name: str

    @property
    def full_name(self) -> str:
        return _full(self.last_name, self.first_name, self.middle_name)

    @property
    def short_name(self) -> str:
        return _short(self.last_name, self.first_name, self.middle_name)


@dataclass(frozen=True)
class SchoolInfo:
    """A school: its names and the contacts families see."""

    id: int
    municipality_id: int
    code: str
    name: str
    short_name: str
    address: str = ""
    phone: str = ""
    email: str = ""
    website: str = ""
    service_contact: str = ""


@dataclass(frozen=True)
class ClassInfo:
    """A class («5А») of a school in one academic year (``year`` = the year it starts)."""

    id: int
    school_id: int
    year: int
    grade: int
    letter: str
    class_teacher_id: int | None = None
    school_short_name: str = ""

    @property
    def name(self) -> str:
        return f"{self.grade}{self.letter}"


@dataclass(frozen=True)
class StaffInfo(_Named):
    """An employee of a school (``school_id``) or of a municipality (``municipality_id``)."""

    id: int
    last_name: str
    first_name: str
    middle_name: str = ""
    position: str = ""
    school_id: int | None = None
    municipality_id: int | None = None
    user_id: int | None = None
    school_short_name: str = ""
    municipality_name: str = ""


@dataclass(frozen=True)
class StudentInfo(_Named):
    """A student with the names of their school and class (``class_name`` is "" outside a class)."""

    id: int
    last_name: str
    first_name: str
    middle_name: str
    birth_date: dt.date | None
    gender: str
    school_id: int
    school_class_id: int | None
    status: str
    user_id: int | None = None
    school_name: str = ""
    school_short_name: str = ""
    class_name: str = ""


@dataclass(frozen=True)
class ParentInfo(_Named):
    """A parent or legal representative (no SNILS: the registries keep it)."""

    id: int
    last_name: str
    first_name: str
    middle_name: str = ""
    user_id: int | None = None


@dataclass(frozen=True)
class PersonInfo(_Named):
    """The registry person behind a user account: ``kind`` is ``"student"``, ``"parent"`` or ``"staff"``."""

    kind: str
    id: int
    last_name: str
    first_name: str
    middle_name: str = ""
    user_id: int | None = None
    birth_date: dt.date | None = None
    school_id: int | None = None
    school_class_id: int | None = None
    municipality_id: int | None = None


# --- registries -----------------------------------------------------------------------------------


@runtime_checkable
class RegistriesService(Protocol):
    """``service("registries")``: people and organisations, without their tables.

    Every list is ordered by name (students and staff: last, first name, id; classes: grade, letter).
    Batched lookups take any iterable of ids and answer with one query; unknown ids are left out.
    """

    # accounts → people
    def person_of(self, user: Any) -> PersonInfo | None:
        """The registry person behind a user account, by the account's role (None: no such person)."""

    def staff_of(self, user: Any) -> StaffInfo | None:
        """The staff record of a user account, or None."""

    def school_ids_of(self, user: Any) -> list[int]:
        """Schools a staff account works in: its school, or every school of its municipality."""

    def municipality_id_of(self, user: Any) -> int | None:
        """The municipality of a staff account (its own, or its school's)."""

    def children_of(self, user: Any) -> list[StudentInfo]:
        """Students a parent's account may see: an active link and an active consent."""

    def snils_matches(self, user: Any, snils: str) -> bool | None:
        """Whether ``snils`` (any punctuation) is the one the registry records for the account's person;
        None when the registry records none (the SNILS itself never leaves the registries)."""

    # batched lookups
    def schools(self, ids: Iterable[int]) -> dict[int, SchoolInfo]:
        """Schools by id."""

    def school(self, school_id: int) -> SchoolInfo | None:
        """One school, or None."""

    def all_school_ids(self) -> list[int]:
        """Every school of the region."""

    def classes(self, ids: Iterable[int]) -> dict[int, ClassInfo]:
        """Classes by id."""

    def classes_of_school(self, school_id: int, year: int | None = None) -> list[ClassInfo]:
        """A school's classes (of one academic year when ``year`` is given), newest year first."""

    def staff_members(self, ids: Iterable[int]) -> dict[int, StaffInfo]:
        """Staff by id."""

    def staff_of_school(self, school_id: int) -> list[StaffInfo]:
        """A school's employees."""

    def students(self, ids: Iterable[int]) -> dict[int, StudentInfo]:
        """Students by id."""

    def find_students(self, where: Any, *, limit: int | None = None) -> list[StudentInfo]:
        """Students matching a condition made by ``student_condition`` (combined with ``&``/``|``)."""

    def prepared_students(self, name: str, where: Callable[[], Any]) -> Callable[..., list[StudentInfo]]:
        """:meth:`find_students` for a hot path: ``where()`` builds the condition once, with ``core.api.Param``s
        for what changes, and the function returned runs it with their values (``find(group=7)``);
        ``name`` says which condition it is, one per ``where``."""

    def parents(self, ids: Iterable[int]) -> dict[int, ParentInfo]:
        """Parents by id."""

    def parents_of(self, student_ids: Iterable[int]) -> dict[int, list[ParentInfo]]:
        """Student id → the parents actively linked to them (by parent id)."""

    def parents_with_accounts(self, limit: int, exclude: Iterable[int] = ()) -> list[ParentInfo]:
        """Parents who have a user account, by id (the demo data's pick)."""

    def attach_student_user(self, student_id: int, user_id: int) -> None:
        """Record that the student logs in as this user account (the school issued them a login)."""

    # families
    def is_linked_parent(self, user: Any, student_id: int) -> bool:
        """Whether the account is a parent with an active link to the student (consent aside)."""

    def has_active_consent(self, student_id: int) -> bool:
        """Whether an unrevoked consent covers the student's data."""

    # policy-checked reads (the actor's scope of ``action`` on students or classes, as core.api.scope)
    def student_or_deny(self, actor: Any, action: str, student_id: int) -> StudentInfo:
        """The student if ``action`` on them is in the actor's scope; else 404 (as ``core.api.get_or_deny``)."""

    def may_act_on_students(self, actor: Any, action: str, student_ids: Iterable[int]) -> set[int]:
        """Of ``student_ids``, those in the actor's scope of ``action`` (one query)."""

    def visible_students(self, actor: Any, action: str, where: Any = None, *,
                         limit: int | None = None) -> list[StudentInfo]:
        """Students in the actor's scope of ``action`` (and matching ``where``, a ``student_condition``)."""

    def visible_student_ids(self, actor: Any, action: str) -> Any:
        """Subquery: ids of the students in the actor's scope of ``action``, for ``.in_()`` in the caller's SQL."""

    def class_or_deny(self, actor: Any, action: str, class_id: int) -> ClassInfo:
        """The class if ``action`` on it is in the actor's scope; else 404."""

    def visible_classes(self, actor: Any, action: str) -> list[ClassInfo]:
        """Classes in the actor's scope of ``action``, by school name, newest year, grade, letter."""

    # SQL helpers for other plugins' policy hooks and queries
    def kind_of(self, model: Any) -> str | None:
        """Which registry a ``policy_scope(model=…)`` call is about: ``"student"``, ``"class"``, ``"school"``,
        ``"staff"``, ``"parent"``, or None (not a registries table)."""

    def student_condition(self, *, ids: Any = None, class_ids: Any = None, school_ids: Any = None,
                          enrolled: bool | None = None, snils: str | None = None,
                          birth_date: dt.date | None = None) -> Any:
        """A condition on student rows, the AND of the parts given (``ids``/``class_ids``/``school_ids``: a
        list or a subquery; ``snils``: 11 digits). For ``find_students`` and for ``policy_scope`` answers
        when ``kind_of(model) == "student"``."""

    def class_condition(self, *, ids: Any = None, school_ids: Any = None) -> Any:
        """A condition on class rows (for ``policy_scope`` answers when ``kind_of(model) == "class"``)."""

    def active_consent_condition(self) -> Any:
        """A condition on student rows: an unrevoked consent covers the student's data."""

    def led_class_ids(self, staff_id: int) -> Any:
        """Subquery: ids of the classes whose class teacher is the staff member (a peewee SELECT:
        ``.in_()`` it, or ask ``.exists()``)."""

    # readiness for the service
    def readiness(self, school_ids: list[int]) -> list[dict]:
        """Readiness of schools for the service, step by step (``docs/plugins/registries.md``)."""


# --- age_policy -----------------------------------------------------------------------------------


@runtime_checkable
class AgePolicyService(Protocol):
    """``service("age_policy")``: the region's age rules for logins, without its settings' keys."""

    def min_age_esia(self) -> float:
        """The age (in years, a whole number of months: 14, 14.5) from which a student may use Gosuslugi."""

    def younger_students(self) -> str:
        """How students below ``min_age_esia()`` get in: ``"school_login"``, ``"child_account"``,
        ``"school_login_or_child_account"`` or ``"parents_only"``."""

    def school_login(self, birth_date: dt.date | None, on: dt.date | None = None) -> str:
        """What the rules make of a school-issued login: ``"allowed"``, ``"prefer_gosuslugi"``, ``"refused"``,
        ``"unknown"`` (no birth date)."""


# --- gradebook ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StudentLesson:
    """A lesson of a student's timetable, with the student's attendance code there ("" = present)."""

    lesson_id: int
    date: dt.date
    number: int
    subject: str
    attendance: str


@dataclass(frozen=True)
class ChangeDetails:
    """What a person is told about one journal change (``change_recorded``): no other child's data.

    ``subject`` — the subject's name; ``lesson_date`` — the lesson's date (None for a
    period grade); ``work_type`` — a mark's work type; ``period`` — a period grade's
    period name («Год» for the year grade); ``is_absence`` — an attendance code that
    means absence, with its ``code_name``; ``due_on`` — homework's due date (the
    subject's next lesson); ``student_ids`` — for homework, the students of the class
    or group it was set for (a mark's student is the change's own ``person_id``).
    """

    subject: str = ""
    lesson_date: dt.date | None = None
    work_type: str = ""
    period: str = ""
    is_absence: bool = False
    code_name: str = ""
    due_on: dt.date | None = None
    student_ids: tuple[int, ...] = ()


@runtime_checkable
class GradebookService(Protocol):
    """``service("gradebook")``: one student's lessons, attendance and progress; details of journal changes.

    ``student`` is a ``StudentInfo`` the caller has already checked access to; access decisions stay with
    the caller. Writes keep the journal's history, late flags and the closed-year rule.
    """

    def progress(self, student: StudentInfo, today: dt.date, period_id: int | None = None) -> Any:
        """What the family's ``/progress`` page shows for the student (the period asked for, else the current
        one), or None; the result carries ``subjects``, ``period``, ``year``, ``attendance``, ``homework``."""

    def periods(self, student: StudentInfo) -> list[Any]:
        """The student's periods (``id``, ``name``, ``starts_on``, ``ends_on``), oldest first."""

    def describe_changes(self, changes: list[tuple[str, int, str, dict[str, Any]]]) -> list[ChangeDetails]:
        """Details of journal changes given as ``(kind, object_id, new, context)``, in the same order."""

    def attendance_codes(self, school_id: int) -> dict[str, dict[str, Any]]:
        """The school's attendance codes: code → {"name", "is_absence", "is_excused"}."""

    def lessons_of_student(self, student: StudentInfo, start: dt.date, end: dt.date) -> list[StudentLesson]:
        """The student's lessons from ``start`` to ``end``, in order."""

    def set_attendance(self, lesson_id: int, student_id: int, code: str, by: int | None) -> bool:
        """Set a student's attendance at a lesson, with history; False when the lesson's year is closed."""


# --- auth_esia ------------------------------------------------------------------------------------


@runtime_checkable
class EsiaSignersService(Protocol):
    """``service("esia_signers")``: the GOST signers ESIA requests can be signed with, by name."""

    def register(self, name: str, factory: Callable[..., Any]) -> None:
        """Add a signer factory; a name already taken is an error."""

    def names(self) -> list[str]:
        """The registered signer names."""

    def make(self, name: str, options: Any) -> Any:
        """A signer made by the named factory with ``options``."""


# The interface each service name promises (``service()`` is typed by it; the test checks the owners).
PROTOCOLS: dict[str, type] = {
    "registries": RegistriesService,
    "age_policy": AgePolicyService,
    "gradebook": GradebookService,
    "esia_signers": EsiaSignersService,
}
