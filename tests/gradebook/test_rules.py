"""The local act's arithmetic: weighted average, rounding thresholds, «н/а», late entries."""

import datetime as dt
from decimal import Decimal

from plugins.gradebook.rules import (
    GradeRule,
    is_late,
    local_date,
    marks_needed,
    running_averages,
    suggest_period_grade,
    suggest_year_grade,
    weighted_average,
)

RULE = GradeRule()


def test_weighted_average_weighs_each_mark_by_its_work_type():
    # 5 (control work, weight 2) and 3 (answer, weight 1): (10 + 3) / 3
    assert weighted_average([("5", 2), ("3", 1)]) == Decimal("4.33")


def test_weighted_average_ignores_not_assessed_and_pass_fail():
    assert weighted_average([("4", 1), ("н/а", 1), ("зач", 1)]) == Decimal("4.00")
    assert weighted_average([("н/а", 1)]) is None


def test_rounding_thresholds_decide_the_period_grade():
    marks = [("5", 1), ("4", 1), ("5", 1), ("4", 1)]  # 4.50
    assert suggest_period_grade(marks, "five", RULE) == "5"
    assert suggest_period_grade([("4", 1), ("5", 1), ("4", 1)], "five", RULE) == "4"  # 4.33
    strict = GradeRule(threshold_5=Decimal("4.6"))
    assert suggest_period_grade(marks, "five", strict) == "4"
    assert suggest_period_grade([("2", 1), ("3", 1), ("2", 1)], "five", RULE) == "2"  # 2.33


def test_too_few_marks_give_not_assessed():
    assert suggest_period_grade([("5", 1), ("5", 1)], "five", RULE) == "н/а"
    assert suggest_period_grade([("5", 1), ("5", 1)], "five", GradeRule(min_marks=2)) == "5"


def test_pass_fail_scale_and_classes_without_marks():
    assert suggest_period_grade([("зач", 1), ("незач", 1), ("зач", 1)], "pass", RULE) == "зач"
    assert suggest_period_grade([], "none", RULE) == ""


def test_year_grade_is_the_rounded_mean_of_period_grades():
    assert suggest_year_grade(["4", "5", "5", "4"], "five", RULE) == "5"
    assert suggest_year_grade(["4", "4", "5", "3"], "five", RULE) == "4"


def test_late_entry_is_measured_on_the_local_entry_date_not_the_lesson_date():
    lesson = dt.date(2025, 10, 6)
    # 22:30 UTC on the 6th is already the 7th in Moscow: late for a same-day rule
    assert local_date(dt.datetime(2025, 10, 6, 22, 30), "Europe/Moscow") == dt.date(2025, 10, 7)
    assert is_late(lesson, dt.datetime(2025, 10, 6, 22, 30), 0, "Europe/Moscow")
    assert not is_late(lesson, dt.datetime(2025, 10, 6, 12, 0), 0, "Europe/Moscow")
    assert not is_late(lesson, dt.datetime(2025, 10, 9, 12, 0), 3, "Europe/Moscow")
    assert is_late(lesson, dt.datetime(2025, 10, 10, 12, 0), 3, "Europe/Moscow")


def test_marks_needed_counts_the_marks_that_reach_a_grade_by_the_schools_rule():
    rule = GradeRule()  # 4.5 / 3.5 / 2.5, at least 3 marks
    fours = [("4", 1)] * 3
    assert marks_needed(fours, "5", 1, rule) == 3  # (12 + 5n) / (3 + n) ≥ 4.5 from n = 3
    assert marks_needed(fours, "5", 2, rule) == 2  # heavier work counts more
    assert marks_needed(fours, "4", 1, rule) == 0  # already there
    assert marks_needed([("5", 1)], "5", 1, rule) == 2  # the minimum of marks comes first
    assert marks_needed([("2", 1)] * 100, "5", 1, rule) is None  # not within 30 marks
    strict = GradeRule(threshold_5=Decimal("4.75"))
    assert marks_needed(fours, "5", 1, strict) == 9


def test_running_averages_are_the_weighted_averages_of_each_prefix():
    import random

    draw = random.Random(7)
    marks = [(draw.choice(["2", "3", "4", "5", "н/а", "зач"]), draw.choice([1, 1.5, 2, Decimal("0.5")]))
             for _ in range(200)]
    assert running_averages(marks) == [weighted_average(marks[:n + 1]) for n in range(len(marks))]
    assert running_averages([("н/а", 1), ("4", 2)]) == [None, Decimal("4.00")]
