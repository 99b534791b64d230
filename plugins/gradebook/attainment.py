"""The attainment report («отчёт об успеваемости»): how a period or the year ended, per class and per school.

Each student with interim grades («отметки за период / год») counts once: failing
(a «2» or «незач»), else not assessed («н/а»), else excellent (all 5), good (4 and 5),
with one «3», or with more «3». The success rate («успеваемость») is the share
without failing and «н/а»; the quality rate («качество знаний») the share of
excellent and good students — the figures a deputy head reports every period.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from core.api import _, service
from plugins.gradebook.models import FIVE_POINT, NOT_ASSESSED, AcademicYear, Period, PeriodGrade

COUNTS = ("students", "excellent", "good", "one_three", "threes", "failing", "not_assessed")


def count_titles() -> dict[str, str]:
    return {
        "students": _("Аттестовано учащихся"),
        "excellent": _("Отличники"),
        "good": _("Хорошисты"),
        "one_three": _("С одной «3»"),
        "threes": _("С «3»"),
        "failing": _("Неуспевающие («2»)"),
        "not_assessed": _("Не аттестованы («н/а»)"),
        "success": _("Успеваемость, %"),
        "quality": _("Качество знаний, %"),
    }


@dataclass
class AttainmentRow:
    """Counts for one class (``class_name`` empty on a per-school row)."""

    school_id: int
    school: str = ""
    class_id: int | None = None
    class_name: str = ""
    students: int = 0
    excellent: int = 0
    good: int = 0
    one_three: int = 0
    threes: int = 0
    failing: int = 0
    not_assessed: int = 0

    def add(self, other: "AttainmentRow") -> None:
        for name in COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def _share(self, part: int) -> Decimal | None:
        if not self.students:
            return None
        return (Decimal(part) * 100 / self.students).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def success(self) -> Decimal | None:
        return self._share(self.students - self.failing - self.not_assessed)

    @property
    def quality(self) -> Decimal | None:
        return self._share(self.excellent + self.good)


def classify(values: list[str]) -> str:
    """Which column a student's interim grades put them in."""
    if "2" in values or "незач" in values:  # i18n: data — a mark value
        return "failing"
    if NOT_ASSESSED in values:
        return "not_assessed"
    marks = [v for v in values if v in FIVE_POINT]
    if not marks:
        return ""  # pass/fail subjects only: attested, neither failing nor counted for quality
    if all(v == "5" for v in marks):
        return "excellent"
    if all(v in ("4", "5") for v in marks):
        return "good"
    return "one_three" if marks.count("3") == 1 else "threes"


def periods_for(school_ids: list[int], start_year: int, number: int | None) -> list[tuple[int, int | None]]:
    """(year id, period id or None for the year grades) of each school for an academic year and period number."""
    years = {y.id: y for y in AcademicYear.select().where(AcademicYear.school_id.in_(school_ids or [0])
                                                        & (AcademicYear.start_year == start_year))}
    if number is None:
        return [(year_id, None) for year_id in years]
    return [(p.year_id, p.id) for p in Period.select().where(Period.year.in_(list(years) or [0])
                                                             & (Period.number == number))]


def by_class(selection: list[tuple[int, int | None]]) -> list[AttainmentRow]:
    """One row per class for the chosen (year, period) pairs, in school and class order."""
    if not selection:
        return []
    condition = None
    for year_id, period_id in selection:
        part = (PeriodGrade.year == year_id) & (
            PeriodGrade.period.is_null() if period_id is None else PeriodGrade.period == period_id)
        condition = part if condition is None else condition | part
    grades: dict[int, list[str]] = defaultdict(list)
    for student_id, value in PeriodGrade.select(PeriodGrade.student_id, PeriodGrade.value).where(condition).tuples():
        grades[student_id].append(value)
    reg = service("registries")
    rows: dict[tuple[int, int | None], AttainmentRow] = {}
    for student in reg.students(grades).values():
        key = (student.school_id, student.school_class_id)
        row = rows.setdefault(key, AttainmentRow(student.school_id, class_id=student.school_class_id))
        row.students += 1
        column = classify(grades[student.id])
        if column:
            setattr(row, column, getattr(row, column) + 1)
    classes = reg.classes(k[1] for k in rows if k[1])
    schools = {i: s.short_name for i, s in reg.schools(k[0] for k in rows).items()}
    for (school_id, class_id), row in rows.items():
        row.school = schools.get(school_id, "")
        row.class_name = classes[class_id].name if class_id in classes else _("без класса")
    return sorted(rows.values(), key=lambda r: (r.school, classes[r.class_id].grade if r.class_id in classes else 99,
                                                r.class_name))


def by_school(rows: list[AttainmentRow], school_ids: list[int]) -> list[AttainmentRow]:
    """Per-school totals of per-class rows; schools without grades get an empty row."""
    names = {i: s.short_name for i, s in service("registries").schools(school_ids).items()}
    totals = {sid: AttainmentRow(sid, school=names.get(sid, "")) for sid in school_ids}
    for row in rows:
        totals[row.school_id].add(row)
    return sorted(totals.values(), key=lambda r: r.school)


def total(rows: list[AttainmentRow]) -> AttainmentRow:
    whole = AttainmentRow(0, school=_("Итого"), class_name=_("Итого"))
    for row in rows:
        whole.add(row)
    return whole
