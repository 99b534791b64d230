"""Users (step 3): an account for a registry person; blocking ends live sessions at once."""

import json

import pytest

from core.models import AuditRecord, User
from plugins.registries import models as m

pytestmark = pytest.mark.plugins("registries")


def test_admin_creates_a_user_for_a_parent(app, world, client, login):
    parent = world.parent(world.student())
    login(client, world.admin)
    assert client.post(f"/registries/parent/{parent.id}/user").status_code == 302
    with app.app_context():
        user = m.Parent.get_by_id(parent.id).user
        assert user.role == "parent" and user.display_name == "Иванова Мария"
        record = AuditRecord.get(AuditRecord.action == "user.create")
    assert json.loads(record.details)["new"]["person"] == f"parent:{parent.id}"


def test_blocked_users_live_session_is_refused_on_its_next_request(app, world, make_app, login):
    parent = world.parent(world.student(), user=True)
    family = app.test_client()
    login(family, parent.user)
    assert family.get("/registries/me").status_code == 200

    admin = app.test_client()
    login(admin, world.admin)
    blocked = admin.post(f"/registries/parent/{parent.id}/user/block", data={"reason": "утерян телефон"})
    assert blocked.status_code == 302

    refused = family.get("/registries/me")
    assert refused.status_code == 302 and "/login" in refused.headers["Location"]
    with app.app_context():
        assert User.get_by_id(parent.user_id).is_blocked


def test_unblocked_user_may_log_in_again_and_the_change_is_audited(app, world, client, login):
    parent = world.parent(world.student(), user=True)
    login(client, world.admin)
    client.post(f"/registries/parent/{parent.id}/user/block")
    client.post(f"/registries/parent/{parent.id}/user/unblock")
    with app.app_context():
        assert not User.get_by_id(parent.user_id).is_blocked
        changes = [json.loads(r.details) for r in AuditRecord.select().where(AuditRecord.action == "user.update")
                   .order_by(AuditRecord.id)]
    assert [c["new"]["is_blocked"] for c in changes] == [True, False]


def test_second_user_for_the_same_person_is_refused(app, world, client, login):
    parent = world.parent(world.student(), user=True)
    login(client, world.admin)
    page = client.post(f"/registries/parent/{parent.id}/user", follow_redirects=True)
    assert "уже есть пользователь" in page.get_data(as_text=True)
    with app.app_context():
        assert User.select().where(User.role == "parent").count() == 1


def test_family_card_shows_masked_snils_and_only_children_with_consent(app, world, client, login):
    with_consent = world.student(first_name="Анна")
    without = world.student(first_name="Борис", consent=False)
    parent = world.parent(with_consent, user=True)
    with app.app_context():
        m.ParentLink.create(parent=parent.id, student=without.id, relation="mother")
    login(client, parent.user)
    text = client.get("/registries/me").get_data(as_text=True)
    assert f"***-***-*** {parent.snils[-2:]}" in text and parent.snils not in text
    assert "Анна" in text and "Борис" not in text
