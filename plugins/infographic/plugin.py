"""Hook implementations of the infographic plugin."""

from core.api import hookimpl
from plugins.infographic.schemas import Settings


@hookimpl
def config_schema():
    return Settings


@hookimpl
def plugin_requires():
    return []
