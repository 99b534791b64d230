"""What a request may carry: numbers the database can hold, text without control characters.

Registered once in ``create_app``, so every route and every plugin gets it:

- the ``int`` URL converter matches only ids a database column can hold, so
  ``/students/99999999999999999999999`` is a 404 rather than a 500 from the driver;
- ``request.args.get(name, type=int)`` (and ``form``, ``values``, ``getlist``) answers 400
  for a number outside that range, where the driver would fail;
- control characters (other than tab and line breaks) are dropped from every query and
  form value before any view sees it: they cannot be typed, only pasted, and once stored
  they break spreadsheets and XML.

Schemas use the marshmallow fields ``RecordId`` and ``Text`` from ``core.api``.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any

from flask import Request
from marshmallow import ValidationError, fields, validate
from werkzeug.datastructures import CombinedMultiDict, ImmutableMultiDict, MultiDict, iter_multi_items
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

from core.formatting import parse_decimal
from core.i18n import lazy_gettext as _l

# PostgreSQL's ``integer`` (ids, foreign keys, counts); SQLite's limit is wider.
DB_INT_MAX = 2**31 - 1
DB_INT_MIN = -(2**31)
# C0 and C1 control characters, DEL, and the XML-forbidden noncharacters; tab, LF and CR stay.
CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
LINE_BREAKS_RE = re.compile("[\t\n\r\u2028\u2029]")


def without_controls(text: str) -> str:
    """``text`` with every control character except tab, LF and CR removed."""
    return CONTROL_RE.sub("", text)


class DatabaseIntConverter(IntegerConverter):
    """``<int:...>`` limited to what an ``integer`` column holds (larger: the route does not match → 404)."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):  # noqa: A002 — werkzeug's names
        top = DB_INT_MAX if max is None else min_(max, DB_INT_MAX)
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=top, signed=signed)


min_ = min


def database_int(value: Any) -> int:
    """``int(value)``, or 400 when the number does not fit a database ``integer`` (bad text → ValueError)."""
    number = int(value)
    if not DB_INT_MIN <= number <= DB_INT_MAX:
        raise BadRequest(description=str(_l("Слишком большое число в запросе.")))
    return number


def _bounded(type_: Any) -> Any:
    return database_int if type_ is int else type_


def _clean_items(mapping: Any) -> list[tuple[Any, Any]] | None:
    if mapping is None:
        return None
    return [(without_controls(k) if isinstance(k, str) else k, without_controls(v) if isinstance(v, str) else v)
            for k, v in iter_multi_items(mapping)]


class RequestValues(ImmutableMultiDict):
    """Query and form values: control characters dropped, ``type=int`` bounded to the database's range."""

    def __init__(self, mapping: Any = None):
        super().__init__(_clean_items(mapping))

    def get(self, key, default=None, type=None):  # noqa: A002 — werkzeug's signature
        return super().get(key, default, _bounded(type))

    def getlist(self, key, type=None):  # noqa: A002
        return super().getlist(key, _bounded(type))


class CombinedRequestValues(CombinedMultiDict):
    def get(self, key, default=None, type=None):  # noqa: A002
        return super().get(key, default, _bounded(type))

    def getlist(self, key, type=None):  # noqa: A002
        return super().getlist(key, _bounded(type))


class EschoolRequest(Request):
    parameter_storage_class = RequestValues

    @cached_property
    def values(self) -> CombinedMultiDict:
        sources = [self.args] + ([self.form] if self.method != "GET" else [])
        return CombinedRequestValues([d if isinstance(d, MultiDict) else MultiDict(d) for d in sources])


# --- marshmallow fields ----------------------------------------------------


class RecordId(fields.Integer):
    """The id of a stored record: a whole number from 1 to what the database's ``integer`` holds."""

    default_error_messages = {"required": _l("Обязательное поле."), "null": _l("Обязательное поле.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("strict", False)
        messages = {"invalid": _l("Выберите значение из списка."), **kwargs.pop("error_messages", {})}
        extra = validate.Range(min=1, max=DB_INT_MAX, error=_l("Выберите значение из списка."))
        validators = kwargs.pop("validate", None)
        validators = [extra] + ([validators] if callable(validators) else list(validators or []))
        super().__init__(error_messages=messages, validate=validators, **kwargs)


class Text(fields.String):
    """Free text people type: at most ``max_length`` characters, no control characters, trimmed.

    ``multiline`` text (a lesson topic, homework, a comment) may hold line breaks and tabs;
    single-line text (a name, a title) may not.
    """

    default_error_messages = {"required": _l("Обязательное поле."), "null": _l("Обязательное поле.")}

    def __init__(self, max_length: int, *, multiline: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.max_length, self.multiline = max_length, multiline

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)  # a spreadsheet cell holding a number (a phone)
        text = super()._deserialize(value, attr, data, **kwargs)
        return check_text(text, self.max_length, multiline=self.multiline)


class DecimalText(fields.Decimal):
    """A decimal a person types in a form: «1,5» as well as «1.5» (``core.formatting.parse_decimal``)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            try:
                value = str(parse_decimal(value))
            except ValueError as exc:
                raise self.make_error("invalid") from exc
        return super()._deserialize(value, attr, data, **kwargs)


def check_text(text: str, max_length: int, *, multiline: bool = False) -> str:
    """``text`` trimmed, or a ``ValidationError`` in Russian (too long, or control characters)."""
    text = text.replace("\r\n", "\n").strip()
    if CONTROL_RE.search(text) or (not multiline and LINE_BREAKS_RE.search(text)):
        raise ValidationError(str(_l("Уберите из текста служебные символы (перевод строки, табуляцию и подобные).")))
    if len(text) > max_length:
        raise ValidationError(str(_l("Не длиннее %(max)s знаков.", max=max_length)))
    return text
