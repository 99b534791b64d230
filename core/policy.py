"""Data-access decisions: default deny, any deny vetoes, every decision explained.

One function answers "may this actor do this to that" (``can``), one gives the
query condition for lists (``scope``), and ``get_or_deny`` looks an object up
*through* the scope, so an id typed into a URL can never reach a row that the
actor's lists would not show.
"""

from __future__ import annotations

import functools
import logging
import operator
from typing import Any

import peewee
from flask import abort, current_app

from core import audit
from core.prepared import Param, Prepared
from core.types import Decision, Scope

log = logging.getLogger(__name__)

NOTHING = peewee.SQL("1 = 0")


def _impls(hook_name: str):
    pm = current_app.extensions["eschool"].pm
    return getattr(pm.hook, hook_name).get_hookimpls()


def _call(impl, **kwargs):
    return impl.function(**{a: kwargs[a] for a in impl.argnames})


def explain(actor: Any, action: str, resource: Any = None) -> Decision:
    """Ask every policy plugin and combine: default deny, any deny vetoes, an allow is needed."""
    votes = []
    for impl in _impls("permission"):
        try:
            vote = _call(impl, actor=actor, action=action, resource=resource)
        except Exception as exc:  # fail closed, and say so
            log.exception("policy plugin %s raised on %s", impl.plugin_name, action)
            vote = Decision(False, f"policy error: {type(exc).__name__}")
        if vote is None or vote.allowed is None:
            continue
        votes.append(Decision(vote.allowed, vote.reason, impl.plugin_name))
    denies = [v for v in votes if v.allowed is False]
    if denies:
        first = denies[0]
        return Decision(False, first.reason, first.plugin, tuple(votes))
    allows = [v for v in votes if v.allowed]
    if allows:
        first = allows[0]
        return Decision(True, first.reason, first.plugin, tuple(votes))
    return Decision(False, "no plugin allows this (default deny)", "core", tuple(votes))


def can(actor: Any, action: str, resource: Any = None) -> bool:
    """True when the policy allows ``action`` on ``resource`` for ``actor``."""
    return explain(actor, action, resource).allowed is True


def require(actor: Any, action: str, resource: Any = None, *, object_type: str = "", object_id: Any = "") -> Decision:
    """Allow or abort with 403; a denial is written to the audit log with its reason."""
    decision = explain(actor, action, resource)
    if not decision:
        audit.record(action, object_type, object_id, result="denied",
                     details={"reason": decision.reason, "by": decision.plugin})
        abort(403)
    return decision


def _pieces(actor: Any, action: str, model: type) -> list[tuple[str, Scope]] | None:
    """Every plugin's ``Scope`` pieces as ``(plugin, piece)``; None when a plugin raised (fail closed)."""
    found = []
    for impl in _impls("policy_scope"):
        try:
            part = _call(impl, actor=actor, action=action, model=model)
        except Exception:
            log.exception("policy scope plugin %s raised on %s", impl.plugin_name, action)
            return None
        for piece in part if isinstance(part, (list, tuple)) else [part]:
            if piece is None:
                continue
            if not isinstance(piece, Scope):
                raise TypeError(f"policy_scope of {impl.plugin_name} must return core.api.Scope, not {piece!r}")
            found.append((impl.plugin_name, piece))
    return found


def _condition(pieces: list[tuple[str, Scope]] | None) -> Any:
    """(OR of the allows) AND (AND of the restricts); no allow means no rows."""
    if pieces is None:
        return NOTHING
    allows = [p.condition for _, p in pieces if not p.restricting]
    if not allows:
        return NOTHING
    condition = functools.reduce(operator.or_, allows)
    for _, piece in pieces:
        if piece.restricting:
            condition = condition & piece.condition
    return condition


def scope(actor: Any, action: str, model: type) -> Any:
    """The condition every list of ``model`` must use for this actor and action.

    (OR of the plugins' allows) AND (AND of their restricts); no allow means no
    rows, and a plugin that raises makes the whole scope empty (fail closed).
    """
    return _condition(_pieces(actor, action, model))


def in_scope(query: Prepared, actor: Any, action: str, model: type, *, where: Any = None,
             name: str = "") -> tuple[Prepared, dict[str, Any]]:
    """The prepared ``query`` restricted to the actor's scope (and to ``where``), and the values to call it with.

    When every piece of the scope names its params (``Scope(..., params=...)``), the statement is
    rendered once per kind of scope — the plugins, reasons and param names of its pieces — and
    ``name`` (one per distinct ``where``), and only the values change from call to call; otherwise it
    is rendered for this call alone, as any scoped query is. ``where`` may use ``Param``s: the caller
    adds their values::

        found, values = in_scope(students, actor, "progress.read", Student, where=Student.id == Param("pk"),
                                 name="by id")
        rows = found(pk=7, **values)
    """
    pieces = _pieces(actor, action, model)

    def build() -> Any:
        condition = _condition(pieces)
        return query.build().where(condition if where is None else condition & where)

    values: dict[str, Any] = {}
    preparable = pieces is not None
    for _, piece in pieces or ():
        if piece.params is None:
            preparable = False
        for param in piece.params or ():
            if values.setdefault(param.name, param.value) != param.value:
                raise ValueError(f"two policy scopes name the param {param.name!r} with different values")
    if not preparable:
        return Prepared(build), values
    kind = (name, model, action, tuple((plugin, p.reason, p.restricting, tuple(x.name for x in p.params))
                                       for plugin, p in pieces))
    return query.variant(kind, build), values


def get_or_deny(actor: Any, action: str, model: type, pk: Any, *, query: Any = None) -> Any:
    """Fetch one object through the actor's scope: 404 if it does not exist, 403 if out of scope.

    ``query``: the select to fetch it with (default: the model's); a ``@prepared`` one is rendered
    once per kind of scope when the scope allows (``Scope`` params). Both outcomes are audited; a
    found object is not (the caller audits what it reads).
    """
    if isinstance(query, Prepared):
        found, values = in_scope(query, actor, action, model, where=model._meta.primary_key == Param("policy_pk"),
                                 name="get_or_deny")
        obj = found.first(policy_pk=pk, **values)
    else:
        base = query if query is not None else model.select()
        obj = base.where((model._meta.primary_key == pk) & scope(actor, action, model)).first()
    if obj is not None:
        return obj
    exists = model.select(model._meta.primary_key).where(model._meta.primary_key == pk).exists()
    audit.record(action, model.__name__.lower(), pk, result="denied" if exists else "not_found")
    abort(403 if exists else 404)
