"""A marshmallow schema's dump as a plain function, built from the schema once (the JSON API's hot path).

``Schema.dump`` sends every field of every object through four or five Python
calls (``serialize``, ``get_value``, the accessor, the type's ``_serialize``):
a progress answer with a few hundred marks spends more time there than in its
queries. ``compiled_dump(schema)`` reads the schema once and returns a function
that, per field, reads the attribute and applies one conversion.

The schema stays the only description of the payload (the OpenAPI document is
generated from it); nothing here states a field or a format of its own. Each
conversion is the one marshmallow applies, taken from the bound field:

- a field of a type in ``_CONVERSIONS`` (exactly that class, not a subclass):
  that type's formatting of a non-``None`` value (``None`` stays ``None``);
- ``Nested`` and ``List`` of such fields: compiled in turn;
- any other field whose value is an attribute (``Dict``, a custom subclass such
  as the API's ``UtcDateTime``): the attribute read here, then the field's own
  ``_serialize``;
- a field that reads no attribute or reads it its own way (``Method``,
  ``Function``, a ``dump_default``, a dotted ``attribute``, a ``get_value``
  override): the field's own ``serialize``.

Objects are read as marshmallow reads them: ``getattr`` on an object without
``__getitem__`` (dataclasses, models), marshmallow's ``utils.get_value``
otherwise (dicts); a missing attribute leaves the key out. A schema with
``pre_dump``/``post_dump`` hooks or its own ``get_attribute`` is refused.
``tests/gradebook/test_schema_dump.py`` compares the two dumps, types
included, for every schema the API answers with, on real answers.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable
from typing import Any

from marshmallow import Schema, fields, missing, utils
from marshmallow.decorators import POST_DUMP, PRE_DUMP

Dump = Callable[[Any], Any]

# What each row of a compiled schema does with its field.
CONVERT = "convert"  # read the attribute; None stays None, anything else goes through a plain conversion
FORMAT = "format"  # read the attribute; the field's own _serialize formats it (None included)
FIELD = "field"  # the field's own serialize reads and formats


def _text(value: Any) -> str:
    return value if type(value) is str else utils.ensure_text_type(value)


def _same(value: Any) -> Any:
    return value


def _unchanged(field: fields.Field) -> Callable[[Any], Any] | None:
    """A field that sends its value as it is (marshmallow 4's ``Boolean`` and ``Raw``)."""
    return _same if type(field)._serialize is fields.Field._serialize else None


def _decimal_conversion(field: fields.Decimal) -> Callable[[Any], Any] | None:
    if field.places is not None or field.allow_nan:
        return None
    if field.as_string:
        return lambda value: format(decimal.Decimal(str(value)), "f")
    return lambda value: decimal.Decimal(str(value))


def _temporal_conversion(field: fields.DateTime) -> Callable[[Any], Any] | None:
    return field.SERIALIZATION_FUNCS.get(field.format or field.DEFAULT_FORMAT)


# field class → its conversion of a non-None value (None: this field is left to marshmallow's formatting)
_CONVERSIONS: dict[type, Callable[[Any], Callable[[Any], Any] | None]] = {
    fields.String: lambda field: _text,
    fields.Integer: lambda field: None if field.as_string else int,
    fields.Decimal: _decimal_conversion,
    fields.Boolean: _unchanged,
    fields.Raw: _unchanged,
    fields.Date: _temporal_conversion,
    fields.DateTime: _temporal_conversion,
    fields.Time: _temporal_conversion,
}


def compiled_dump(schema: Schema) -> Dump:
    """``schema.dump`` as a plain function (the same result, types included), built once from ``schema``."""
    if not _compilable(schema):
        raise TypeError(f"{type(schema).__name__} has dump hooks or its own get_attribute; use its dump()")
    dump_one = _object_dump(schema)
    if schema.many:
        return lambda objs: None if objs is None else [dump_one(obj) for obj in objs]
    return dump_one


def _compilable(schema: Schema) -> bool:
    return (not schema._hooks[PRE_DUMP] and not schema._hooks[POST_DUMP]
            and type(schema).get_attribute is Schema.get_attribute)


def _object_dump(schema: Schema) -> Dump:
    rows = [_row(name, field, schema) for name, field in schema.dump_fields.items()]
    new_dict = schema.dict_class

    def dump(obj: Any) -> dict[str, Any]:
        read = utils.get_value if hasattr(obj, "__getitem__") else getattr
        out = new_dict()
        for key, how, attr, name, convert in rows:
            if how is FIELD:
                value = convert(obj)
            else:
                value = read(obj, attr, missing)
                if value is missing:
                    continue
                if how is FORMAT:
                    value = convert(value, name, obj)
                elif value is not None:
                    value = convert(value)
            if value is not missing:
                out[key] = value
        return out

    return dump


def _row(name: str, field: fields.Field, schema: Schema) -> tuple[str, str, str, str, Callable]:
    """(output key, what to do, attribute read, field name, conversion) for one field of ``schema``."""
    key = field.data_key if field.data_key is not None else name
    attr = field.attribute if field.attribute is not None else name
    reads_plainly = (field._CHECK_ATTRIBUTE and field.dump_default is missing and "." not in attr
                     and type(field).get_value is fields.Field.get_value
                     and type(field).serialize is fields.Field.serialize)
    if not reads_plainly:
        return key, FIELD, attr, name, lambda obj: field.serialize(name, obj, accessor=schema.get_attribute)
    convert = _conversion(field)
    if convert is None:
        return key, FORMAT, attr, name, field._serialize
    return key, CONVERT, attr, name, convert


def _conversion(field: fields.Field) -> Callable[[Any], Any] | None:
    """The plain conversion of a non-None value of ``field`` (one that maps None to None), if it has one."""
    if type(field) is fields.Nested:
        nested = field.schema
        if not _compilable(nested):
            return None
        dump_one = _object_dump(nested)
        if nested.many or field.many:
            return lambda objs: [dump_one(obj) for obj in objs]
        return dump_one
    if type(field) is fields.List:
        item = _conversion(field.inner)
        if item is None:
            return None
        return lambda items: [None if each is None else item(each) for each in items]
    conversion_of = _CONVERSIONS.get(type(field))
    return conversion_of(field) if conversion_of is not None else None
