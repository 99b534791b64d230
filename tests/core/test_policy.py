"""The policy: default deny, deny vetoes, failures deny, scopes bound detail pages."""

import pytest
from werkzeug.exceptions import Forbidden

from core import policy
from core.api import Param, Scope, allow, deny, hookimpl, prepared
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


# --- a lookup through a scope that names its params: rendered once, right for every actor ---------


class ParamOwner:
    """The owner scope again, its value as a named ``Param``: the same SQL for everyone."""

    @hookimpl
    def policy_scope(self, actor, action, model):
        if model is not Note or action != "note.read" or not actor.is_authenticated:
            return None
        owner = Param("owner", actor.id)
        return Scope.allow(Note.owner == owner, "owner, prepared", params=[owner])


class InlineRestrict:
    """A restrict with its value inline (no params): a lookup through it is rendered each time."""

    @hookimpl
    def policy_scope(self, actor, action, model):
        if model is Note and action == "note.read":
            return Scope.restrict(Note.text != f"секрет {actor.id}", "not one's own secret")
        return None


class Clash:
    @hookimpl
    def policy_scope(self, actor, action, model):
        if model is Note and action == "note.read":
            clash = Param("owner", -1)
            return Scope.restrict(Note.owner != clash, "another value under the same name", params=[clash])
        return None


def _notes_app(make_app, *extra):
    plugins = {"param_owner": ParamOwner(), "allow_all": AllowEverything(),
               **{type(p).__name__.lower(): p for p in extra}}
    app = make_app(list(plugins), extra=plugins)
    with app.app_context():  # the hook tester's table, without its own (inline) scope
        app.extensions["eschool_db"].create_tables([Note])
    return app


def test_a_prepared_lookup_through_a_scope_with_params_is_rendered_once_and_right_for_each_actor(
        make_app, make_user, login):
    app = _notes_app(make_app)
    first, second = make_user("parent"), make_user("parent")
    with app.app_context():
        notes = {who.id: Note.create(owner=who.id, text="заметка").id for who in (first, second)}
    built = []

    @prepared
    def note_texts():
        built.append(1)
        return Note.select(Note.id, Note.text).tuples()

    for me, other in ((first, second), (second, first)):
        actor = _actor(app, me, login, app.test_client())
        with app.test_request_context():
            assert policy.get_or_deny(actor, "note.read", Note, notes[me.id], query=note_texts) == (
                notes[me.id], "заметка")
            with pytest.raises(Forbidden):
                policy.get_or_deny(actor, "note.read", Note, notes[other.id], query=note_texts)
            found, values = policy.in_scope(note_texts, actor, "note.read", Note)
            assert values == {"owner": me.id} and found(**values) == [(notes[me.id], "заметка")]
    assert len(built) == 2  # one statement for the lookup by key, one for the list: not one per actor or call


def test_a_piece_without_params_makes_the_lookup_rendered_per_call_with_the_same_answers(
        make_app, make_user, login):
    app = _notes_app(make_app, InlineRestrict())
    me = make_user("parent")
    with app.app_context():
        open_id = Note.create(owner=me.id, text="заметка").id
        secret_id = Note.create(owner=me.id, text=f"секрет {me.id}").id
    built = []

    @prepared
    def note_texts():
        built.append(1)
        return Note.select(Note.id, Note.text).tuples()

    actor = _actor(app, me, login, app.test_client())
    with app.test_request_context():
        for _ in range(2):
            assert policy.get_or_deny(actor, "note.read", Note, open_id, query=note_texts)[0] == open_id
            with pytest.raises(Forbidden):
                policy.get_or_deny(actor, "note.read", Note, secret_id, query=note_texts)
    assert len(built) == 4  # nothing kept: the inline value could differ next time


def test_two_scopes_giving_one_param_name_different_values_is_an_error(make_app, make_user, login):
    app = _notes_app(make_app, Clash())
    actor = _actor(app, make_user("parent"), login, app.test_client())
    with app.test_request_context(), pytest.raises(ValueError, match="owner"):
        policy.in_scope(prepared(lambda: Note.select()), actor, "note.read", Note)
