"""The typed registries service: values with the names other plugins show, batched lookups, scoped reads."""

import pytest
from werkzeug.exceptions import NotFound

from core.api import Actor, StudentInfo, User, service
from plugins.registries import models as m


@pytest.fixture
def counted(app, monkeypatch):
    found = []
    db_class = type(app.extensions["eschool_db"])
    original = db_class.execute_sql

    def recording(self, sql, params=None, *args, **kwargs):
        found.append(sql)
        return original(self, sql, params, *args, **kwargs)

    monkeypatch.setattr(db_class, "execute_sql", recording)
    return found


def test_students_come_in_one_query_with_their_school_and_class_names(app, world, counted):
    with app.app_context():
        klass = m.SchoolClass.create(school=world.school, year=2025, grade=5, letter="А")
        in_class = [world.student(school_class=klass, first_name=f"Ученик {i}") for i in range(5)]
        outside = world.student(school=world.other_school, last_name="Петров")
        counted.clear()
        found = service("registries").students([s.id for s in in_class] + [outside.id, 10**6])
        assert len(counted) == 1
    assert set(found) == {s.id for s in in_class} | {outside.id}  # an unknown id is left out
    one = found[in_class[0].id]
    assert isinstance(one, StudentInfo)
    assert (one.class_name, one.school_short_name, one.full_name) == ("5А", "Школа № 1", "Иванов Ученик 0")
    assert (found[outside.id].class_name, found[outside.id].school_short_name) == ("", "Школа № 2")
    assert not hasattr(one, "school")  # a value, not a row: no lazy foreign key behind it


def test_conditions_combine_and_lists_are_ordered_by_name(app, world):
    with app.app_context():
        klass = m.SchoolClass.create(school=world.school, year=2025, grade=7, letter="Б")
        b = world.student(school_class=klass, last_name="Бобров")
        a = world.student(school_class=klass, last_name="Антонов")
        world.student(school_class=klass, last_name="Ушедший", status="left")
        other = world.student(school=world.other_school, last_name="Другой")
        reg = service("registries")
        enrolled = reg.find_students(reg.student_condition(class_ids=[klass.id], enrolled=True))
        assert [s.id for s in enrolled] == [a.id, b.id]
        either = reg.find_students(reg.student_condition(class_ids=[klass.id], enrolled=True)
                                   | reg.student_condition(ids=[other.id]))
        assert [s.last_name for s in either] == ["Антонов", "Бобров", "Другой"]


def test_scoped_reads_follow_the_policy(app, world):
    with app.test_request_context():
        mine = world.student(last_name="Свой")
        theirs = world.student(school=world.other_school, last_name="Чужой")
        actor = Actor(User.get_by_id(world.admin.id), None, "")
        reg = service("registries")
        assert reg.may_act_on_students(actor, "student.read", [mine.id, theirs.id]) == {mine.id}
        assert [s.id for s in reg.visible_students(actor, "student.read")] == [mine.id]
        assert reg.student_or_deny(actor, "student.read", mine.id).last_name == "Свой"
        with pytest.raises(NotFound):
            reg.student_or_deny(actor, "student.read", 10**6)


def test_the_snils_stays_inside_and_is_only_compared(app, world):
    with app.app_context():
        user = User.get_by_id(world.parent(user=True, snils="11223344595").user_id)
        reg = service("registries")
        assert reg.snils_matches(user, "112-233-445 95") is True
        assert reg.snils_matches(user, "112-233-445 96") is False
        assert not hasattr(reg.person_of(user), "snils")
