"""The API's compiled dumps (schema_dump.py) give exactly what marshmallow's ``Schema.dump`` gives, types included."""

import datetime as dt
import decimal
from types import SimpleNamespace

import pytest
from marshmallow import Schema, fields, post_dump, pre_dump

from plugins.gradebook import api
from plugins.gradebook import api_schemas as s
from plugins.gradebook.openapi import OPERATIONS
from plugins.gradebook.queries import DiaryDay, DiaryLesson, Homework, MarkView, Progress, SubjectProgress
from plugins.gradebook.schema_dump import compiled_dump


def identical(a, b) -> bool:
    """Equal and of the same types all the way down (``1 == True == 1.0`` would hide a wrong conversion)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(identical(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(identical(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def test_identical_tells_types_apart():
    assert identical({"a": [1, "x", None]}, {"a": [1, "x", None]})
    assert not identical({"a": 1}, {"a": True}) and not identical([1], [1.0]) and not identical({"a": 1}, {"b": 1})
    assert not identical({"a": 1, "b": 2}, {"b": 2, "a": 1})


def assert_same_dump(schema: Schema, obj) -> None:
    fast, slow = compiled_dump(schema)(obj), schema.dump(obj)
    assert identical(fast, slow), (fast, slow)


# --- every API answer, on the answers the API really gives ----------------------------------------------


@pytest.fixture
def compared(monkeypatch):
    """Every answer the API dumps, dumped by marshmallow too: ``{schema: [(fast, slow), ...]}``."""
    seen: dict[type, list[tuple]] = {}
    real = api.dumper

    def dumper(schema):
        def dump(data):
            fast = real(schema)(data)
            seen.setdefault(schema, []).append((fast, schema().dump(data)))
            return fast
        return dump

    monkeypatch.setattr(api, "dumper", dumper)
    return seen


def test_every_api_answer_is_what_its_schema_dumps(app, world, client, bearer, as_, compared):
    parent = bearer(world.parent)
    week = world.today.isoformat()
    paths = ["/api/v1/me", "/api/v1/children", f"/api/v1/students/{world.a1.id}/periods",
             f"/api/v1/students/{world.a1.id}/progress", f"/api/v1/students/{world.a1.id}/progress?period="
             f"{world.period.id}", f"/api/v1/students/{world.a1.id}/diary?week={week}",
             f"/api/v1/students/{world.a1.id}/report-card", "/api/v1/marks/changes?since=2000-01-01T00:00:00Z",
             "/api/v1/marks/changes?since=2000-01-01T00:00:00Z&limit=1", "/api/v1/marks/changes?since=2100-01-01"]
    for path in paths:
        assert client.get(path, headers=parent).status_code == 200, path
    assert as_(world.teacher).get("/api/v1/me").status_code == 200

    answered = {response for _, response, _, _ in OPERATIONS.values()}
    assert set(compared) == answered
    for schema, pairs in compared.items():
        for fast, slow in pairs:
            assert identical(fast, slow), (schema.__name__, fast, slow)
    progress = compared[s.ApiProgressSchema][0][0]
    marks = [m for subject in progress["subjects"] for m in subject["marks"]]
    assert marks and all(m["entered_at"].endswith("+00:00") and isinstance(m["weight"], str) for m in marks)
    assert compared[s.MeSchema][1][0]["person_id"] == world.teacher.id
    assert compared[s.MarkChangesSchema][-1][0] == {"changes": [], "next_since": "2100-01-01T00:00:00+00:00",
                                                    "has_more": False}


def test_progress_and_diary_with_empty_values_dump_as_their_schemas_do(app, world):
    entered = dt.datetime(2025, 9, 2, 8, 30, 15, 250)
    mark = MarkView(7, 3, dt.date(2025, 9, 2), "5", "Контрольная работа", decimal.Decimal("2.00"), "",
                    entered, True, None)
    plain = MarkView(8, 4, dt.date(2025, 9, 3), "н/а", "", decimal.Decimal("1"), "комментарий",
                     entered.replace(tzinfo=dt.UTC), False)
    with app.app_context():
        progress = Progress(
            world.a1.id, world.year, world.period,
            [SubjectProgress(1, "Математика", "Смирнова М. И.", "five", [mark, plain], decimal.Decimal("4.666"), "5",
                             "", 2),
             SubjectProgress(2, "Физика", "", "pass", [], None)],
            {"Н": 3, "Б": 0}, [Homework(3, "Математика", dt.date(2025, 9, 2), None, "№ 12", False)])
        assert_same_dump(s.ApiProgressSchema(), progress)
        assert_same_dump(s.ApiProgressSchema(), Progress(world.a1.id, world.year, world.period, [], {}, []))
        days = [DiaryDay(dt.date(2025, 9, 1), [DiaryLesson(3, 1, dt.time(8, 30), None, "", "Математика", "", "", True,
                                                           [mark])]),
                DiaryDay(dt.date(2025, 9, 2), [], "Осенние каникулы")]
        assert_same_dump(s.DiaryWeekSchema(), {"student_id": world.a1.id, "week": dt.date(2025, 9, 1), "days": days})


# --- the compiler itself, on every kind of field -------------------------------------------------------


class Child(Schema):
    id = fields.Integer()
    name = fields.String()


class Audited(Schema):
    id = fields.Integer()

    @post_dump
    def mark(self, data, **kwargs):
        return {**data, "marked": True}


class Everything(Schema):
    text = fields.String()
    number = fields.Integer()
    number_text = fields.Integer(as_string=True)
    weight = fields.Decimal(as_string=True)
    rounded = fields.Decimal(places=1, as_string=True)
    exact = fields.Decimal()
    flag = fields.Boolean()
    anything = fields.Raw()
    day = fields.Date()
    moment = fields.DateTime()
    moment_rfc = fields.DateTime(format="rfc")
    moment_custom = fields.DateTime(format="%d.%m.%Y %H:%M")
    at = fields.Time()
    utc = s.UtcDateTime()
    renamed = fields.String(data_key="shown_as")
    elsewhere = fields.String(attribute="other")
    dotted = fields.String(attribute="inner.text")
    defaulted = fields.String(dump_default="нет")
    method = fields.Method("shout")
    function = fields.Function(lambda obj: "f")
    constant = fields.Constant(7)
    mapping = fields.Dict(keys=fields.String(), values=fields.Integer())
    tags = fields.List(fields.String())
    moments = fields.List(s.UtcDateTime())
    child = fields.Nested(Child)
    children = fields.List(fields.Nested(Child))
    many_children = fields.Nested(Child, many=True)
    only_id = fields.Nested(Child, only=("id",))
    audited = fields.Nested(Audited)
    pluck = fields.Pluck(Child, "id")
    secret = fields.String(load_only=True)

    def shout(self, obj):
        return "m"


class Name(str):
    pass


FULL = {
    "text": "Пётр", "number": 5, "number_text": 12, "weight": decimal.Decimal("1.50"), "rounded": 4.666,
    "exact": 2.5, "flag": True, "anything": {"a": [1]}, "day": dt.date(2025, 9, 1),
    "moment": dt.datetime(2025, 9, 1, 8, 0, 0, 17), "moment_rfc": dt.datetime(2025, 9, 1, 8, 0),
    "moment_custom": dt.datetime(2025, 9, 1, 8, 5), "at": dt.time(8, 30), "utc": dt.datetime(2025, 9, 1, 5, 0),
    "renamed": "r", "other": "o", "inner": {"text": "вложенный"}, "defaulted": "есть", "mapping": {"Н": 2},
    "tags": ["a", None, "b"], "moments": [dt.datetime(2025, 9, 1), None], "child": {"id": 1, "name": "A"},
    "children": [{"id": 2, "name": "B"}, None], "many_children": [{"id": 3, "name": "C"}],
    "only_id": {"id": 4, "name": "D"}, "audited": {"id": 5}, "pluck": {"id": 6, "name": "E"}, "secret": "x",
}


@pytest.mark.parametrize("obj", [
    FULL,
    SimpleNamespace(**FULL),
    {key: None for key in FULL},
    SimpleNamespace(**{key: None for key in FULL}),
    {"text": Name("подкласс"), "number": True, "flag": "no", "weight": decimal.Decimal("1E+1"), "exact": "1.25",
     "tags": [b"bytes"]},
    SimpleNamespace(text=b"\xd0\xb0", number=2.9, anything=None, children=[], many_children=[]),
    {},
], ids=["dict", "object", "dict of None", "object of None", "odd types", "bytes", "empty"])
def test_a_compiled_dump_is_what_marshmallow_dumps(obj):
    assert_same_dump(Everything(), obj)
    assert_same_dump(Everything(only=("text", "children", "utc")), obj)
    assert_same_dump(Everything(exclude=("child",)), obj)


def test_a_many_schema_dumps_a_list():
    assert_same_dump(Child(many=True), [{"id": 1, "name": "A"}, SimpleNamespace(id=2, name="B")])
    assert compiled_dump(Child(many=True))(None) is None


def test_a_schema_with_dump_hooks_is_refused():
    class Hooked(Schema):
        id = fields.Integer()

        @pre_dump
        def prepare(self, obj, **kwargs):
            return obj

    for schema in (Hooked(), Audited()):
        with pytest.raises(TypeError):
            compiled_dump(schema)
