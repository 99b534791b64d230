"""Tables of the gradebook plugin: calendar, teaching, the journal and interim attestation.

People and classes live in the registries plugin; this plugin refers to them by
plain indexed integer columns (``school_id``, ``class_id``, ``student_id``,
``teacher_id`` = a staff id) and asks ``service("registries")`` (``core.api.RegistriesService``) for
names in batches and for conditions on people, so it never touches another plugin's tables.
"""

from __future__ import annotations

import peewee

from core.api import BaseModel, utcnow

PERIOD_KINDS = ("quarter", "trimester", "half")
SCALES = ("five", "pass", "none")
FIVE_POINT = ("5", "4", "3", "2")
PASS_FAIL = ("зач", "незач")  # i18n: data — stored mark values
NOT_ASSESSED = "н/а"  # i18n: data — a stored mark value
MARK_VALUES = {"five": FIVE_POINT + (NOT_ASSESSED,), "pass": PASS_FAIL + (NOT_ASSESSED,), "none": ()}
CHANGE_KINDS = ("mark", "attendance", "lesson", "grade", "year")


class LocalAct(BaseModel):
    """A school's local act on keeping the e-journal («Положение о ведении электронного журнала»).

    Rounding thresholds turn a weighted average into a period grade; fewer
    current marks than ``min_marks`` give «н/а». Deadlines are in days after
    the lesson date (0 = on the lesson day), measured on the entry time.
    """

    school_id = peewee.IntegerField(unique=True)
    period_kind = peewee.CharField(max_length=20, default="quarter")
    threshold_5 = peewee.DecimalField(max_digits=4, decimal_places=2, default=4.5)
    threshold_4 = peewee.DecimalField(max_digits=4, decimal_places=2, default=3.5)
    threshold_3 = peewee.DecimalField(max_digits=4, decimal_places=2, default=2.5)
    min_marks = peewee.IntegerField(default=3)
    attendance_days = peewee.IntegerField(default=0)
    topic_days = peewee.IntegerField(default=0)
    homework_days = peewee.IntegerField(default=0)
    mark_days = peewee.IntegerField(default=3)
    written_mark_days = peewee.IntegerField(default=7)
    updated_at = peewee.DateTimeField(default=utcnow)
    updated_by = peewee.IntegerField(null=True)

    class Meta:
        table_name = "gradebook_local_act"


class AcademicYear(BaseModel):
    """An academic year of a school («учебный год»); ``closed_at`` makes it a read-only archive."""

    school_id = peewee.IntegerField(index=True)
    start_year = peewee.IntegerField()
    starts_on = peewee.DateField()
    ends_on = peewee.DateField()
    period_kind = peewee.CharField(max_length=20, default="quarter")
    closed_at = peewee.DateTimeField(null=True)
    closed_by = peewee.IntegerField(null=True)

    class Meta:
        table_name = "gradebook_academic_year"
        indexes = ((("school_id", "start_year"), True),)

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    @property
    def name(self) -> str:
        return f"{self.start_year}/{self.start_year + 1}"


class Period(BaseModel):
    """A reporting period of a year: a quarter, trimester or half-year («четверть», «триместр», «полугодие»)."""

    year = peewee.ForeignKeyField(AcademicYear, backref="periods", on_delete="CASCADE")
    number = peewee.IntegerField()
    name = peewee.CharField(max_length=100)
    starts_on = peewee.DateField()
    ends_on = peewee.DateField()

    class Meta:
        table_name = "gradebook_period"
        indexes = ((("year", "number"), True),)


class Holiday(BaseModel):
    """Holidays («каникулы») or a day off inside a year: no lessons are generated on these days."""

    year = peewee.ForeignKeyField(AcademicYear, backref="holidays", on_delete="CASCADE")
    name = peewee.CharField(max_length=200)
    starts_on = peewee.DateField()
    ends_on = peewee.DateField()

    class Meta:
        table_name = "gradebook_holiday"


class Subject(BaseModel):
    """A subject taught at a school («предмет»)."""

    school_id = peewee.IntegerField(index=True)
    name = peewee.CharField(max_length=200)
    short_name = peewee.CharField(max_length=50, default="")

    class Meta:
        table_name = "gradebook_subject"
        indexes = ((("school_id", "name"), True),)


class StudyGroup(BaseModel):
    """A group inside a class, e.g. an English subgroup («подгруппа»)."""

    class_id = peewee.IntegerField(index=True)
    name = peewee.CharField(max_length=200)

    class Meta:
        table_name = "gradebook_group"


class GroupMember(BaseModel):
    """A student in a group."""

    group = peewee.ForeignKeyField(StudyGroup, backref="members", on_delete="CASCADE")
    student_id = peewee.IntegerField(index=True)

    class Meta:
        table_name = "gradebook_group_member"
        indexes = ((("group", "student_id"), True),)


class TeachingAssignment(BaseModel):
    """A teacher teaches a subject to a class or to one group of it in a year («нагрузка»).

    ``scale`` is how the subject is assessed in that class: ``five`` (2–5),
    ``pass`` («зачёт/незачёт») or ``none`` (безотметочное обучение, e.g. grade 1).
    """

    school_id = peewee.IntegerField(index=True)
    year = peewee.ForeignKeyField(AcademicYear, backref="assignments", on_delete="RESTRICT")
    class_id = peewee.IntegerField(index=True)
    group = peewee.ForeignKeyField(StudyGroup, null=True, backref="assignments", on_delete="RESTRICT")
    subject = peewee.ForeignKeyField(Subject, backref="assignments", on_delete="RESTRICT")
    teacher_id = peewee.IntegerField(index=True)
    scale = peewee.CharField(max_length=10, default="five")

    class Meta:
        table_name = "gradebook_assignment"


class TimetableSlot(BaseModel):
    """A weekly timetable entry of an assignment: weekday (1 = Monday), lesson number, time and room."""

    assignment = peewee.ForeignKeyField(TeachingAssignment, backref="slots", on_delete="CASCADE")
    weekday = peewee.IntegerField()
    number = peewee.IntegerField()
    starts_at = peewee.TimeField()
    ends_at = peewee.TimeField()
    room = peewee.CharField(max_length=50, default="")

    class Meta:
        table_name = "gradebook_timetable_slot"


class WorkType(BaseModel):
    """A kind of work a mark is given for («вид работы»), with its weight; per school.

    ``is_written`` marks written work (контрольная, самостоятельная…), whose
    marks the local act allows more days to enter.
    """

    school_id = peewee.IntegerField(index=True)
    name = peewee.CharField(max_length=100)
    short_name = peewee.CharField(max_length=20, default="")
    weight = peewee.DecimalField(max_digits=4, decimal_places=2, default=1)
    is_written = peewee.BooleanField(default=False)
    is_default = peewee.BooleanField(default=False)

    class Meta:
        table_name = "gradebook_work_type"
        indexes = ((("school_id", "name"), True),)


class AttendanceCode(BaseModel):
    """An attendance code of a school (Н — absent, Б — ill, УП — excused, ОП — late …)."""

    school_id = peewee.IntegerField(index=True)
    code = peewee.CharField(max_length=10)
    name = peewee.CharField(max_length=100)
    is_absence = peewee.BooleanField(default=True)
    is_excused = peewee.BooleanField(default=False)

    class Meta:
        table_name = "gradebook_attendance_code"
        indexes = ((("school_id", "code"), True),)


class Lesson(BaseModel):
    """One lesson of an assignment on a date: number, time, room, topic and homework.

    Topic and homework keep their own first entry times and, computed from the
    local act at that moment, whether they came late.
    """

    assignment = peewee.ForeignKeyField(TeachingAssignment, backref="lessons", on_delete="CASCADE")
    date = peewee.DateField()
    number = peewee.IntegerField(default=1)
    starts_at = peewee.TimeField(null=True)
    ends_at = peewee.TimeField(null=True)
    room = peewee.CharField(max_length=50, default="")
    work_type = peewee.ForeignKeyField(WorkType, null=True, on_delete="SET NULL")
    topic = peewee.TextField(default="")
    topic_entered_at = peewee.DateTimeField(null=True)
    topic_late = peewee.BooleanField(default=False)
    homework = peewee.TextField(default="")
    homework_entered_at = peewee.DateTimeField(null=True)
    homework_late = peewee.BooleanField(default=False)
    homework_file = peewee.CharField(max_length=300, default="")
    homework_file_name = peewee.CharField(max_length=200, default="")
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "gradebook_lesson"
        indexes = ((("assignment", "date", "number"), False), (("date",), False))


class Mark(BaseModel):
    """A current mark («текущая отметка») of a student for a lesson.

    ``entered_at`` is when it was first entered — kept apart from the lesson
    date, because deadlines and notifications key on it. ``lesson_date``,
    ``subject_id`` and ``assignment_id`` are copies from the lesson so a
    student's progress is one indexed query. ``weight`` is copied from the work
    type at entry, so a later change of the school's weights does not rewrite
    old averages silently.
    """

    lesson = peewee.ForeignKeyField(Lesson, backref="marks", on_delete="CASCADE")
    student_id = peewee.IntegerField()
    assignment_id = peewee.IntegerField(index=True)
    subject_id = peewee.IntegerField()
    lesson_date = peewee.DateField()
    value = peewee.CharField(max_length=10)
    work_type = peewee.ForeignKeyField(WorkType, on_delete="RESTRICT")
    weight = peewee.DecimalField(max_digits=4, decimal_places=2, default=1)
    comment = peewee.CharField(max_length=500, default="")
    entered_at = peewee.DateTimeField(default=utcnow, index=True)
    entered_by = peewee.IntegerField(null=True)
    updated_at = peewee.DateTimeField(default=utcnow)
    updated_by = peewee.IntegerField(null=True)
    is_late = peewee.BooleanField(default=False)

    class Meta:
        table_name = "gradebook_mark"
        indexes = (
            (("lesson", "student_id", "work_type"), True),
            (("student_id", "lesson_date", "assignment_id"), False),  # a student's assignments from the index
        )


class Attendance(BaseModel):
    """Attendance of a student at a lesson, by the school's code; no row means present."""

    lesson = peewee.ForeignKeyField(Lesson, backref="attendance", on_delete="CASCADE")
    student_id = peewee.IntegerField()
    assignment_id = peewee.IntegerField(index=True)
    lesson_date = peewee.DateField()
    code = peewee.CharField(max_length=10)
    entered_at = peewee.DateTimeField(default=utcnow)
    entered_by = peewee.IntegerField(null=True)
    updated_at = peewee.DateTimeField(default=utcnow)
    is_late = peewee.BooleanField(default=False)

    class Meta:
        table_name = "gradebook_attendance"
        indexes = ((("lesson", "student_id"), True), (("student_id", "lesson_date"), False))


class PeriodGrade(BaseModel):
    """An interim attestation grade («отметка за четверть / год») set by the teacher.

    ``period`` is None for the year grade. ``average`` and ``suggested`` record
    what the teacher saw (the weighted average and the local act's rule) when
    the grade was set.
    """

    student_id = peewee.IntegerField()
    assignment_id = peewee.IntegerField(index=True)
    subject_id = peewee.IntegerField()
    year = peewee.ForeignKeyField(AcademicYear, on_delete="RESTRICT")
    period = peewee.ForeignKeyField(Period, null=True, on_delete="RESTRICT")
    value = peewee.CharField(max_length=10)
    average = peewee.DecimalField(max_digits=4, decimal_places=2, null=True)
    suggested = peewee.CharField(max_length=10, default="")
    set_at = peewee.DateTimeField(default=utcnow)
    set_by = peewee.IntegerField(null=True)

    class Meta:
        table_name = "gradebook_period_grade"
        indexes = ((("student_id", "year"), False),)


class JournalChange(BaseModel):
    """One change in the journal: what (kind, object, field), old → new, who and when.

    Nothing is ever updated or deleted here; ``object_id`` is a plain integer so
    the history outlives a deleted mark.
    """

    kind = peewee.CharField(max_length=20)
    object_id = peewee.IntegerField()
    lesson_id = peewee.IntegerField(null=True, index=True)
    student_id = peewee.IntegerField(null=True)
    assignment_id = peewee.IntegerField(null=True)
    field = peewee.CharField(max_length=40)
    old_value = peewee.TextField(default="")
    new_value = peewee.TextField(default="")
    changed_by = peewee.IntegerField(null=True)
    changed_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "gradebook_journal_change"
        indexes = ((("student_id", "changed_at"), False), (("kind", "object_id"), False))


GRADEBOOK_MODELS = [
    LocalAct, AcademicYear, Period, Holiday, Subject, StudyGroup, GroupMember, TeachingAssignment,
    TimetableSlot, WorkType, AttendanceCode, Lesson, Mark, Attendance, PeriodGrade, JournalChange,
]
