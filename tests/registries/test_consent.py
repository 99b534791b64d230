"""Consents: a child without an active consent is not shown through the service; revocation hides at once."""

import pytest

from core.api import Actor, scope, service
from core.models import User
from plugins.registries import models as m

pytestmark = pytest.mark.plugins("registries")


def visible(app, parent_user):
    with app.test_request_context():
        reg = service("registries")
        actor = Actor(User.get_by_id(parent_user.id), None, "")
        by_service = [s.id for s in reg.children_of(actor.user)]
        by_scope = [s.id for s in m.Student.select().where(scope(actor, "progress.read", m.Student))]
        return by_service, by_scope


def test_revoking_consent_on_the_admin_page_hides_the_child_at_once(app, world, client, login):
    child = world.student(consent=False)
    parent = world.parent(child, user=True)
    login(client, world.admin)
    page = client.post(f"/registries/student/{child.id}/consents/new", data={
        "giver": f"parent:{parent.id}", "purpose": "Электронный журнал", "text_version": "2025-09",
        "given_on": "01.09.2025", "channel": "paper", "scan_reference": "папка 5А, лист 3"})
    assert page.status_code == 302
    assert visible(app, parent.user) == ([child.id], [child.id])

    with app.app_context():
        consent = m.Consent.get(m.Consent.subject_student == child.id)
    assert client.post(f"/registries/consents/{consent.id}/revoke", data={"note": "заявление"}).status_code == 302
    assert visible(app, parent.user) == ([], [])
    with app.app_context():
        kept = m.Consent.get_by_id(consent.id)
    assert kept.revoked_at is not None and kept.revocation_note == "заявление"


def test_child_entered_without_consent_is_not_shown_to_the_parent(app, world):
    child = world.student(consent=False)
    parent = world.parent(child, user=True)
    assert visible(app, parent.user) == ([], [])
    with app.app_context():
        assert service_has_consent(app, child) is False


def service_has_consent(app, child):
    with app.test_request_context():
        return service("registries").has_active_consent(child.id)


def test_paper_consent_needs_a_scan_reference(app, world, client, login):
    child = world.student(consent=False)
    login(client, world.admin)
    page = client.post(f"/registries/student/{child.id}/consents/new", data={
        "giver": f"student:{child.id}", "purpose": "Электронный журнал", "text_version": "2025-09",
        "given_on": "01.09.2025", "channel": "paper"})
    assert page.status_code == 200
    assert "укажите, где хранится скан" in page.get_data(as_text=True)
    with app.app_context():
        assert m.Consent.select().count() == 0


def test_ended_link_hides_the_child_from_that_parent_only(app, world, client, login):
    child = world.student()
    mother = world.parent(child, "mother", user=True)
    father = world.parent(child, "father", user=True, first_name="Олег")
    with app.app_context():
        link = m.ParentLink.get(m.ParentLink.parent == father.id)
    login(client, world.admin)
    assert client.post(f"/registries/links/{link.id}/end").status_code == 302
    assert visible(app, father.user) == ([], [])
    assert visible(app, mother.user) == ([child.id], [child.id])
