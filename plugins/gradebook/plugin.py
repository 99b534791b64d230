"""Hook implementations of the gradebook plugin."""

from __future__ import annotations

from core.api import hookimpl, migrations_from_package
from plugins.gradebook import policy
from plugins.gradebook.models import GRADEBOOK_MODELS
from plugins.gradebook.schemas import Settings


@hookimpl
def config_schema():
    return Settings


@hookimpl
def plugin_requires():
    return ["registries"]


@hookimpl
def models():
    return GRADEBOOK_MODELS


@hookimpl
def migrations():
    return migrations_from_package("plugins.gradebook.migrations")


@hookimpl
def policy_scope(actor, action, model):
    return policy.scope(actor, action, model)


@hookimpl
def permission(actor, action, resource):
    return policy.decide(actor, action, resource)
