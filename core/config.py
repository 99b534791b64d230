"""Region config: one TOML file → validated settings, each plugin's section by its own schema."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

CORE_SECTION = "eschool"
WEAK_SECRET_MIN_LENGTH = 32


class ConfigError(Exception):
    """A region config that cannot be used; the message is one line for the operator."""


@dataclass(frozen=True)
class SecretValue:
    """A resolved secret; ``repr`` never shows the value, so it cannot leak into logs."""

    value: str = field(repr=False)
    source: str = ""

    def __str__(self) -> str:
        return self.value


class SecretRef(fields.Field):
    """A secret given by reference: ``{ env = "NAME" }`` or ``{ file = "/path" }``.

    A plain string is refused, so secrets never sit in a region file. The
    reference is resolved at start-up; a missing variable or file is an error
    unless the field is optional (``required=False``), in which case it is
    ``None``.
    """

    default_error_messages = {
        "plain": "secrets must be references like {{ env = \"NAME\" }} or {{ file = \"/path\" }}, not values",
        "missing_env": "environment variable {name} is not set",
        "missing_file": "secret file {name} cannot be read",
    }

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, Mapping) or len(value) != 1 or not ({"env", "file"} & set(value)):
            raise self.make_error("plain")
        if "env" in value:
            name = str(value["env"])
            secret = os.environ.get(name)
            if secret is None:
                raise self.make_error("missing_env", name=name)
            return SecretValue(secret, f"env:{name}")
        path = Path(str(value["file"]))
        try:
            return SecretValue(path.read_text(encoding="utf-8").strip(), f"file:{path}")
        except OSError:
            raise self.make_error("missing_file", name=path) from None


class CoreSettings(Schema):
    """The ``[eschool]`` section: what every region sets."""

    class Meta:
        unknown = RAISE

    region_name = fields.String(load_default=None, allow_none=True)  # shown as «Регион» when unset
    region_code = fields.String(load_default="00")
    plugins = fields.List(fields.String(), required=True)
    production = fields.Boolean(load_default=False)
    database_url = fields.String(load_default=None, allow_none=True)
    db_pool_size = fields.Integer(load_default=8, validate=validate.Range(min=1, max=500))
    # Seconds a request waits for a write lock (SQLite busy timeout and write gate, PostgreSQL lock_timeout)
    # before it is answered «попробуйте ещё раз» (503); far longer than any one write transaction.
    db_lock_timeout = fields.Float(load_default=30.0, validate=validate.Range(min=0.01, max=600))
    # API requests per minute (``core.ratelimit``), shared by every worker through the database; 0 switches off.
    # An address may be a school's or a mobile operator's NAT, so its limit is the wider one.
    api_rate_per_token = fields.Integer(load_default=120, validate=validate.Range(min=0, max=100_000))
    api_rate_per_address = fields.Integer(load_default=600, validate=validate.Range(min=0, max=1_000_000))
    secret_key = SecretRef(load_default=None, allow_none=True)
    session_hours = fields.Integer(load_default=12, validate=validate.Range(min=1, max=24 * 30))
    language = fields.String(load_default="ru")
    translations = fields.String(load_default=None, allow_none=True)
    timezone = fields.String(load_default="Europe/Moscow")
    instance_path = fields.String(load_default=None, allow_none=True)
    log_format = fields.String(load_default="text", validate=validate.OneOf(["text", "json"]))
    trusted_proxies = fields.Integer(load_default=0, validate=validate.Range(min=0, max=5))
    # Who runs long work (``core.jobs``): a thread of the web process (the embedded demo), or only
    # ``eschool jobs worker`` processes (a production server; several may run, on PostgreSQL too).
    jobs_runner = fields.String(load_default="thread", validate=validate.OneOf(["thread", "worker"]))


@dataclass
class RegionConfig:
    """The loaded region file: where it came from, the core settings and raw plugin sections."""

    source: str
    core: dict[str, Any]
    sections: dict[str, Any]
    plugin_settings: dict[str, dict[str, Any]] = field(default_factory=dict)


def read_toml(path: str | os.PathLike) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{path}: region config file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def load_region(config: str | os.PathLike | Mapping[str, Any] | None) -> RegionConfig:
    """Read and validate the core section; plugin sections are validated after loading plugins."""
    if config is None:
        config = os.environ.get("ESCHOOL_CONFIG")
        if not config:
            raise ConfigError("no region config: pass --config FILE or set ESCHOOL_CONFIG")
    if isinstance(config, Mapping):
        source, raw = "<config>", dict(config)
    else:
        source, raw = str(config), read_toml(config)
    if CORE_SECTION not in raw:
        raise ConfigError(f"{source}: missing section [{CORE_SECTION}] with the list of plugins")
    sections = {k: v for k, v in raw.items() if k != CORE_SECTION}
    core = validate_section(CoreSettings, raw[CORE_SECTION], source, CORE_SECTION)
    if os.environ.get("DATABASE_URL"):
        core["database_url"] = os.environ["DATABASE_URL"]
    if os.environ.get("SECRET_KEY"):
        core["secret_key"] = SecretValue(os.environ["SECRET_KEY"], "env:SECRET_KEY")
    return RegionConfig(source, core, sections)


def validate_section(schema_cls: type[Schema], data: Any, source: str, section: str) -> dict[str, Any]:
    """Validate one section; an error names the file, section, key and reason in one line."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"{source}: [{section}] must be a table")
    try:
        return schema_cls().load(dict(data))
    except ValidationError as exc:
        raise ConfigError(f"{source}: [{section}] {format_errors(exc.messages)}") from None


def format_errors(messages: Any, prefix: str = "") -> str:
    """Flatten marshmallow's nested messages into ``key: reason; key: reason``."""
    parts = []
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            parts.append(format_errors(value, name))
    elif isinstance(messages, list):
        reasons = [m if isinstance(m, str) else format_errors(m, prefix) for m in messages]
        parts.append(f"{prefix}: {' '.join(reasons)}" if prefix else " ".join(reasons))
    else:
        parts.append(f"{prefix}: {messages}" if prefix else str(messages))
    return "; ".join(parts)


def check_secret_key(core: dict[str, Any]) -> None:
    """Production refuses to start with a missing or weak secret key."""
    if not core["production"]:
        return
    key = core.get("secret_key")
    if key is None:
        raise ConfigError("production mode needs SECRET_KEY (environment) or [eschool] secret_key reference")
    value = str(key)
    if len(value) < WEAK_SECRET_MIN_LENGTH or len(set(value)) < 10:
        raise ConfigError(
            f"SECRET_KEY is too weak for production: use at least {WEAK_SECRET_MIN_LENGTH} random characters"
        )
