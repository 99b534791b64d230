"""The ``eschool`` command: a Flask CLI group bound to ``create_app``."""

from __future__ import annotations

import os
import sys

import click
from flask.cli import FlaskGroup

from core import create_app
from core.config import ConfigError
from core.plugins import PluginError


def _set_config(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value:
        os.environ["ESCHOOL_CONFIG"] = value
    return value


def _make_app():
    return create_app()


class EschoolGroup(FlaskGroup):
    """Turns configuration and plugin errors into one line and a non-zero exit, no traceback."""

    def main(self, *args, **kwargs):
        try:
            return super().main(*args, **kwargs)
        except (ConfigError, PluginError) as exc:
            click.echo(f"eschool: error: {exc}", err=True)
            sys.exit(2)


cli = EschoolGroup(
    name="eschool",
    create_app=_make_app,
    load_dotenv=False,
    set_debug_flag=False,
    params=[
        click.Option(
            ["--config", "-c"],
            metavar="FILE",
            expose_value=False,
            is_eager=True,
            callback=_set_config,
            help="Region config (TOML). Defaults to $ESCHOOL_CONFIG.",
        )
    ],
    help="eschool: the regional electronic school platform.",
)


def main() -> None:
    cli.main(prog_name="eschool")
