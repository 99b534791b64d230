"""Schemas of the JSON API ``/api/v1``: what each operation returns and which query parameters it takes.

Resource schemas extend those of ``schemas.py`` (shared with the pages) only
where the API needs a stricter wire format: times are sent as UTC with an
explicit offset, so a mobile app never has to guess the zone. Query schemas
refuse unknown parameters and give Russian messages per field; the API turns
their ``ValidationError.messages`` into a 422 answer.
"""

from __future__ import annotations

import datetime as dt

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from core.api import lazy_gettext as _l
from plugins.gradebook.schemas import (
    AcademicYearSchema,
    DiaryDaySchema,
    DiaryLessonSchema,
    MarkChangeSchema,
    MarkSchema,
    PeriodSchema,
    ProgressSchema,
    ReportCardRowSchema,
    SubjectProgressSchema,
    YearWithPeriodsSchema,
)

MAX_CHANGES = 500


class UtcDateTime(fields.DateTime):
    """A datetime stored as naive UTC (``utcnow()``), sent as ISO 8601 with ``+00:00``.

    Loading accepts an offset (converted to UTC) or none (taken as UTC) and
    returns naive UTC, the form the database keeps.
    """

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return super()._serialize(value, attr, obj, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value


# --- errors -----------------------------------------------------------------------------


class ErrorSchema(Schema):
    """Every refusal: a machine-readable ``error``, a Russian ``message`` and, for 422, ``errors`` per field."""

    error = fields.String(required=True, dump_only=True)
    message = fields.String(required=True, dump_only=True)
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), dump_only=True)


# --- resources -----------------------------------------------------------------------------


class MeSchema(Schema):
    """Who is calling: the user, their role, how they authenticated, and their registry person."""

    id = fields.Integer(required=True, dump_only=True)
    display_name = fields.String(required=True, dump_only=True)
    role = fields.String(required=True, dump_only=True)
    auth = fields.String(required=True, dump_only=True, metadata={"enum": ["session", "token"]})
    person_id = fields.Integer(allow_none=True, dump_only=True)
    school_ids = fields.List(fields.Integer(), dump_only=True)


class ChildSchema(Schema):
    """A student the caller may read: a parent's linked child with consent, oneself, a taught student."""

    id = fields.Integer(required=True, dump_only=True)
    full_name = fields.String(required=True, dump_only=True)
    class_name = fields.String(required=True, dump_only=True)
    school_id = fields.Integer(required=True, dump_only=True)
    school = fields.String(required=True, dump_only=True)


class ChildrenSchema(Schema):
    students = fields.List(fields.Nested(ChildSchema), required=True, dump_only=True)


class StudentYearsSchema(Schema):
    """A student's school years with their periods, newest first (closed years are the archive)."""

    student_id = fields.Integer(required=True, dump_only=True)
    current_period_id = fields.Integer(allow_none=True, dump_only=True)
    years = fields.List(fields.Nested(YearWithPeriodsSchema), required=True, dump_only=True)


class ApiMarkSchema(MarkSchema):
    entered_at = UtcDateTime(dump_only=True)


class ApiSubjectProgressSchema(SubjectProgressSchema):
    marks = fields.List(fields.Nested(ApiMarkSchema), dump_only=True)


class ApiProgressSchema(ProgressSchema):
    subjects = fields.List(fields.Nested(ApiSubjectProgressSchema), dump_only=True)


class ApiDiaryLessonSchema(DiaryLessonSchema):
    marks = fields.List(fields.Nested(ApiMarkSchema), dump_only=True)


class ApiDiaryDaySchema(DiaryDaySchema):
    lessons = fields.List(fields.Nested(ApiDiaryLessonSchema), dump_only=True)


class DiaryWeekSchema(Schema):
    student_id = fields.Integer(required=True, dump_only=True)
    week = fields.Date(required=True, dump_only=True, metadata={"description": "Monday of the week"})
    days = fields.List(fields.Nested(ApiDiaryDaySchema), required=True, dump_only=True)


class ReportCardSchema(Schema):
    """The табель: period and year grades per subject; ``grades`` is keyed by period id."""

    student_id = fields.Integer(required=True, dump_only=True)
    year = fields.Nested(AcademicYearSchema, required=True, dump_only=True)
    periods = fields.List(fields.Nested(PeriodSchema), required=True, dump_only=True)
    rows = fields.List(fields.Nested(ReportCardRowSchema), required=True, dump_only=True)


class ApiMarkChangeSchema(MarkChangeSchema):
    changed_at = UtcDateTime(dump_only=True)


class MarkChangesSchema(Schema):
    """Changes after ``since``, oldest first. Poll again with ``since = next_since`` while ``has_more``."""

    changes = fields.List(fields.Nested(ApiMarkChangeSchema), required=True, dump_only=True)
    next_since = UtcDateTime(allow_none=True, dump_only=True)
    has_more = fields.Boolean(required=True, dump_only=True)


# --- query parameters --------------------------------------------------------------------

NOT_A_NUMBER = {"invalid": _l("Введите целое число.")}
POSITIVE = validate.Range(min=1, max=2**31 - 1, error=_l("Введите целое число больше нуля."))


class QuerySchema(Schema):
    class Meta:
        unknown = RAISE

    error_messages = {"unknown": _l("Неизвестный параметр."), "type": _l("Неверный запрос.")}


class ProgressQuery(QuerySchema):
    period = fields.Integer(strict=False, validate=POSITIVE, error_messages=NOT_A_NUMBER,
                            metadata={"description": "Period id (default: the current period)"})


class DiaryQuery(QuerySchema):
    week = fields.Date(error_messages={"invalid": _l("Введите дату в виде ГГГГ-ММ-ДД.")},
                       metadata={"description": "Any day of the week (default: this week)"})


class ReportCardQuery(QuerySchema):
    year = fields.Integer(strict=False, validate=POSITIVE, error_messages=NOT_A_NUMBER,
                          metadata={"description": "Academic year id (default: the current year)"})


class MarkChangesQuery(QuerySchema):
    since = UtcDateTime(required=True, error_messages={
        "required": _l("Укажите момент, с которого нужны изменения (since)."),
        "invalid": _l("Введите дату и время в формате ISO 8601, например 2025-09-01T08:00:00Z."),
    }, metadata={"description": "Changes entered strictly after this moment (ISO 8601; no offset means UTC)"})
    student = fields.Integer(strict=False, validate=POSITIVE, error_messages=NOT_A_NUMBER,
                             metadata={"description": "Only this student"})
    limit = fields.Integer(strict=False, load_default=MAX_CHANGES, error_messages=NOT_A_NUMBER,
                           validate=validate.Range(min=1, max=MAX_CHANGES,
                                                   error=_l("Число от 1 до 500.")))


def messages_of(error: ValidationError) -> dict[str, list[str]]:
    """Field → list of plain strings (lazy translations resolved), for a JSON 422 body."""
    raw = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
    return {str(key): [str(m) for m in (value if isinstance(value, list) else [value])] for key, value in raw.items()}


# --- the token page's form ----------------------------------------------------------------


class TokenForm(Schema):
    """A new bearer token: a name the user recognises it by and, optionally, days until it expires."""

    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=validate.Length(
        min=1, max=100, error=_l("Название от 1 до 100 знаков.")), error_messages={
        "required": _l("Заполните это поле."), "null": _l("Заполните это поле.")})
    days = fields.Integer(strict=False, load_default=None, allow_none=True, error_messages=NOT_A_NUMBER,
                          validate=validate.Range(min=1, max=365, error=_l("Срок от 1 до 365 дней.")))
