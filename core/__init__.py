"""eschool core: the app factory. The core knows plugins, regions, identities, users,
permissions, audit and pages — nothing about schools."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pluggy
from flask import Flask, send_from_directory
from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect
from jinja2 import ChoiceLoader, FileSystemLoader
from werkzeug.middleware.proxy_fix import ProxyFix

from core import access_log, auth, db, inputs, logs, ratelimit, web
from core.config import ConfigError, RegionConfig, check_secret_key, load_region, validate_section
from core.i18n import install_template_gettext
from core.plugins import CORE_PLUGIN, PluginError, dependency_order, make_manager, per_plugin

__all__ = ["create_app", "ConfigError", "PluginError"]

csrf = CSRFProtect()


@dataclass
class Platform:
    """What ``app.extensions["eschool"]`` holds: the plugin manager and the validated region."""

    pm: pluggy.PluginManager
    region: RegionConfig
    services: dict[str, Any] = field(default_factory=dict)

    @property
    def core_settings(self) -> dict[str, Any]:
        return self.region.core

    @property
    def plugin_settings(self) -> dict[str, dict[str, Any]]:
        return self.region.plugin_settings

    def migrations_by_plugin(self):
        found = per_plugin(self.pm, "migrations")
        return [(name, found.get(name) or []) for name in dependency_order(self.pm)]

    def upgrade_db(self, echo=None) -> list[str]:
        return db.upgrade(db.database, self.migrations_by_plugin(), echo=echo)


def create_app(
    config: str | os.PathLike | Mapping[str, Any] | None = None,
    *,
    plugins: Mapping[str, Any] | None = None,
) -> Flask:
    """Build an app for one region.

    ``config`` is a TOML path, an already parsed mapping, or None (then
    ``ESCHOOL_CONFIG``). ``plugins`` maps names to plugin objects that are not
    installed packages (tests); they are used only if the config names them.
    """
    region = load_region(config)
    check_secret_key(region.core)
    pm = make_manager(region.core["plugins"], plugins)
    validate_plugin_sections(pm, region)

    instance = (
        region.core["instance_path"] or os.environ.get("ESCHOOL_INSTANCE") or os.path.join(os.getcwd(), "instance")
    )
    app = Flask(__name__, instance_path=os.path.abspath(instance), instance_relative_config=True)
    app.request_class = inputs.EschoolRequest
    app.url_map.converters["int"] = inputs.DatabaseIntConverter  # before any route is added
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    configure_flask(app, region)
    platform = Platform(pm, region)
    app.extensions["eschool"] = platform

    url = region.core["database_url"] or db.sqlite_url_for(os.path.join(app.instance_path, "eschool.sqlite3"))
    db.init_app(app, url, region.core["db_pool_size"], region.core["db_lock_timeout"])
    ratelimit.init_app(app)  # before the login guard: a flood of bad tokens is stopped before any lookup
    logs.init_app(app, region.core["log_format"])
    auth.init_app(app)
    csrf.init_app(app)
    Babel(app, locale_selector=lambda: region.core["language"], timezone_selector=lambda: region.core["timezone"])
    install_template_gettext(app)
    web.init_app(app)
    wire_plugins(app, platform)
    app.extensions["eschool_audit_vocabulary"] = access_log.collect_vocabulary(pm)
    pm.hook.app_ready(app=app)
    return app


def validate_plugin_sections(pm: pluggy.PluginManager, region: RegionConfig) -> None:
    schemas = per_plugin(pm, "config_schema")
    enabled = set(n for n, _ in pm.list_name_plugin())
    for section in region.sections:
        if section not in enabled:
            raise ConfigError(f"{region.source}: section [{section}] belongs to no enabled plugin")
    for name, schema in schemas.items():
        if schema is None:
            if name in region.sections:
                raise ConfigError(f"{region.source}: plugin '{name}' takes no settings, remove [{name}]")
            continue
        region.plugin_settings[name] = validate_section(schema, region.sections.get(name, {}), region.source, name)


def configure_flask(app: Flask, region: RegionConfig) -> None:
    core = region.core
    key = core["secret_key"]
    if key is None:
        key_file = Path(app.instance_path) / "secret_key"
        if not key_file.exists():
            key_file.write_text(secrets.token_urlsafe(48))
            key_file.chmod(0o600)
        key = key_file.read_text().strip()
    production = core["production"]
    app.config.update(
        SECRET_KEY=str(key),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=production,
        SESSION_COOKIE_NAME="eschool_session",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=production,
        MAX_CONTENT_LENGTH=20 * 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None,
        BABEL_DEFAULT_LOCALE=core["language"],
        # msgids are the Russian texts; a region adds a catalog folder to translate or reword them
        BABEL_TRANSLATION_DIRECTORIES=";".join(
            p for p in (core["translations"], os.path.join(os.path.dirname(__file__), "translations")) if p
        ),
        BABEL_DEFAULT_TIMEZONE=core["timezone"],
        ESCHOOL_PRODUCTION=production,
    )
    if core["trusted_proxies"]:
        n = core["trusted_proxies"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    if production:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)


def serve_static_folder(app: Flask, name: str, plugin: Any) -> None:
    """A plugin's ``static/`` folder (next to its plugin module) at ``/static/<plugin>/``, one scheme for all.

    Templates link to it as ``url_for("<plugin>.static", filename="<file>")``; the core's own files stay at
    ``/static/<file>`` (``url_for("static", ...)``).
    """
    module_file = getattr(plugin, "__file__", None)
    if name == CORE_PLUGIN or module_file is None:
        return
    folder = Path(module_file).resolve().parent / "static"
    if not folder.is_dir():
        return

    def send(filename: str):
        return send_from_directory(folder, filename, max_age=app.get_send_file_max_age(filename))

    send.__name__ = f"{name}_static"
    app.add_url_rule(f"/static/{name}/<path:filename>", endpoint=f"{name}.static", view_func=send)


def wire_plugins(app: Flask, platform: Platform) -> None:
    from core.commands import CORE_COMMANDS

    pm = platform.pm
    for command in CORE_COMMANDS:
        app.cli.add_command(command)
    # pluggy calls the last registered plugin first; the region's list decides instead (hookspec)
    extra_dirs = [d for dirs in per_plugin(pm, "template_dirs").values() for d in (dirs or [])]
    if extra_dirs:
        app.jinja_loader = ChoiceLoader([FileSystemLoader(extra_dirs), app.jinja_loader])
    for group in reversed(pm.hook.blueprints()):
        for blueprint in group or []:
            app.register_blueprint(blueprint)
    for name, plugin in pm.list_name_plugin():
        serve_static_folder(app, name, plugin)
    for group in pm.hook.cli_commands():
        for command in group or []:
            if command.name in app.cli.commands:
                raise PluginError(f"two plugins add the command 'eschool {command.name}'")
            app.cli.add_command(command)
    for group in pm.hook.services():
        for name, service in (group or {}).items():
            if name in platform.services:
                raise PluginError(f"two plugins register the service '{name}'")
            platform.services[name] = service
