"""Schemas of the absence_notes plugin: its config section and its forms (with Russian messages per field)."""

from __future__ import annotations

import datetime as dt

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from core.api import RecordId
from core.api import lazy_gettext as _l
from plugins.absence_notes.models import REASONS

REQUIRED = {"required": _l("Заполните это поле."), "null": _l("Заполните это поле.")}
BAD_DATE = {"invalid": _l("Введите дату в виде ДД.ММ.ГГГГ."), **REQUIRED}
CODE = validate.Length(min=1, max=10)


class LocalDate(fields.Date):
    """A date as a browser's date input sends it (ГГГГ-ММ-ДД) or as a person types it (ДД.ММ.ГГГГ)."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = str(value).strip()
        try:
            return dt.datetime.strptime(text, "%d.%m.%Y").date()
        except ValueError:
            return super()._deserialize(text, attr, data, **kwargs)


class Settings(Schema):
    """The [absence_notes] section of a region config."""

    class Meta:
        unknown = RAISE

    max_days = fields.Integer(load_default=14, validate=validate.Range(min=1, max=90))
    max_days_back = fields.Integer(load_default=30, validate=validate.Range(min=0, max=365))
    max_days_ahead = fields.Integer(load_default=60, validate=validate.Range(min=0, max=365))
    attachment_max_mb = fields.Integer(load_default=5, validate=validate.Range(min=1, max=15))
    illness_code = fields.String(load_default="Б", validate=CODE)  # i18n: data — a journal code
    excused_code = fields.String(load_default="УП", validate=CODE)  # i18n: data — a journal code


class NoteForm(Schema):
    """The parent's form: which child, from–to, why, and a comment (the file is checked by the view)."""

    class Meta:
        unknown = RAISE

    student_id = RecordId(required=True, error_messages={
        "invalid": _l("Выберите ребёнка из списка."), "required": _l("Выберите ребёнка."),
        "null": _l("Выберите ребёнка.")})
    starts_on = LocalDate(required=True, error_messages=BAD_DATE)
    ends_on = LocalDate(required=True, error_messages=BAD_DATE)
    reason = fields.String(required=True, error_messages={**REQUIRED, "required": _l("Выберите причину.")},
                           validate=validate.OneOf(list(REASONS), error=_l("Выберите причину из списка.")))
    comment = fields.String(load_default="", validate=validate.Length(
        max=500, error=_l("Комментарий не длиннее {max} знаков.")))

    def __init__(self, *, today: dt.date, max_days: int, max_days_back: int, max_days_ahead: int, **kwargs):
        super().__init__(**kwargs)
        self.today, self.max_days = today, max_days
        self.max_days_back, self.max_days_ahead = max_days_back, max_days_ahead

    @validates_schema
    def dates_make_sense(self, data, **kwargs):
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts is None or ends is None:
            return
        if ends < starts:
            raise ValidationError(_l("Дата окончания не может быть раньше даты начала."), "ends_on")
        if (ends - starts).days + 1 > self.max_days:
            raise ValidationError(_l("Не больше %(n)s дней подряд в одном сообщении.", n=self.max_days), "ends_on")
        if starts < self.today - dt.timedelta(days=self.max_days_back):
            raise ValidationError(_l("Можно сообщить об отсутствии не более чем за %(n)s дней назад.",
                                     n=self.max_days_back), "starts_on")
        if starts > self.today + dt.timedelta(days=self.max_days_ahead):
            raise ValidationError(_l("Можно сообщить об отсутствии не более чем на %(n)s дней вперёд.",
                                     n=self.max_days_ahead), "starts_on")


class RejectForm(Schema):
    """The class teacher's reason for rejecting a notice."""

    class Meta:
        unknown = RAISE

    decision_note = fields.String(required=True, error_messages={
        **REQUIRED, "required": _l("Укажите причину отказа.")}, validate=[
        validate.Length(min=1, error=_l("Укажите причину отказа.")),
        validate.Length(max=500, error=_l("Не длиннее {max} знаков."))])
