"""``change_recorded``: a writer announces a change inside its transaction; listeners share its fate."""

from __future__ import annotations

import datetime as dt

import pytest

from core.api import Change, User, announce_change, database, hookimpl


class Listener:
    """Keeps every change it hears, and whether the writer's transaction was open at that moment."""

    def __init__(self):
        self.heard = []

    @hookimpl
    def change_recorded(self, change):
        self.heard.append((change, database.in_transaction()))


class Refuser:
    @hookimpl
    def change_recorded(self, change):
        raise RuntimeError("outbox is full")


def _change(user_id):
    return Change(source="test", kind="note", field="text", object_id=user_id, old="", new="привет",
                  at=dt.datetime(2026, 11, 25, 7, 0), by=user_id, person_id=user_id, context={"x": 1})


@pytest.mark.covers_hook("change_recorded")
def test_every_listener_hears_the_change_inside_the_writers_transaction(make_app):
    first, second = Listener(), Listener()
    app = make_app(["first", "second"], extra={"first": first, "second": second})
    with app.app_context(), database.connection_context():
        with database.atomic():
            user = User.create(display_name="Писатель", role="teacher")
            announce_change(_change(user.id))
    for listener in (first, second):
        assert [(c.object_id, c.new, c.context, inside) for c, inside in listener.heard] == [
            (user.id, "привет", {"x": 1}, True)]


@pytest.mark.covers_hook("change_recorded")
def test_a_listener_that_fails_rolls_the_change_back(make_app):
    listener = Listener()
    app = make_app(["listener", "refuser"], extra={"listener": listener, "refuser": Refuser()})
    with app.app_context(), database.connection_context():
        with pytest.raises(RuntimeError, match="outbox is full"):
            with database.atomic():
                user = User.create(display_name="Писатель", role="teacher")
                announce_change(_change(user.id))
        assert not User.select().where(User.display_name == "Писатель").exists()
