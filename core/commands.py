"""The core's own commands, added to every app's ``eschool`` command line."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from core.plugins import enabled_names, installed_plugins, plugin_version


@click.command("plugins")
@with_appcontext
def plugins_command():
    """List installed plugins and whether this region enables them."""
    enabled = set(enabled_names(current_app.extensions["eschool"].pm))
    installed = installed_plugins()
    for name in sorted(set(installed) | enabled):
        version = plugin_version(installed[name]) if name in installed else "(not installed)"
        state = "enabled" if name in enabled else "disabled"
        click.echo(f"{name:<16} {version:<12} {state}")


@click.group("db")
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




@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False))
@with_appcontext
def backup_command(target):
    """Write a consistent backup of the database to TARGET (safe while serving)."""
    from core.backup import BackupError, backup

    try:
        path = backup(current_app.extensions["eschool_db"], target)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"backup written to {path}")


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(source, yes):
    """Replace the database's contents with the backup in SOURCE."""
    from core.backup import BackupError, restore

    if not yes:
        click.confirm("This replaces every record in the database. Continue?", abort=True)
    try:
        restore(current_app.extensions["eschool_db"], source)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"restored from {source}")


CORE_COMMANDS = [plugins_command, db_group, backup_command, restore_command]
