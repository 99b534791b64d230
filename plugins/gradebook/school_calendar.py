"""The school calendar: academic years with their periods and holidays, and lessons from the timetable."""

from __future__ import annotations

import datetime as dt

from core.api import database
from plugins.gradebook.models import AcademicYear, Holiday, Lesson, Period, TeachingAssignment, TimetableSlot

# i18n: data — seeded as the school's periods, which its admin renames
PERIOD_NAMES = {
    "quarter": ("I четверть", "II четверть", "III четверть", "IV четверть"),
    "trimester": ("I триместр", "II триместр", "III триместр"),
    "half": ("I полугодие", "II полугодие"),
}


def default_periods(start_year: int, kind: str) -> list[tuple[str, dt.date, dt.date]]:
    """Typical period dates of a Russian school year (the admin edits them afterwards)."""
    y, n = start_year, start_year + 1
    bounds = {
        "quarter": [((y, 9, 1), (y, 10, 26)), ((y, 11, 5), (y, 12, 28)), ((n, 1, 12), (n, 3, 22)),
                    ((n, 4, 1), (n, 5, 26))],
        "trimester": [((y, 9, 1), (y, 11, 30)), ((y, 12, 1), (n, 2, 28)), ((n, 3, 1), (n, 5, 26))],
        "half": [((y, 9, 1), (y, 12, 28)), ((n, 1, 12), (n, 5, 26))],
    }[kind]
    return [(name, dt.date(*a), dt.date(*b)) for name, (a, b) in zip(PERIOD_NAMES[kind], bounds, strict=True)]


def default_holidays(start_year: int) -> list[tuple[str, dt.date, dt.date]]:
    y, n = start_year, start_year + 1
    # i18n: data — seeded as the school's holidays, which its admin edits
    return [
        ("Осенние каникулы", dt.date(y, 10, 27), dt.date(y, 11, 4)),
        ("Зимние каникулы", dt.date(y, 12, 29), dt.date(n, 1, 11)),
        ("Весенние каникулы", dt.date(n, 3, 23), dt.date(n, 3, 31)),
    ]


def create_year(school_id: int, start_year: int, kind: str = "quarter", *, with_defaults: bool = True,
                starts_on: dt.date | None = None, ends_on: dt.date | None = None) -> AcademicYear:
    """Create an academic year; with ``with_defaults`` also its typical periods and holidays."""
    with database.atomic():
        year = AcademicYear.create(
            school_id=school_id, start_year=start_year, period_kind=kind,
            starts_on=starts_on or dt.date(start_year, 9, 1), ends_on=ends_on or dt.date(start_year + 1, 5, 31))
        if with_defaults:
            for number, (name, start, end) in enumerate(default_periods(start_year, kind), start=1):
                Period.create(year=year, number=number, name=name, starts_on=start, ends_on=end)
            for name, start, end in default_holidays(start_year):
                Holiday.create(year=year, name=name, starts_on=start, ends_on=end)
    return year


def is_holiday(year: AcademicYear, day: dt.date) -> bool:
    return Holiday.select().where((Holiday.year == year.id) & (Holiday.starts_on <= day)
                                  & (Holiday.ends_on >= day)).exists()


def generate_lessons(assignment: TeachingAssignment, start: dt.date, end: dt.date) -> list[Lesson]:
    """Create the lessons the timetable gives between two dates (holidays and Sundays skipped, no duplicates)."""
    year = assignment.year
    slots = list(TimetableSlot.select().where(TimetableSlot.assignment == assignment.id))
    holidays = [(h.starts_on, h.ends_on) for h in Holiday.select().where(Holiday.year == year.id)]
    existing = {(lesson.date, lesson.number) for lesson in
                Lesson.select(Lesson.date, Lesson.number).where(
                    (Lesson.assignment == assignment.id) & Lesson.date.between(start, end))}
    created = []
    day = max(start, year.starts_on)
    last = min(end, year.ends_on)
    with database.atomic():
        while day <= last:
            if not any(a <= day <= b for a, b in holidays):
                for slot in slots:
                    if slot.weekday == day.isoweekday() and (day, slot.number) not in existing:
                        created.append(Lesson.create(
                            assignment=assignment.id, date=day, number=slot.number, starts_at=slot.starts_at,
                            ends_at=slot.ends_at, room=slot.room))
            day += dt.timedelta(days=1)
    return created
