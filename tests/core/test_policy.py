"""The policy: default deny, deny vetoes, failures deny, scopes bound detail pages."""

import pytest

from core import policy
from core.api import Scope, allow, deny, hookimpl
from core.models import AuditRecord
from tests.core.hookplugin import Note


class AllowEverything:
    @hookimpl
    def permission(self, actor, action, resource):
        return allow("allows all")


class DenyPublish:
    @hookimpl
    def permission(self, actor, action, resource):
        return deny("publishing is closed") if action == "note.publish" else None


class Raises:
    @hookimpl
    def permission(self, actor, action, resource):
        raise RuntimeError("broken policy")

    @hookimpl
    def policy_scope(self, actor, action, model):
        raise RuntimeError("broken scope")


class RestrictShort:
    """Returns two scopes at once: a restrict, and an allow that adds nothing the owner scope lacks."""

    @hookimpl
    def policy_scope(self, actor, action, model):
        if model is not Note:
            return None
        return [Scope.restrict(Note.text != "секрет", "never the secret"),
                Scope.allow(Note.owner == actor.id, "owners again")]


def _actor(app, user, login, client):
    login(client, user)
    with app.test_request_context():
        from core.auth import load_actor

        with client.session_transaction() as sess:
            return load_actor(sess["_user_id"])


@pytest.mark.covers_hook("permission")
def test_default_deny_when_no_plugin_speaks(hook_app, make_user, login):
    app = hook_app()
    user = make_user("parent")
    actor = _actor(app, user, login, app.test_client())
    with app.test_request_context():
        decision = policy.explain(actor, "something.unknown", None)
        assert decision.allowed is False
        assert decision.plugin == "core" and "default deny" in decision.reason


@pytest.mark.parametrize("order", [("allow_all", "deny_publish"), ("deny_publish", "allow_all")])
def test_any_deny_vetoes_whatever_the_registration_order(make_app, make_user, login, order):
    plugins = {"allow_all": AllowEverything(), "deny_publish": DenyPublish()}
    app = make_app(list(order), extra=plugins)
    actor = _actor(app, make_user("parent"), login, app.test_client())
    with app.test_request_context():
        publish = policy.explain(actor, "note.publish")
        read = policy.explain(actor, "note.read")
    assert (publish.allowed, publish.plugin, publish.reason) == (False, "deny_publish", "publishing is closed")
    assert read.allowed is True and read.plugin == "allow_all"
    assert {v.plugin for v in publish.votes} == {"allow_all", "deny_publish"}


def test_a_raising_policy_hook_denies_and_says_which_plugin(make_app, make_user, login):
    app = make_app(["allow_all", "raises"], extra={"allow_all": AllowEverything(), "raises": Raises()})
    actor = _actor(app, make_user("parent"), login, app.test_client())
    with app.test_request_context():
        decision = policy.explain(actor, "note.read")
    assert decision.allowed is False
    assert decision.plugin == "raises" and "RuntimeError" in decision.reason


@pytest.mark.covers_hook("policy_scope")
def test_lists_and_detail_pages_share_one_scope(hook_app, make_user, login):
    app = hook_app()
    owner, other = make_user("parent", "Владелец"), make_user("parent", "Чужой")
    with app.app_context():
        mine = Note.create(owner=owner.id, text="моя")
        theirs = Note.create(owner=other.id, text="чужая")
    client = app.test_client()
    login(client, owner)
    assert client.get("/hooktester/notes").get_json()["notes"] == ["моя"]
    assert client.get(f"/hooktester/notes/{mine.id}").status_code == 200
    assert client.get(f"/hooktester/notes/{theirs.id}").status_code == 403
    assert client.get("/hooktester/notes/999999").status_code == 404
    with app.app_context():
        reads = AuditRecord.select().where(AuditRecord.action == "note.read").order_by(AuditRecord.id)
        results = [r.result for r in reads]
    assert results == ["ok", "denied", "not_found"]


def test_restricting_scope_narrows_and_a_raising_scope_shows_nothing(make_app, make_user, login):
    from tests.core import hookplugin

    app = make_app(["hooktester", "restrict"], extra={"hooktester": hookplugin, "restrict": RestrictShort()})
    owner = make_user("parent")
    with app.app_context():
        Note.create(owner=owner.id, text="открытая")
        Note.create(owner=owner.id, text="секрет")
    client = app.test_client()
    login(client, owner)
    assert client.get("/hooktester/notes").get_json()["notes"] == ["открытая"]

    broken = make_app(["hooktester", "raises"], extra={"hooktester": hookplugin, "raises": Raises()})
    owner2 = make_user("parent")
    with broken.app_context():
        Note.create(owner=owner2.id, text="любая")
    client2 = broken.test_client()
    login(client2, owner2)
    assert client2.get("/hooktester/notes").get_json()["notes"] == []
