"""``eschool esia-emulator``: run the offline ESIA for this region."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from werkzeug.serving import run_simple

# the token and server modules (PyJWT, cryptography) load when the command runs, not on every `eschool --help`
ALGORITHMS = ("RS256", "GOST3410_2012_256")  # plugins.auth_esia.tokens.RS256 and .GOST


@click.command("esia-emulator")
@click.option("--persons", "persons", metavar="FILE", default=None,
              help="Test persons (TOML or JSON). Default: [auth_esia] emulator_persons, else the demo file.")
@click.option("--host", default=None, help="Address to listen on (default: from [auth_esia] base_url).")
@click.option("--port", type=int, default=None, help="Port (default: from [auth_esia] base_url, 5001).")
@click.option("--jwt-alg", type=click.Choice(ALGORITHMS), default=ALGORITHMS[0],
              help="How the emulator signs its tokens (a per-system setting at the real ESIA).")
@click.option("--redirect-uri", "redirect_uris", multiple=True, metavar="URL",
              help="Allowed redirect URI prefix of the system (repeatable). Default: http://127.0.0.1:5000/.")
@click.option("--approved-scopes", metavar="SCOPES", default=None,
              help="Scopes the system is approved for, space-separated (others get ESIA-007019). "
                   "Default: what [auth_esia] asks for.")
@click.option("--init-keys", is_flag=True, help="Only make the demo client key and the emulator keys, then exit.")
@with_appcontext
def esia_emulator(persons, host, port, jwt_alg, redirect_uris, approved_scopes, init_keys):
    """Run an offline ESIA (Gosuslugi login) that speaks the real protocol, for the demo and tests."""
    from plugins.auth_esia.emulator.persons import PersonsError
    from plugins.auth_esia.emulator.server import emulator_address, emulator_for_region

    app = current_app._get_current_object()
    try:
        emulator = emulator_for_region(app, persons, jwt_alg, list(redirect_uris) or None, approved_scopes)
    except PersonsError as exc:
        raise click.ClickException(str(exc)) from None
    if init_keys:
        click.echo("keys ready: demo client certificate "
                   + next(iter(emulator.clients.values())).certificate.hash_hex)
        return
    default_host, default_port = emulator_address(app)
    host, port = host or default_host, port or default_port
    from plugins.auth_esia.emulator.app import create_emulator_app

    click.echo(f"ESIA emulator on http://{host}:{port}/ — {len(emulator.persons)} test persons, "
               f"issuer {emulator.issuer}, client {', '.join(emulator.clients)}")
    # Not app.run(): Flask ignores it inside a `flask`/`eschool` CLI command (FLASK_RUN_FROM_CLI).
    run_simple(host, port, create_emulator_app(emulator), threaded=True)
