"""Schemas of the registries plugin: its config section, and the rows of people and links.

The same schemas check a web form and a row of an imported file, so a field is
refused for the same reason, in the same Russian words, wherever it came from.
Values arrive as strings (forms, CSV) or as typed cells (XLSX); blanks are
treated as missing.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load

from core.api import RecordId, Text, region_today, unquote_cell
from core.api import lazy_gettext as _l
from plugins.registries import snils as snils_rules

REQUIRED = {"required": _l("Обязательное поле."), "null": _l("Обязательное поле.")}
CLASS_RE = re.compile(  # i18n: data — how class names are spelled
    r"^(\d{1,2})\s*-?\s*([А-ЯЁA-Z]{0,2})$")

# Russian words accepted for choice fields, as a school admin would type them (i18n: data).
GENDER_WORDS = {"м": "m", "муж": "m", "мужской": "m", "m": "m", "ж": "f", "жен": "f", "женский": "f", "f": "f"}
# i18n: data
STATUS_WORDS = {
    "обучается": "enrolled", "enrolled": "enrolled",
    "переведён": "transferred", "переведен": "transferred", "transferred": "transferred",
    "выбыл": "left", "left": "left",
    "выпущен": "graduated", "выпускник": "graduated", "graduated": "graduated",
}
# i18n: data
RELATION_WORDS = {
    "мать": "mother", "mother": "mother", "отец": "father", "father": "father",
    "опекун": "guardian", "попечитель": "guardian", "guardian": "guardian",
    "иной законный представитель": "representative", "законный представитель": "representative",
    "представитель": "representative", "representative": "representative",
}
# i18n: data
CHANNEL_WORDS = {"бумага": "paper", "на бумаге": "paper", "paper": "paper",
                 "электронно": "electronic", "электронный": "electronic", "electronic": "electronic"}

GENDER_LABELS = {"m": _l("мужской"), "f": _l("женский")}
STATUS_LABELS = {"enrolled": _l("обучается"), "transferred": _l("переведён"), "left": _l("выбыл"),
                 "graduated": _l("выпущен")}
RELATION_LABELS = {"mother": _l("мать"), "father": _l("отец"), "guardian": _l("опекун, попечитель"),
                   "representative": _l("иной законный представитель")}
CHANNEL_LABELS = {"paper": _l("на бумаге"), "electronic": _l("электронно")}


class Settings(Schema):
    """The [registries] section of a region config."""

    class Meta:
        unknown = RAISE

    # Rows of an import file accepted at once (a larger file is refused before parsing).
    import_max_rows = fields.Integer(load_default=100_000)
    # Page size of the student and parent lists.
    page_size = fields.Integer(load_default=50)


class RuDate(fields.Field):
    """A date as ``ДД.ММ.ГГГГ`` or ``ГГГГ-ММ-ДД`` text, or an XLSX date cell."""

    default_error_messages = {**REQUIRED, "invalid": _l("Дата должна быть в виде ДД.ММ.ГГГГ, например 01.09.2015.")}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        text = str(value).strip()
        if len(text) == 10 and text[2] == text[5] == "." and text[:2].isdigit() and text[3:5].isdigit() \
                and text[6:].isdigit():  # ДД.ММ.ГГГГ without strptime: imports read 100,000 of these
            try:
                return dt.date(int(text[6:]), int(text[3:5]), int(text[:2]))
            except ValueError:
                raise self.make_error("invalid") from None
        for pattern in ("%d.%m.%Y", "%Y-%m-%d"):
            try:
                return dt.datetime.strptime(text, pattern).date()
            except ValueError:
                continue
        raise self.make_error("invalid")

    def _serialize(self, value, attr, obj, **kwargs):
        return value.strftime("%d.%m.%Y") if value else ""


class PastDate(RuDate):
    """A birth date: not in the future and not more than 120 years ago."""

    default_error_messages = {**RuDate.default_error_messages,
                              "range": _l("Дата рождения не может быть в будущем или раньше 1900 года.")}

    def _deserialize(self, value, attr, data, **kwargs):
        date = super()._deserialize(value, attr, data, **kwargs)
        if date > region_today() or date.year < 1900:
            raise self.make_error("range")
        return date


class Snils(fields.Field):
    """A SNILS in any usual spelling, checked (checksum, exemption) and kept as 11 digits."""

    default_error_messages = REQUIRED

    def _deserialize(self, value, attr, data, **kwargs):
        text = str(int(value)).zfill(11) if isinstance(value, (int, float)) else str(value)
        try:
            return snils_rules.validate(text)
        except snils_rules.SnilsError as exc:
            raise ValidationError(str(exc)) from None


class Choice(fields.Field):
    """One of a few stored values, accepting the Russian words a person types."""

    def __init__(self, words: dict[str, str], message, **kwargs):
        super().__init__(error_messages={**REQUIRED, "invalid": message}, **kwargs)
        self.words = words

    def _deserialize(self, value, attr, data, **kwargs):
        key = str(value).strip().lower()
        if key not in self.words:
            raise self.make_error("invalid")
        return self.words[key]


class Name(fields.String):
    """A part of a person's name: letters, spaces, hyphens and apostrophes, up to 100 characters."""

    default_error_messages = {**REQUIRED, "invalid": _l("Только буквы, пробел, дефис и апостроф, до 100 знаков.")}
    PATTERN = re.compile(  # i18n: data — the letters of names
        r"^[A-Za-zА-ЯЁа-яё][A-Za-zА-ЯЁа-яё '’.\-]{0,99}$")

    def _deserialize(self, value, attr, data, **kwargs):
        text = " ".join(str(value).split())
        if not self.PATTERN.match(text):
            raise self.make_error("invalid")
        return text


class SchoolClassName(fields.String):
    """A class name such as «5А» or «11 Б», kept as (grade, letter)."""

    default_error_messages = {**REQUIRED, "invalid": _l("Класс пишется как номер и буква, например 5А.")}

    def _deserialize(self, value, attr, data, **kwargs):
        text = str(int(value) if isinstance(value, float) else value).strip().upper()
        match = CLASS_RE.match(text)
        if not match or not 1 <= int(match.group(1)) <= 12:
            raise self.make_error("invalid")
        return int(match.group(1)), match.group(2)


class Email(Text):
    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if text and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", text):
            raise ValidationError(str(_l("Адрес электронной почты указан неверно.")))
        return text


class RowSchema(Schema):
    """Base of the person and link schemas: strips text, treats blanks as missing."""

    class Meta:
        unknown = RAISE

    @pre_load
    def drop_blanks(self, data: dict[str, Any], **kwargs) -> dict[str, Any]:
        cleaned = {}
        for key, value in data.items():
            if isinstance(value, str):
                value = unquote_cell(value).strip()
            if value is None or value == "":
                continue
            cleaned[key] = value
        return cleaned


class StudentSchema(RowSchema):
    last_name = Name(required=True)
    first_name = Name(required=True)
    middle_name = Name(load_default="")
    birth_date = PastDate(required=True)
    gender = Choice(GENDER_WORDS, _l("Пол: «М» или «Ж»."), required=True)
    snils = Snils(load_default=None)
    school_class = SchoolClassName(load_default=None)
    status = Choice(STATUS_WORDS, _l("Статус: обучается, переведён, выбыл или выпущен."), load_default="enrolled")


class ParentSchema(RowSchema):
    last_name = Name(required=True)
    first_name = Name(required=True)
    middle_name = Name(load_default="")
    snils = Snils(required=True)
    birth_date = PastDate(load_default=None)
    phone = Text(50, load_default="")
    email = Email(200, load_default="")


class LinkSchema(RowSchema):
    """A parent ↔ child link in a file: the parent by SNILS, the child by SNILS or by name and birth date."""

    parent_snils = Snils(required=True)
    student_last_name = Name(required=True)
    student_first_name = Name(required=True)
    student_middle_name = Name(load_default="")
    student_birth_date = PastDate(required=True)
    student_snils = Snils(load_default=None)
    relation = Choice(RELATION_WORDS, _l("Кем приходится: мать, отец, опекун или иной законный представитель."),
                      required=True)


class ParentLinkForm(RowSchema):
    """The link form on a child's card: an existing parent by the full SNILS, and the relation."""

    parent_snils = Snils(required=True)
    relation = Choice(RELATION_WORDS, _l("Выберите, кем приходится ребёнку."), required=True)


class ConsentSchema(RowSchema):
    purpose = Text(300, required=True)
    text_version = Text(50, required=True)
    given_on = RuDate(required=True)
    channel = Choice(CHANNEL_WORDS, _l("Способ: на бумаге или электронно."), required=True)
    scan_reference = Text(300, load_default="")
    giver = Text(40, required=True)


class StatusChangeSchema(RowSchema):
    status = Choice(STATUS_WORDS, _l("Статус: обучается, переведён, выбыл или выпущен."), required=True)
    date = RuDate(required=True)
    note = Text(500, load_default="")


def errors_in_russian(messages: dict[str, Any]) -> dict[str, str]:
    """Flatten marshmallow's messages to ``{field: "reason"}`` (the first reason of each field)."""
    out = {}
    for key, value in messages.items():
        while isinstance(value, (list, tuple)) and value:
            value = value[0]
        if isinstance(value, dict):
            value = next(iter(value.values()), "")
        out[key] = str(value)
    return out



# --- organisations and staff (the region operator's, municipality's and school admin's forms) ---------


class Code(fields.String):
    """A registry code of a municipality or school: digits, Latin letters, hyphen or underscore, up to 20."""

    default_error_messages = {**REQUIRED, "invalid": _l("Код: цифры, латинские буквы, дефис или подчёркивание, "
                                                        "до 20 знаков.")}
    PATTERN = re.compile(r"^[0-9A-Za-z_-]{1,20}$")

    def _deserialize(self, value, attr, data, **kwargs):
        text = str(value).strip()
        if not self.PATTERN.match(text):
            raise self.make_error("invalid")
        return text


class Website(Text):
    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if text and not re.match(r"^https?://[^\s/]+\.[^\s]+$", text):
            raise ValidationError(str(_l("Адрес сайта пишется полностью, например https://school1.example.ru.")))
        return text


class Id(RecordId):
    default_error_messages = {**REQUIRED, "invalid": _l("Выберите значение из списка.")}


class MunicipalitySchema(RowSchema):
    code = Code(required=True)
    name = Text(300, required=True)


class SchoolSchema(RowSchema):
    code = Code(required=True)
    name = Text(500, required=True)
    short_name = Text(200, load_default="")
    address = Text(500, load_default="")
    phone = Text(50, load_default="")
    email = Email(200, load_default="")
    website = Website(300, load_default="")
    service_contact = Text(300, load_default="")
    municipality = Id(required=True)


class StaffSchema(RowSchema):
    last_name = Name(required=True)
    first_name = Name(required=True)
    middle_name = Name(load_default="")
    position = Text(200, load_default="")
    role = Choice({r: r for r in ("teacher", "deputy", "school_admin", "municipality")},
                  _l("Выберите роль из списка."), load_default=None)


class ClassSchema(RowSchema):
    name = SchoolClassName(required=True)
    class_teacher = Id(load_default=None)
