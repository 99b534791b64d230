"""Render docs/plugin-hooks.md from the hookspec docstrings, so the reference never drifts.

    python tools/hookdocs.py > docs/plugin-hooks.md

``tests/core/test_hook_docs.py`` fails when the file differs from what this prints.
"""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core import hookspecs  # noqa: E402

GROUPS = [
    ("Wiring", ["plugin_requires", "config_schema", "models", "migrations", "blueprints", "template_dirs",
                "cli_commands", "nav_items", "services", "app_ready", "health_checks", "job_kinds",
                "demo_data"]),
    ("Authentication", ["login_methods", "resolve_identity", "login_rules", "logout_url", "form_action_sources"]),
    ("Registries", ["actor_relations"]),
    ("Data-access policy", ["permission", "policy_scope"]),
    ("Audit", ["audit_vocabulary", "audit_names", "audit_about"]),
    ("Events", ["change_recorded"]),
]

INTRO = """# Plugin hook reference

Generated from `core/hookspecs.py` by `python tools/hookdocs.py > docs/plugin-hooks.md`; a test fails when
this file and the docstrings differ. Implement a hook with `@hookimpl` from `core.api`:

```python
from core.api import hookimpl, LoginMethod, _

@hookimpl
def login_methods():
    return [LoginMethod("my_provider", _("Войти через мой сервис"), url="/my/start")]
```

An implementation may accept fewer arguments than the spec names (pluggy passes only those it asks for).
Ordering: results never depend on the order plugins were registered, except where a hook says so; a plugin
that must run early or late says `@hookimpl(tryfirst=True)` / `trylast=True`.
"""


def render() -> str:
    out = [INTRO]
    listed = [name for _, names in GROUPS for name in names]
    specs = {n for n, f in inspect.getmembers(hookspecs, inspect.isfunction) if hasattr(f, "eschool_spec")}
    missing = specs - set(listed)
    if missing:
        raise SystemExit(f"hooks not placed in a group: {sorted(missing)}")
    for title, names in GROUPS:
        out.append(f"## {title}\n")
        for name in names:
            fn = getattr(hookspecs, name)
            signature = str(inspect.signature(fn)).replace("'", "")
            flags = " (firstresult)" if fn.eschool_spec.get("firstresult") else ""
            out.append(f"### `{name}`\n\n`{name}{signature}`{flags}\n\n{inspect.getdoc(fn)}\n")
    return "\n".join(out)


if __name__ == "__main__":
    sys.stdout.write(render())
