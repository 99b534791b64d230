"""docs/plugin-api.md lists every export of core.api, and core.api exports only what plugins use."""

import re
from pathlib import Path

import core.api

ROOT = Path(__file__).resolve().parents[2]


def test_every_facade_export_is_documented():
    text = (ROOT / "docs" / "plugin-api.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`([A-Za-z_]+)[(`.]", text))
    assert sorted(set(core.api.__all__) - documented) == []


def test_every_facade_export_is_used_by_a_plugin_or_names_a_hook_type():
    # in hook signatures (docs/plugin-hooks.md), and the one reader of the actor_relations hook
    hook_types = {"Actor", "Demo", "DemoLogin", "Migration", "Relation", "relations"}
    sources = "\n".join(p.read_text(encoding="utf-8") for base in ("plugins", "examples")
                        for p in (ROOT / base).rglob("*.py"))
    unused = [name for name in core.api.__all__
              if name not in hook_types and not re.search(rf"\b{re.escape(name)}\b", sources.replace("core.api", ""))]
    assert unused == []
