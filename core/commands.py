"""The core's own commands, added to every app's ``eschool`` command line."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from core.i18n import gettext as _
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


@click.group("jobs")
def jobs_group():
    """Background jobs (long work started from the pages)."""


@jobs_group.command("worker")
@click.option("--once", is_flag=True, help="Run the queued jobs, then stop (no waiting for new ones).")
@click.option("--poll", default=2.0, show_default=True, help="Seconds between looks at an empty queue.")
@click.option("--name", default=None, help="This worker's name in the job table (default: host:pid).")
@with_appcontext
def jobs_worker(once, poll, name):
    """Claim and run queued jobs; run several on PostgreSQL, each job is taken by one of them."""
    import os
    import socket

    from core.jobs import work

    app = current_app._get_current_object()
    ran = work(app, name or f"{socket.gethostname()}:{os.getpid()}", once=once, poll=poll)
    click.echo(f"{ran} job(s) run")


CORE_COMMANDS = [plugins_command, db_group, backup_command, restore_command, jobs_group]


def reset_database(platform) -> None:
    """Drop every table of the enabled plugins (dependents first) and the migration history."""
    import peewee

    from core.db import MigrationRecord, database
    from core.plugins import dependency_order, per_plugin

    models = per_plugin(platform.pm, "models")
    cascade = isinstance(database.obj, peewee.PostgresqlDatabase)
    for name in reversed(dependency_order(platform.pm)):
        tables = list(reversed(models.get(name) or []))
        if tables:
            database.drop_tables(tables, safe=True, cascade=cascade)
    database.drop_tables([MigrationRecord], safe=True)


@click.command("demo")
@click.option("--students", default=600, show_default=True, help="How many students the region has.")
@click.option("--seed", default=2026, show_default=True, help="The same seed gives the same data.")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Pretend today is this day.")
@click.option("--if-empty", is_flag=True, help="Keep an existing demo and only print its logins.")
@click.option("--reset", is_flag=True, help="Drop every table of the enabled plugins first.")
@with_appcontext
def demo_command(students, seed, today, if_empty, reset):
    """Generate a living demo region: schools, people, logins and a journal up to today."""
    import json
    import random
    import sys
    from pathlib import Path

    from core.db import database
    from core.models import User
    from core.plugins import dependency_order
    from core.types import Demo
    from core.web import region_today

    platform = current_app.extensions["eschool"]
    logins_file = Path(current_app.instance_path) / "demo-logins.json"
    with database.connection_context():
        if reset:
            reset_database(platform)
        platform.upgrade_db()
        if User.select().exists():
            if if_empty and logins_file.exists():
                click.echo("The demo region is already there.")
                print_logins(json.loads(logins_file.read_text(encoding="utf-8")))
                return
            raise click.ClickException("the database already has users: use --reset to start again")

        def progress(label, items):
            items = list(items)
            if len(items) < 200:
                yield from items
                return
            with click.progressbar(items, label=label, file=sys.stderr) as bar:
                yield from bar

        demo = Demo(random=random.Random(seed), students=students,
                    today=(today.date() if today else region_today()),
                    instance_path=Path(current_app.instance_path), progress=progress)
        order = {name: i for i, name in enumerate(dependency_order(platform.pm))}
        impls = sorted(platform.pm.hook.demo_data.get_hookimpls(), key=lambda i: order.get(i.plugin_name, 0))
        for impl in impls:
            click.echo(f"demo: {impl.plugin_name}", err=True)
            with database.atomic():
                impl.function(demo=demo)
    logins = [vars(login) for login in demo.logins]
    logins_file.write_text(json.dumps(logins, ensure_ascii=False, indent=1), encoding="utf-8")
    print_logins(logins)


def print_logins(logins: list[dict]) -> None:
    click.echo("\nAccounts to try / " + _("Кого попробовать:"))
    for item in logins:
        secret = f" / {item['password']}" if item.get("password") else ""
        note = f"  ({item['note']})" if item.get("note") else ""
        click.echo(f"  {item['who']:<34} {item['how']:<16} {item['login']}{secret}{note}")


CORE_COMMANDS.append(demo_command)
