"""Hook implementations of the auth_esia plugin."""

from core.api import hookimpl
from plugins.auth_esia.schemas import Settings


@hookimpl
def config_schema():
    return Settings


@hookimpl
def plugin_requires():
    return ["registries"]
