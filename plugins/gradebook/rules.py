"""The local act's arithmetic: weighted averages, rounding to a period grade, entry deadlines.

Pure functions over plain values, so each rule is tested on its own and the
pages, the API and the reports all apply the very same rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from plugins.gradebook.models import FIVE_POINT, NOT_ASSESSED, PASS_FAIL

TWO_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class GradeRule:
    """What a local act says about period grades: thresholds for 5/4/3 and the minimum of marks."""

    threshold_5: Decimal = Decimal("4.5")
    threshold_4: Decimal = Decimal("3.5")
    threshold_3: Decimal = Decimal("2.5")
    min_marks: int = 3

    @classmethod
    def of(cls, act) -> "GradeRule":
        return cls(Decimal(act.threshold_5), Decimal(act.threshold_4), Decimal(act.threshold_3), int(act.min_marks))


def weighted_average(marks: Iterable[tuple[str, Decimal | float | int]]) -> Decimal | None:
    """Σ(value × weight) / Σweight over the 2–5 marks; «н/а» and «зачёт» do not count. None if none."""
    total = Decimal(0)
    weights = Decimal(0)
    for value, weight in marks:
        if value in FIVE_POINT:
            w = Decimal(str(weight))
            total += Decimal(value) * w
            weights += w
    if weights == 0:
        return None
    return (total / weights).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def running_averages(marks: Iterable[tuple[str, Decimal | float | int]]) -> list[Decimal | None]:
    """:func:`weighted_average` of the first 1, 2, … marks — each the very same figure, in one pass."""
    total = Decimal(0)
    weights = Decimal(0)
    found: list[Decimal | None] = []
    for value, weight in marks:
        if value in FIVE_POINT:
            w = Decimal(str(weight))
            total += Decimal(value) * w
            weights += w
        found.append((total / weights).quantize(TWO_PLACES, rounding=ROUND_HALF_UP) if weights else None)
    return found


def counted_marks(values: Iterable[str]) -> int:
    """How many marks count toward the minimum for a period grade (2–5 and зачёт/незачёт)."""
    return sum(1 for v in values if v in FIVE_POINT or v in PASS_FAIL)


def grade_from_average(average: Decimal | None, rule: GradeRule) -> str:
    """The period grade the thresholds give for a weighted average (no minimum check)."""
    if average is None:
        return NOT_ASSESSED
    if average >= rule.threshold_5:
        return "5"
    if average >= rule.threshold_4:
        return "4"
    if average >= rule.threshold_3:
        return "3"
    return "2"


def suggest_period_grade(marks: list[tuple[str, Decimal | float | int]], scale: str, rule: GradeRule) -> str:
    """The grade the local act suggests for a period: «н/а» with too few marks, else by thresholds.

    On the pass/fail scale the latest of the counted marks decides; a class
    without marks (``none``) gets no grade at all (empty string).
    """
    if scale == "none":
        return ""
    values = [v for v, _ in marks]
    if counted_marks(values) < rule.min_marks:
        return NOT_ASSESSED
    if scale == "pass":
        latest = [v for v in values if v in PASS_FAIL]
        return latest[-1] if latest else NOT_ASSESSED
    return grade_from_average(weighted_average(marks), rule)


def marks_needed(marks: list[tuple[str, Decimal | float | int]], target: str, weight: Decimal | float | int,
                 rule: GradeRule, limit: int = 30) -> int | None:
    """How many more marks ``target`` (2–5) of ``weight`` bring the suggested grade to at least ``target``.

    0 when the marks already reach it; None when ``limit`` more marks would not.
    """
    extra: list[tuple[str, Decimal | float | int]] = []
    for count in range(limit + 1):
        suggested = suggest_period_grade(marks + extra, "five", rule)
        if suggested in FIVE_POINT and int(suggested) >= int(target):
            return count
        extra.append((target, weight))
    return None


def suggest_year_grade(period_grades: list[str], scale: str, rule: GradeRule) -> str:
    """The year grade suggested from the period grades: the rounded mean of the 2–5 ones."""
    if scale == "none":
        return ""
    if scale == "pass":
        passed = [g for g in period_grades if g in PASS_FAIL]
        return passed[-1] if passed else NOT_ASSESSED
    return grade_from_average(weighted_average((g, 1) for g in period_grades), rule)


def local_date(moment: dt.datetime, timezone: str) -> dt.date:
    """The local calendar date of a naive-UTC timestamp in the region's time zone."""
    return moment.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(timezone)).date()


def is_late(lesson_date: dt.date, entered_at: dt.datetime, allowed_days: int, timezone: str) -> bool:
    """True when an entry was made later than ``allowed_days`` after the lesson day (local dates)."""
    return local_date(entered_at, timezone) > lesson_date + dt.timedelta(days=allowed_days)
