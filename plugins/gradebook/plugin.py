"""Hook implementations of the gradebook plugin."""

from core.api import hookimpl
from plugins.gradebook.schemas import Settings


@hookimpl
def config_schema():
    return Settings


@hookimpl
def plugin_requires():
    return ["registries"]
