"""Hook specifications: everything a plugin can contribute to the platform.

Every docstring has four parts, checked by ``tests/core/test_hook_docs.py``:

* **Called by** — who calls the hook and when;
* **Arguments** — what each argument is;
* **Returns** — what an implementation returns, and what ``None`` means;
* **Combined** — how the results of several plugins are combined.

Hooks that are called once per plugin (``config_schema``, ``plugin_requires``,
``migrations``, ``models``) are attributed to the plugin that implements them:
the core calls each implementation separately, so a plugin never needs to know
the name a region gave it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click
    from flask import Blueprint, Flask
    from marshmallow import Schema

    from core.jobs import JobKind
    from core.types import (
        Actor,
        AuditVocabulary,
        Change,
        Decision,
        Demo,
        Identity,
        LoginMethod,
        Migration,
        NavItem,
        Refusal,
        Relation,
        Scope,
    )

hookspec = pluggy.HookspecMarker("eschool")


# --- wiring ---------------------------------------------------------------


@hookspec
def plugin_requires() -> list[str]:
    """Name the other plugins this plugin cannot work without.

    Called by: the plugin loader, once per plugin, right after every plugin the
    region names has been registered and before anything else happens.

    Arguments: none.

    Returns: a list of plugin names (as used in region configs). ``None`` or an
    empty list means the plugin stands alone.

    Combined: per plugin; if a required name is not enabled in the region,
    start-up stops with a message naming both plugins.
    """


@hookspec
def config_schema() -> type[Schema] | None:
    """Give the marshmallow schema of this plugin's section of the region config.

    Called by: the config loader at start-up, once per enabled plugin, to
    validate the TOML section named after the plugin (``[auth_esia]``...).

    Arguments: none.

    Returns: a ``marshmallow.Schema`` subclass. Fields carry defaults; unknown
    keys are errors (``class Meta: unknown = RAISE``); secrets are declared with
    ``core.api.SecretRef`` so the file holds references, never values.
    ``None`` means the plugin takes no settings, and then any section for it in
    the region file is an error.

    Combined: per plugin; the validated dict is available as
    ``core.api.settings("<plugin>")``.
    """


@hookspec
def models() -> list[type]:
    """List the peewee models (tables) this plugin owns.

    Called by: ``eschool db`` commands and the test harness, to know which
    tables belong to which plugin (for reset and status reports).

    Arguments: none.

    Returns: a list of ``core.api.BaseModel`` subclasses; ``None`` means none.

    Combined: per plugin; tables are created only by migrations.
    """


@hookspec
def migrations() -> list[Migration]:
    """List this plugin's schema migrations, oldest first.

    Called by: ``eschool db upgrade`` (and the test harness), once per enabled
    plugin, in the order of plugin dependencies.

    Arguments: none.

    Returns: a list of ``core.api.Migration``; each has a name unique within
    the plugin and a function ``apply(database)``. ``None`` means no tables.

    Combined: per plugin; each pending migration runs in its own transaction
    and is recorded in the ``migration_history`` table, so a second run is a
    no-op.
    """


@hookspec
def blueprints() -> list[Blueprint]:
    """Give the Flask blueprints (routes, templates, static files) of a plugin.

    Called by: ``create_app``, once, while the app is being built.

    Arguments: none.

    Returns: a list of ``flask.Blueprint``. Every view must be marked with
    ``core.api.public`` or guarded with ``core.api.login_required`` /
    ``core.api.roles_required``; unmarked views are refused to everyone.
    ``None`` means no routes.

    Combined: all collected; each blueprint is registered once.
    """


@hookspec
def template_dirs() -> list[str]:
    """Add template folders searched *before* the core's own templates.

    Called by: ``create_app``, once, to build the Jinja loader.

    Arguments: none.

    Returns: a list of absolute folder paths; ``None`` means nothing to add.
    A region plugin uses this to override a core or plugin template.

    Combined: all collected and searched in the order of the region's plugin
    list: when two plugins override the same template, the one listed first wins.
    """


@hookspec
def cli_commands() -> list[click.Command]:
    """Add commands to the ``eschool`` command line.

    Called by: ``create_app``, once; the commands appear under ``eschool``.

    Arguments: none.

    Returns: a list of ``click.Command`` (or groups); ``None`` means none.

    Combined: all collected; a name clash stops start-up.
    """


@hookspec
def nav_items(actor: Actor) -> list[NavItem]:
    """Offer entries for the main navigation of the page being rendered.

    Called by: the base layout, on every page render.

    Arguments: ``actor`` — the current actor (``actor.is_authenticated`` is
    False for a visitor).

    Returns: a list of ``core.api.NavItem`` the actor may use; ``None`` means
    nothing for this actor.

    Combined: all collected, sorted by ``NavItem.order`` then label.
    """


@hookspec
def services() -> dict[str, Any]:
    """Register named services other plugins may use without importing this one.

    Called by: ``create_app``, once, after all plugins are registered.

    Arguments: none.

    Returns: a mapping of service name to object (for example
    ``{"registries": RegistryService()}``); ``None`` means none. A built-in
    service's object implements its Protocol in ``core.services``
    (``RegistriesService`` …) and hands out values, never table classes.

    Combined: merged into one mapping (``core.api.service(name)``); two plugins
    registering the same name stop start-up.
    """


@hookspec
def app_ready(app: Flask) -> None:
    """Let a plugin finish setting itself up on a fully built app.

    Called by: ``create_app``, once, after blueprints, services and config are
    in place.

    Arguments: ``app`` — the Flask application.

    Returns: nothing (``None``).

    Combined: every implementation is called; an exception stops start-up.
    """


@hookspec
def health_checks() -> dict[str, Any]:
    """Add a plugin's figures to the public ``/health`` answer (queue depths, last exchange).

    Called by: the core's ``/health`` view, on every call, after the database answered.

    Arguments: none.

    Returns: a mapping of check name to a JSON-serialisable value, for example
    ``{"portal": {"inbox_pending": 0, "last_exchange_at": "…"}}``. It must hold
    no personal data (the page is public) and be cheap (a few counts).
    ``None`` means nothing to report.

    Combined: merged into the ``checks`` object of the answer; two plugins
    using the same name stop the request with an error.
    """


@hookspec
def job_kinds() -> list[JobKind]:
    """Name the kinds of long work this plugin runs as background jobs (``core.api.start_job``).

    Called by: the core's job runner, once per app, the first time a job is
    started, shown or run (a thread of the web process or ``eschool jobs worker``).

    Arguments: none.

    Returns: a list of ``core.api.JobKind``: a unique ``name`` (prefixed with the
    plugin's name), a Russian ``title``, ``run(ctx)`` doing the work outside any
    request (it gets a ``JobContext`` with ``params``, ``actor`` and
    ``progress(done, total, stage)``, and returns a ``JobResult`` file or raises
    ``JobError`` with a Russian message), and whether the result holds personal
    data (``personal``: encrypted at rest) or may be read only in the session that
    started the job (``same_session``). ``None`` means none.

    Combined: concatenated; two plugins naming the same kind stop the job runner
    with an error.
    """


@hookspec
def demo_data(demo: Demo) -> None:
    """Fill the database with this plugin's part of a realistic demo region.

    Called by: ``eschool demo`` (the README's run command), once per enabled
    plugin, in the order of plugin dependencies, inside one transaction per
    plugin, on an upgraded and empty database.

    Arguments: ``demo`` — a ``core.api.Demo``: ``random`` (seeded, so the same
    seed gives the same data), ``students`` (the size asked for), ``today``,
    ``instance_path``, ``shared`` (a dict in which plugins hand what they made to
    the plugins after them, under documented keys such as
    ``"registries.students"``), ``progress(label, items)`` for long loops, and
    ``add_login(...)`` to list an account a newcomer can try.

    Returns: nothing (``None``).

    Combined: every implementation is called, dependencies first; an exception
    stops the demo and rolls back that plugin's part.
    """


# --- authentication -------------------------------------------------------


@hookspec
def login_methods() -> list[LoginMethod]:
    """Offer ways to log in on the login page.

    Called by: the core's ``/login`` page on every render.

    Arguments: none.

    Returns: a list of ``core.api.LoginMethod`` — a button that leads to a URL
    (Gosuslugi) or a form template to include (login and password). ``None``
    means the plugin offers no way in.

    Combined: all collected, sorted by ``LoginMethod.order``.
    """


@hookspec(firstresult=True)
def resolve_identity(identity: Identity) -> Any:
    """Turn an identity proven by a login provider into a User of the platform.

    Called by: the core login pipeline (``core.api.complete_login``) after a
    provider plugin has verified who the person is.

    Arguments: ``identity`` — a ``core.api.Identity`` (provider, subject, SNILS,
    birth date, names, confirmed flag, account level).

    Returns: a ``core.models.User``. ``None`` means "not mine — I do not know
    this identity", and the next plugin is asked. To refuse with an
    explanation (an ambiguous match, a registry entry missing a link), raise
    ``core.api.LoginRefused`` with a message for the person.

    Combined: first non-``None`` result wins (``firstresult``). The core's
    built-in implementation (a subject already linked to a user) runs first;
    if nobody knows the identity the login is refused.
    """


@hookspec
def login_rules(identity: Identity, user: Any) -> Refusal | None:
    """Veto a login that must not happen (age rules, unconfirmed accounts).

    Called by: the core login pipeline, after ``resolve_identity`` found a
    user and before a session starts.

    Arguments: ``identity`` — the proven ``Identity``; ``user`` — the
    ``core.models.User`` it resolved to.

    Returns: a ``core.api.Refusal`` with a Russian message telling the person
    why and what to do instead; ``None`` means "no objection".

    Combined: all collected; any refusal vetoes the login and every refusal's
    message is shown.
    """


@hookspec(firstresult=True)
def logout_url(actor: Actor, provider: str) -> str | None:
    """Say where to send the browser after the platform session has ended.

    Called by: the core ``/logout`` view, after the session was revoked.

    Arguments: ``actor`` — the actor who logged out; ``provider`` — the name of
    the provider the session was started with (``"esia"``, ``"local"``...).

    Returns: an absolute URL (for example the ESIA logout endpoint, so the
    Gosuslugi session ends too); ``None`` means "not my session".

    Combined: first non-``None`` result wins; with none, the login page.
    """


@hookspec
def form_action_sources() -> list[str]:
    """Name the other origins a form of the platform may lead the browser to.

    Called by: the core, once per app, when it writes the Content-Security-Policy
    header of the first response. ``form-action`` also covers the redirects that
    follow a form's submission, so the logout form's redirect to an identity
    provider's logout endpoint (see ``logout_url``) is blocked unless that
    provider's origin is named here.

    Arguments: none.

    Returns: origins such as ``"https://esia.gosuslugi.ru"`` (scheme, host and
    port; no path), taken from the plugin's configuration; ``[]`` or ``None`` for none.

    Combined: all collected, added after ``'self'`` in the ``form-action`` directive.
    """


# --- registries -----------------------------------------------------------


@hookspec
def actor_relations(actor: Actor) -> list[Relation]:
    """Tell which persons and organisations the actor relates to, and how.

    Called by: policy plugins and pages that need "whose data may this actor
    see" without importing the plugin that keeps people (``core.api.relations``).

    Arguments: ``actor`` — the current actor.

    Returns: a list of ``core.api.Relation`` (kind such as ``"self"``,
    ``"child"``, ``"school_staff"``, ``"municipality_staff"``; the object type
    and id). ``None`` means the plugin knows nothing about this actor.

    Combined: all collected into one list (cached for the request).
    """


# --- data-access policy ---------------------------------------------------


@hookspec
def permission(actor: Actor, action: str, resource: Any) -> Decision | None:
    """Decide whether the actor may perform an action on a resource.

    Called by: ``core.api.can`` / ``core.api.require`` — views and services,
    before reading or changing data.

    Arguments: ``actor`` — the current actor; ``action`` — a dotted name such
    as ``"student.read"`` or ``"journal.write"``; ``resource`` — the object
    (a model instance, or ``None`` for actions not about one object).

    Returns: ``core.api.allow(reason)`` or ``core.api.deny(reason)``. ``None``
    means abstain. An exception counts as a deny (fail closed).

    Combined: default deny; any deny vetoes; otherwise at least one allow is
    needed. Every decision records which plugin decided and why.
    """


@hookspec
def policy_scope(actor: Actor, action: str, model: type) -> Scope | list[Scope] | None:
    """Give the query condition that limits a list to what the actor may see.

    Called by: ``core.api.scope`` / ``core.api.get_or_deny`` — list pages and
    API lists, and detail pages looking up an object by id.

    Arguments: ``actor``; ``action`` (as in ``permission``); ``model`` — the
    peewee model being queried.

    Returns: ``core.api.Scope.allow(condition, reason)`` to let rows matching
    the condition through, or ``core.api.Scope.restrict(condition, reason)``
    to require every row to match it, or a list of such scopes. ``None`` means
    abstain. An exception denies everything (fail closed).

    Combined: (OR of all allows) AND (AND of all restricts); no allow at all
    means no rows.

    On a hot path, write the actor's values as ``core.api.Param(name, value)``
    and name them: ``Scope.allow(Student.user == p, reason, params=[p])``
    with ``p = Param("myplugin_user", actor.id)``. Then a prepared lookup
    through the scope (``get_or_deny`` with a ``@prepared`` query,
    ``in_scope``) is rendered once for everyone rather than on every call —
    promise that the condition's SQL depends on nothing but those params.
    """


# --- audit ----------------------------------------------------------------


@hookspec
def audit_vocabulary() -> AuditVocabulary:
    """Name, in Russian, the actions, object types and roles this plugin writes to the audit log.

    Called by: ``create_app``, once, after all plugins are registered; the access log pages show the
    labels («Журнал доступа», «Кто смотрел данные ребёнка»), so a person never reads a raw key.

    Arguments: none.

    Returns: a ``core.api.AuditVocabulary`` (``actions``, ``objects`` and ``roles``, each a mapping of a key
    to a label, usually ``lazy_gettext``); ``None`` means nothing to name.

    Combined: merged into one vocabulary; a key that two plugins name differently stops start-up.
    """


@hookspec
def audit_names(actor: Actor, object_type: str, object_ids: list[str]) -> dict[str, str]:
    """Name the objects that the audit records on a page are about («Иванов Иван, 5А»).

    Called by: the access log pages, once per object type on the page shown.

    Arguments: ``actor`` — who reads the log (name a person only as far as this actor may know them);
    ``object_type`` — as the records store it (``"student"``); ``object_ids`` — the ids, as strings.

    Returns: a mapping of id → name for the ids this plugin knows; ``None`` means not this plugin's type.
    An id nobody names is shown by its object type's label alone, never as a number.

    Combined: merged into one mapping; an object type belongs to the one plugin that writes it.
    """


@hookspec
def audit_about(object_type: str, object_id: str) -> Any:
    """Say which audit records are about an object *through* what belongs to it.

    Called by: the access log, filtered by an object (a school, a child), and the family's «Кто смотрел
    данные ребёнка»: a school's records include those about its students and classes and those its staff
    made; a child's include the journal pages of the child's class.

    Arguments: ``object_type`` and ``object_id`` — the object, as audit records store it.

    Returns: a peewee condition over ``core.api.AuditRecord`` for the records of this plugin's objects that
    belong to the object; ``None`` means nothing of this plugin's belongs to it.

    Combined: OR of every plugin's condition and the core's own (records about the object itself).
    """


# --- events ---------------------------------------------------------------


@hookspec
def change_recorded(change: Change) -> None:
    """Hear about a change to a record about a person, inside the transaction that writes it.

    Called by: the plugin that keeps the record, through ``core.api.announce_change``,
    right after it wrote the change and before its transaction commits (the gradebook:
    for every mark, attendance, lesson text and period grade change it keeps in its
    history).

    Arguments: ``change`` — a ``core.api.Change``: source plugin, kind, field, object
    id, old and new value as text, entry time, who made it, the person it is about
    and the source's context ids.

    Returns: nothing (``None``). An implementation writes what it needs (an outbox
    row) in the caller's transaction, so the change and its consequences commit or
    roll back together; it does no network work here.

    Combined: every implementation is called; an exception propagates to the writer
    and rolls its transaction back, so a change is never kept without its events.
    """
