"""Identity resolution: SNILS → Parent (or Student) → User on first login, then the linked subject."""

import pytest

from core.api import Identity, LoginRefused, complete_login
from core.models import LoginIdentity
from plugins.registries import models as m

pytestmark = pytest.mark.plugins("registries")


def esia(subject, snils):
    return Identity(provider="esia", subject=subject, snils=snils, confirmed=True, level="confirmed")


def test_both_parents_of_one_child_each_resolve_to_their_own_user(app, world):
    child = world.student()
    mother = world.parent(child, "mother", user=True)
    father = world.parent(child, "father", user=True, last_name="Иванов", first_name="Олег")
    with app.test_request_context():
        as_mother = complete_login(esia("oid-mother", mother.snils[:3] + "-" + mother.snils[3:6] + "-"
                                        + mother.snils[6:9] + " " + mother.snils[9:]))
    with app.test_request_context():
        as_father = complete_login(esia("oid-father", father.snils))
    assert as_mother.id == mother.user_id
    assert as_father.id == father.user_id
    assert as_mother.id != as_father.id
    with app.app_context():
        links = {(li.subject, li.user_id) for li in LoginIdentity.select()}
    assert links == {("oid-mother", mother.user_id), ("oid-father", father.user_id)}


def test_second_login_resolves_through_the_linked_subject_even_after_snils_changes(app, world):
    parent = world.parent(world.student(), user=True)
    with app.test_request_context():
        complete_login(esia("oid-1", parent.snils))
    with app.app_context():
        m.Parent.update(snils="11223344595").where(m.Parent.id == parent.id).execute()
    with app.test_request_context():
        assert complete_login(esia("oid-1", "000-000-600 06")).id == parent.user_id


def test_parent_not_in_registry_is_told_what_the_school_must_do(app, world):
    with app.test_request_context(), pytest.raises(LoginRefused) as refused:
        complete_login(esia("oid-x", "112-233-445 95"))
    assert refused.value.code == "not_in_registry"
    assert "администратору школы" in refused.value.message


def test_parent_without_a_user_is_told_step_3_is_missing(app, world):
    parent = world.parent(world.student())
    with app.test_request_context(), pytest.raises(LoginRefused) as refused:
        complete_login(esia("oid-y", parent.snils))
    assert refused.value.code == "no_user"


def test_snils_recorded_for_a_parent_and_a_student_is_refused_as_ambiguous(app, world):
    parent = world.parent(user=True)
    world.student(snils=parent.snils)
    with app.test_request_context(), pytest.raises(LoginRefused) as refused:
        complete_login(esia("oid-z", parent.snils))
    assert refused.value.code == "ambiguous_snils"
