"""The ``eschool`` command: a Flask CLI group bound to ``create_app``."""

from __future__ import annotations

import os
import sys

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from core import create_app
from core.config import ConfigError
from core.plugins import PluginError, enabled_names, installed_plugins, plugin_version


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


@cli.command("plugins")
@with_appcontext
def plugins_command():
    """List installed plugins and whether this region enables them."""
    enabled = set(enabled_names(current_app.extensions["eschool"].pm))
    installed = installed_plugins()
    for name in sorted(set(installed) | enabled):
        version = plugin_version(installed[name]) if name in installed else "(not installed)"
        state = "enabled" if name in enabled else "disabled"
        click.echo(f"{name:<16} {version:<12} {state}")


@cli.group("db")
def db_group():
    """Database schema commands."""


@db_group.command("upgrade")
@with_appcontext
def db_upgrade():
    """Apply every enabled plugin's pending migrations (a second run does nothing)."""
    applied = current_app.extensions["eschool"].upgrade_db(echo=click.echo)
    click.echo(f"{len(applied)} migration(s) applied" if applied else "database is up to date")


@db_group.command("status")
@with_appcontext
def db_status():
    """Show pending migrations per plugin."""
    from core.db import database, pending_migrations

    with database.connection_context():
        pending = list(pending_migrations(database, current_app.extensions["eschool"].migrations_by_plugin()))
    for plugin, step in pending:
        click.echo(f"pending {plugin}:{step.name}")
    click.echo(f"{len(pending)} pending")


def main() -> None:
    cli.main(prog_name="eschool")
