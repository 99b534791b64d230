"""Plugin loading: one PluginManager per app, plugins found through one entry-point group."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from importlib import metadata
from typing import Any

import pluggy

from core import hookspecs

ENTRY_POINT_GROUP = "eschool.plugins"
CORE_PLUGIN = "core"

hookimpl = pluggy.HookimplMarker("eschool")


class PluginError(Exception):
    """A plugin cannot be loaded or wired; the message is one line for the operator."""


def installed_plugins() -> dict[str, metadata.EntryPoint]:
    """Every plugin installed in this environment, built-in and third-party alike."""
    return {ep.name: ep for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)}


def plugin_version(ep: metadata.EntryPoint) -> str:
    return ep.dist.version if ep.dist is not None else "?"


def make_manager(names: Iterable[str], extra: Mapping[str, Any] | None = None) -> pluggy.PluginManager:
    """Build a PluginManager holding the core's built-in hooks and exactly the named plugins.

    ``extra`` maps names to plugin objects that are not installed as packages
    (plugins defined inside tests); a name is looked up there first, then in the
    entry-point group. Only named plugins are imported.
    """
    from core import default_hooks

    pm = pluggy.PluginManager("eschool")
    pm.add_hookspecs(hookspecs)
    pm.register(default_hooks, name=CORE_PLUGIN)
    names = list(names)
    if len(set(names)) != len(names):
        raise PluginError(f"a plugin is named twice in the region's plugin list: {names}")
    available = installed_plugins()
    extra = dict(extra or {})
    for name in names:
        if name == CORE_PLUGIN:
            raise PluginError(f"'{CORE_PLUGIN}' is the platform itself, not a plugin to list")
        if name in extra:
            plugin = extra[name]
        elif name in available:
            try:
                plugin = available[name].load()
            except ImportError as exc:
                raise PluginError(f"plugin '{name}' is installed but cannot be imported: {exc}") from None
        else:
            known = ", ".join(sorted(available)) or "none"
            raise PluginError(
                f"plugin '{name}' is not installed (pip install the package that provides it); installed: {known}"
            )
        pm.register(plugin, name=name)
    check_requirements(pm, names)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(f"plugin '{exc.plugin}' implements a hook that does not exist: {exc}") from None
    return pm


def check_requirements(pm: pluggy.PluginManager, names: list[str]) -> None:
    enabled = set(names)
    for plugin_name, required in per_plugin(pm, "plugin_requires").items():
        missing = [r for r in (required or []) if r not in enabled]
        if missing:
            raise PluginError(
                f"plugin '{plugin_name}' needs plugin(s) {', '.join(missing)}: add them to [eschool] plugins"
            )


def per_plugin(pm: pluggy.PluginManager, hook_name: str, **kwargs: Any) -> dict[str, Any]:
    """Call a hook once per implementing plugin and return ``{plugin name: result}``.

    Used for hooks whose result belongs to the plugin that gave it (config
    schema, migrations, requirements), in the order plugins were listed.
    """
    impls = getattr(pm.hook, hook_name).get_hookimpls()
    order = {name: i for i, (name, _) in enumerate(pm.list_name_plugin())}
    results = {}
    for impl in sorted(impls, key=lambda i: order.get(i.plugin_name, 0)):
        results[impl.plugin_name] = impl.function(**{a: kwargs[a] for a in impl.argnames})
    return results


def enabled_names(pm: pluggy.PluginManager) -> list[str]:
    """The region's plugins in the order they were listed (the core's own hooks excluded)."""
    return [name for name, _ in pm.list_name_plugin() if name != CORE_PLUGIN]


def dependency_order(pm: pluggy.PluginManager) -> list[str]:
    """Plugin names with every plugin after the plugins it requires (core first).

    Ties keep the region's order, so the result never depends on anything but
    the config.
    """
    requires = {name: list(reqs or []) for name, reqs in per_plugin(pm, "plugin_requires").items()}
    ordered: list[str] = [CORE_PLUGIN]

    def visit(name: str, trail: tuple[str, ...]) -> None:
        if name in ordered:
            return
        if name in trail:
            raise PluginError(f"plugins require each other in a circle: {' -> '.join(trail + (name,))}")
        for req in requires.get(name, []):
            visit(req, trail + (name,))
        ordered.append(name)

    for name in enabled_names(pm):
        visit(name, ())
    return ordered
