"""Hook implementations of the age_policy plugin."""

from core.api import hookimpl
from plugins.age_policy.schemas import Settings


@hookimpl
def config_schema():
    return Settings


@hookimpl
def plugin_requires():
    return ["registries"]
