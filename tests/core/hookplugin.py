"""A plugin used only by the core tests: it implements every hook, in the simplest honest way.

It keeps "notes" (a table of its own), offers a login form whose identity is
the typed name, vetoes the name "Запрещённый", and lets an actor read only the
notes they own.
"""

from __future__ import annotations

import os

import click
import peewee
from flask import Blueprint, current_app, redirect, request, url_for
from marshmallow import RAISE, Schema, fields

from core.api import (
    BaseModel,
    Identity,
    LoginMethod,
    LoginRefused,
    Migration,
    NavItem,
    Refusal,
    Relation,
    Scope,
    SecretRef,
    User,
    allow,
    audit,
    complete_login,
    current_actor,
    deny,
    get_or_deny,
    hookimpl,
    link_identity,
    login_required,
    public,
    refused_page,
    safe_next,
    scope,
    settings,
)

NAME = "hooktester"
HERE = os.path.dirname(__file__)


class Note(BaseModel):
    owner = peewee.IntegerField(index=True)
    text = peewee.CharField()


class Settings(Schema):
    class Meta:
        unknown = RAISE

    greeting = fields.String(load_default="Привет")
    limit = fields.Integer(load_default=3)
    api_key = SecretRef(load_default=None, allow_none=True)


bp = Blueprint("hooktester", __name__, url_prefix="/hooktester")
ready_apps = []


@bp.route("/login", methods=["POST"])
@public
def login():
    name = request.form["name"]
    try:
        complete_login(Identity(provider="hooktester", subject=name, first_name=name))
    except LoginRefused as refused:
        return refused_page(refused)
    return redirect(safe_next(request.form.get("next")) or url_for("core.index"))


@bp.route("/notes")
@login_required
def notes():
    rows = Note.select().where(scope(current_actor(), "note.read", Note)).order_by(Note.id)
    return {"notes": [n.text for n in rows], "greeting": settings(NAME)["greeting"]}


@bp.route("/notes/<int:note_id>")
@login_required
def note(note_id):
    found = get_or_deny(current_actor(), "note.read", Note, note_id)
    audit("note.read", "note", note_id)
    return {"text": found.text}


@bp.route("/unmarked")
def unmarked():
    return "this view forgot its access mark"


@hookimpl
def plugin_requires():
    return []


@hookimpl
def config_schema():
    return Settings


@hookimpl
def models():
    return [Note]


@hookimpl
def migrations():
    return [Migration("m0001_notes", lambda db: db.create_tables([Note]))]


@hookimpl
def blueprints():
    return [bp]


@hookimpl
def template_dirs():
    return [os.path.join(HERE, "hookplugin_templates")]


@hookimpl
def cli_commands():
    from flask.cli import with_appcontext

    @click.command("hooktester-hello")
    @with_appcontext
    def hello():
        """Say hello (test command)."""
        click.echo(f"{settings(NAME)['greeting']} from {current_app.name}")

    return [hello]


@hookimpl
def nav_items(actor):
    if actor.is_authenticated:
        return [NavItem("Заметки", "hooktester.notes", order=5)]
    return None


@hookimpl
def services():
    return {"notes": Note}


@hookimpl
def app_ready(app):
    ready_apps.append(app)


@hookimpl
def login_methods():
    return [LoginMethod("hooktester", "Вход по имени", template="hooktester/form.html", order=1)]


@hookimpl
def resolve_identity(identity):
    if identity.provider != "hooktester":
        return None
    user = User.get_or_none(User.display_name == identity.subject)
    if user is None:
        return None
    link_identity(user, identity)
    return user


@hookimpl
def login_rules(identity, user):
    if user.display_name == "Запрещённый":
        return Refusal("Этому пользователю вход закрыт правилом теста.", "test_rule")
    return None


@hookimpl
def logout_url(actor, provider):
    return "/hooktester/bye" if provider == "hooktester" else None


@hookimpl
def actor_relations(actor):
    if not actor.is_authenticated:
        return None
    return [Relation("owner", "note", n.id) for n in Note.select().where(Note.owner == actor.id)]


@hookimpl
def permission(actor, action, resource):
    if action == "note.publish":
        return deny("notes are never published")
    if action == "note.read" and isinstance(resource, Note):
        return allow("owner") if resource.owner == actor.id else None
    return None


@hookimpl
def policy_scope(actor, action, model):
    if model is Note and action == "note.read" and actor.is_authenticated:
        return Scope.allow(Note.owner == actor.id, "a person reads their own notes")
    return None


@hookimpl
def demo_data(demo):
    owner = User.create(display_name=f"Демо {demo.random.randint(1000, 9999)}", role="parent")
    for i in demo.progress("notes", range(demo.students)):
        Note.create(owner=owner.id, text=f"заметка {i}")
    demo.shared["hooktester.owner"] = owner.id
    demo.add_login("Родитель (тест)", "по имени", owner.display_name)
