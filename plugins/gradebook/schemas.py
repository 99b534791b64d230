"""Schemas of the gradebook plugin: its config section, its resources (pages and the JSON API), its forms.

Resource schemas dump the dataclasses of ``queries.py``; the JSON API builds
its OpenAPI document from the same classes. Form schemas validate the school
admin's forms and give Russian messages per field.
"""

from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from core.api import DecimalText, RecordId
from core.api import lazy_gettext as _l
from plugins.gradebook.models import PERIOD_KINDS, SCALES


class Settings(Schema):
    """The [gradebook] section of a region config: the defaults of a new school's local act."""

    class Meta:
        unknown = RAISE

    period_kind = fields.String(load_default="quarter", validate=validate.OneOf(PERIOD_KINDS))
    min_marks = fields.Integer(load_default=3, validate=validate.Range(min=0, max=20))
    mark_days = fields.Integer(load_default=3, validate=validate.Range(min=0, max=60))
    written_mark_days = fields.Integer(load_default=7, validate=validate.Range(min=0, max=60))
    homework_days_ahead = fields.Integer(load_default=7, validate=validate.Range(min=1, max=31))
    attachment_max_mb = fields.Integer(load_default=10, validate=validate.Range(min=1, max=20))


# --- resources ------------------------------------------------------------------


class StudentBriefSchema(Schema):
    """A child as listed to a family: id, name and class."""

    id = fields.Integer(dump_only=True)
    full_name = fields.String(dump_only=True)
    class_name = fields.String(dump_only=True)
    school_id = fields.Integer(dump_only=True)


class PeriodSchema(Schema):
    id = fields.Integer(dump_only=True)
    number = fields.Integer(dump_only=True)
    name = fields.String(dump_only=True)
    starts_on = fields.Date(dump_only=True)
    ends_on = fields.Date(dump_only=True)


class AcademicYearSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(dump_only=True)
    school_id = fields.Integer(dump_only=True)
    school_name = fields.String(dump_only=True, metadata={
        "description": "the school the year belongs to: a transferred student's earlier years are its school's"})
    start_year = fields.Integer(dump_only=True)
    starts_on = fields.Date(dump_only=True)
    ends_on = fields.Date(dump_only=True)
    period_kind = fields.String(dump_only=True)
    is_closed = fields.Boolean(dump_only=True)


class YearWithPeriodsSchema(AcademicYearSchema):
    periods = fields.List(fields.Nested(PeriodSchema), dump_only=True)


class MarkSchema(Schema):
    """A current mark: value, lesson date, work type and weight, and when it was entered."""

    id = fields.Integer(dump_only=True)
    lesson_id = fields.Integer(dump_only=True)
    date = fields.Date(dump_only=True)
    value = fields.String(dump_only=True)
    work_type = fields.String(dump_only=True)
    weight = fields.Decimal(as_string=True, dump_only=True)
    comment = fields.String(dump_only=True)
    entered_at = fields.DateTime(dump_only=True)
    is_late = fields.Boolean(dump_only=True)


class SubjectProgressSchema(Schema):
    subject_id = fields.Integer(dump_only=True)
    subject = fields.String(dump_only=True)
    teacher = fields.String(dump_only=True)
    scale = fields.String(dump_only=True)
    marks = fields.List(fields.Nested(MarkSchema), dump_only=True)
    average = fields.Decimal(as_string=True, allow_none=True, dump_only=True)
    suggested = fields.String(dump_only=True)
    period_grade = fields.String(dump_only=True)
    absences = fields.Integer(dump_only=True)


class HomeworkSchema(Schema):
    lesson_id = fields.Integer(dump_only=True)
    subject = fields.String(dump_only=True)
    given_on = fields.Date(dump_only=True)
    due_on = fields.Date(allow_none=True, dump_only=True)
    text = fields.String(dump_only=True)
    has_file = fields.Boolean(dump_only=True)


class ProgressSchema(Schema):
    """A student's progress in one period."""

    student_id = fields.Integer(dump_only=True)
    year = fields.Nested(AcademicYearSchema, dump_only=True)
    period = fields.Nested(PeriodSchema, dump_only=True)
    subjects = fields.List(fields.Nested(SubjectProgressSchema), dump_only=True)
    attendance = fields.Dict(keys=fields.String(), values=fields.Integer(), dump_only=True)
    homework = fields.List(fields.Nested(HomeworkSchema), dump_only=True)


class DiaryLessonSchema(Schema):
    lesson_id = fields.Integer(dump_only=True)
    number = fields.Integer(dump_only=True)
    starts_at = fields.Time(allow_none=True, dump_only=True)
    ends_at = fields.Time(allow_none=True, dump_only=True)
    room = fields.String(dump_only=True)
    subject = fields.String(dump_only=True)
    topic = fields.String(dump_only=True)
    homework = fields.String(dump_only=True)
    has_file = fields.Boolean(dump_only=True)
    marks = fields.List(fields.Nested(MarkSchema), dump_only=True)
    attendance = fields.String(dump_only=True)


class DiaryDaySchema(Schema):
    date = fields.Date(dump_only=True)
    lessons = fields.List(fields.Nested(DiaryLessonSchema), dump_only=True)
    holiday = fields.String(dump_only=True, metadata={"description": "holidays or day off on this date, or empty"})


class MarkChangeSchema(Schema):
    """A mark or grade entered, changed or removed (``new_value`` empty) — for notifications."""

    id = fields.Integer(dump_only=True)
    kind = fields.String(dump_only=True)
    object_id = fields.Integer(dump_only=True)
    student_id = fields.Integer(dump_only=True)
    lesson_id = fields.Integer(allow_none=True, dump_only=True)
    subject = fields.String(dump_only=True)
    lesson_date = fields.Date(allow_none=True, dump_only=True)
    field = fields.String(dump_only=True)
    old_value = fields.String(dump_only=True)
    new_value = fields.String(dump_only=True)
    changed_at = fields.DateTime(dump_only=True)


class ReportCardRowSchema(Schema):
    subject = fields.String(dump_only=True)
    grades = fields.Dict(keys=fields.String(), values=fields.String(), dump_only=True)
    year_grade = fields.String(dump_only=True)


# --- forms of the school admin ----------------------------------------------------

REQUIRED = {"required": _l("Заполните это поле."), "null": _l("Заполните это поле.")}
BAD_DATE = {"invalid": _l("Введите дату в виде ГГГГ-ММ-ДД."), **REQUIRED}
BAD_NUMBER = {"invalid": _l("Введите число."), **REQUIRED}


class FormSchema(Schema):
    class Meta:
        unknown = RAISE


class YearForm(FormSchema):
    start_year = fields.Integer(required=True, error_messages=BAD_NUMBER,
                                validate=validate.Range(min=2000, max=2100, error=_l("Год от 2000 до 2100.")))
    starts_on = fields.Date(required=True, error_messages=BAD_DATE)
    ends_on = fields.Date(required=True, error_messages=BAD_DATE)
    period_kind = fields.String(required=True, error_messages=REQUIRED,
                                validate=validate.OneOf(PERIOD_KINDS, error=_l("Выберите вид периодов.")))

    @validates_schema
    def dates_in_order(self, data, **kwargs):
        if data["ends_on"] <= data["starts_on"]:
            raise ValidationError(_l("Конец года должен быть позже начала."), "ends_on")


class DateRangeForm(FormSchema):
    name = fields.String(required=True, error_messages=REQUIRED,
                         validate=validate.Length(min=1, max=200, error=_l("Заполните это поле.")))
    starts_on = fields.Date(required=True, error_messages=BAD_DATE)
    ends_on = fields.Date(required=True, error_messages=BAD_DATE)

    @validates_schema
    def dates_in_order(self, data, **kwargs):
        if data["ends_on"] < data["starts_on"]:
            raise ValidationError(_l("Дата окончания раньше даты начала."), "ends_on")


class SubjectForm(FormSchema):
    name = fields.String(required=True, error_messages=REQUIRED,
                         validate=validate.Length(min=1, max=200, error=_l("Заполните это поле.")))
    short_name = fields.String(load_default="", validate=validate.Length(max=50))


class WorkTypeForm(FormSchema):
    name = fields.String(required=True, error_messages=REQUIRED,
                         validate=validate.Length(min=1, max=100, error=_l("Заполните это поле.")))
    short_name = fields.String(load_default="", validate=validate.Length(max=20))
    weight = DecimalText(required=True, error_messages=BAD_NUMBER,
                            validate=validate.Range(min=0.1, max=10, error=_l("Вес от 0,1 до 10.")))
    is_written = fields.Boolean(load_default=False)


class AttendanceCodeForm(FormSchema):
    code = fields.String(required=True, error_messages=REQUIRED,
                         validate=validate.Length(min=1, max=10, error=_l("Код от 1 до 10 знаков.")))
    name = fields.String(required=True, error_messages=REQUIRED,
                         validate=validate.Length(min=1, max=100, error=_l("Заполните это поле.")))
    is_absence = fields.Boolean(load_default=False)
    is_excused = fields.Boolean(load_default=False)


class GroupForm(FormSchema):
    class_id = RecordId(required=True, error_messages=BAD_NUMBER)
    name = fields.String(required=True, error_messages=REQUIRED,
                         validate=validate.Length(min=1, max=200, error=_l("Заполните это поле.")))
    student_ids = fields.List(RecordId(), load_default=list)


class AssignmentForm(FormSchema):
    year_id = RecordId(required=True, error_messages=BAD_NUMBER)
    class_id = RecordId(required=True, error_messages=BAD_NUMBER)
    group_id = RecordId(load_default=None, allow_none=True)
    subject_id = RecordId(required=True, error_messages=BAD_NUMBER)
    teacher_id = RecordId(required=True, error_messages=BAD_NUMBER)
    scale = fields.String(required=True, error_messages=REQUIRED,
                          validate=validate.OneOf(SCALES, error=_l("Выберите шкалу.")))


class SlotForm(FormSchema):
    assignment_id = RecordId(required=True, error_messages=BAD_NUMBER)
    weekday = fields.Integer(required=True, error_messages=BAD_NUMBER,
                             validate=validate.Range(min=1, max=6, error=_l("День недели от 1 до 6.")))
    number = fields.Integer(required=True, error_messages=BAD_NUMBER,
                            validate=validate.Range(min=0, max=12, error=_l("Номер урока от 0 до 12.")))
    starts_at = fields.Time(required=True, error_messages={"invalid": _l("Время в виде ЧЧ:ММ."), **REQUIRED})
    ends_at = fields.Time(required=True, error_messages={"invalid": _l("Время в виде ЧЧ:ММ."), **REQUIRED})
    room = fields.String(load_default="", validate=validate.Length(max=50))


class LessonForm(FormSchema):
    """One lesson's place in the timetable: an extra lesson, or a lesson moved to another day or room."""

    date = fields.Date(required=True, error_messages=BAD_DATE)
    number = fields.Integer(required=True, error_messages=BAD_NUMBER,
                            validate=validate.Range(min=0, max=12, error=_l("Номер урока от 0 до 12.")))
    starts_at = fields.Time(load_default=None, allow_none=True, error_messages={"invalid": _l("Время в виде ЧЧ:ММ.")})
    ends_at = fields.Time(load_default=None, allow_none=True, error_messages={"invalid": _l("Время в виде ЧЧ:ММ.")})
    room = fields.String(load_default="", validate=validate.Length(max=50, error=_l("Не длиннее 50 знаков.")))

    @validates_schema
    def times_in_order(self, data, **kwargs):
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            raise ValidationError(_l("Конец урока должен быть позже начала."), "ends_at")


class LocalActForm(FormSchema):
    threshold_5 = DecimalText(required=True, error_messages=BAD_NUMBER,
                                 validate=validate.Range(min=2, max=5, error=_l("Порог от 2 до 5.")))
    threshold_4 = DecimalText(required=True, error_messages=BAD_NUMBER,
                                 validate=validate.Range(min=2, max=5, error=_l("Порог от 2 до 5.")))
    threshold_3 = DecimalText(required=True, error_messages=BAD_NUMBER,
                                 validate=validate.Range(min=2, max=5, error=_l("Порог от 2 до 5.")))
    min_marks = fields.Integer(required=True, error_messages=BAD_NUMBER,
                               validate=validate.Range(min=0, max=20, error=_l("От 0 до 20.")))
    attendance_days = fields.Integer(required=True, error_messages=BAD_NUMBER,
                                     validate=validate.Range(min=0, max=60, error=_l("От 0 до 60 дней.")))
    topic_days = fields.Integer(required=True, error_messages=BAD_NUMBER,
                                validate=validate.Range(min=0, max=60, error=_l("От 0 до 60 дней.")))
    homework_days = fields.Integer(required=True, error_messages=BAD_NUMBER,
                                   validate=validate.Range(min=0, max=60, error=_l("От 0 до 60 дней.")))
    mark_days = fields.Integer(required=True, error_messages=BAD_NUMBER,
                               validate=validate.Range(min=0, max=60, error=_l("От 0 до 60 дней.")))
    written_mark_days = fields.Integer(required=True, error_messages=BAD_NUMBER,
                                       validate=validate.Range(min=0, max=60, error=_l("От 0 до 60 дней.")))

    @validates_schema
    def thresholds_descend(self, data, **kwargs):
        if not data["threshold_5"] > data["threshold_4"] > data["threshold_3"]:
            raise ValidationError(_l("Пороги должны убывать: для «5» выше, чем для «4», для «4» выше, чем для «3»."),
                                  "threshold_4")
