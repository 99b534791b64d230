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


def _region_chosen() -> bool:
    return bool(os.environ.get("ESCHOOL_CONFIG"))


def _installed_commands() -> dict[str, click.Command]:
    """The core's commands and those of every installed plugin, found without a region (for ``--help``)."""
    from core.commands import CORE_COMMANDS
    from core.plugins import installed_plugins, make_manager

    commands = {command.name: command for command in CORE_COMMANDS}
    pm = make_manager(sorted(installed_plugins()))
    for group in pm.hook.cli_commands():
        for command in group or []:
            commands.setdefault(command.name, command)
    return commands


class EschoolGroup(FlaskGroup):
    """Turns configuration and plugin errors into one line and a non-zero exit, no traceback.

    Without a region (no ``--config``, no ``ESCHOOL_CONFIG``) there is no app to ask for its commands, so the
    help lists the core's and every installed plugin's commands; running one without a region says how to choose one.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        if _region_chosen():
            return super().list_commands(ctx)
        return sorted(set(self.commands) | set(_installed_commands()))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if _region_chosen() or name in self.commands or ctx.resilient_parsing:
            return super().get_command(ctx, name)
        return _installed_commands().get(name)

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
    help="eschool: the regional electronic school platform.\n\n"
         "Choose the region with --config FILE (e.g. regions/demo.toml) or ESCHOOL_CONFIG=FILE; "
         "its plugins decide which commands work.",
)
# Flask's own --app and --env-file would load some other application; the region file is the one way in.
cli.params = [p for p in cli.params if p.name not in ("app", "env_file")]


def main() -> None:
    cli.main(prog_name="eschool")
