"""Hook implementations of the auth_local plugin."""

from core.api import hookimpl
from plugins.auth_local.schemas import Settings


@hookimpl
def config_schema():
    return Settings


@hookimpl
def plugin_requires():
    return ["registries"]
