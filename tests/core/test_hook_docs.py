"""Meta-tests: every hook is documented in its docstring and in docs/, and has a test."""

import ast
import inspect
import re
from pathlib import Path

import pytest

from core import hookspecs

ROOT = Path(__file__).resolve().parents[2]
PARTS = ("Called by:", "Arguments:", "Returns:", "Combined:")
HOOKS = sorted(
    name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
    if hasattr(fn, "eschool_spec")
)


def test_there_are_hooks_for_wiring_authentication_registries_and_policy():
    for required in ("blueprints", "config_schema", "migrations", "login_methods", "resolve_identity",
                     "login_rules", "actor_relations", "permission", "policy_scope"):
        assert required in HOOKS


@pytest.mark.parametrize("name", HOOKS)
def test_hookspec_docstring_has_every_part(name):
    doc = inspect.getdoc(getattr(hookspecs, name)) or ""
    missing = [part for part in PARTS if part not in doc]
    assert not missing, f"hook {name} docstring lacks {missing}"


def test_firstresult_hooks_say_so():
    for name in HOOKS:
        opts = getattr(hookspecs, name).eschool_spec
        if opts.get("firstresult"):
            assert "first non-``None`` result wins" in inspect.getdoc(getattr(hookspecs, name)), name


@pytest.mark.parametrize("name", HOOKS)
def test_every_hook_has_a_section_in_docs(name):
    text = (ROOT / "docs" / "plugin-hooks.md").read_text(encoding="utf-8")
    assert re.search(rf"^### `{name}`", text, re.M), f"docs/plugin-hooks.md has no section for {name}"


def _covered_hooks():
    covered = set()
    for path in (ROOT / "tests").rglob("test_*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "covers_hook"
                    and node.args and isinstance(node.args[0], ast.Constant)):
                covered.add(node.args[0].value)
    return covered


@pytest.mark.parametrize("name", HOOKS)
def test_every_hook_has_a_test(name):
    assert name in _covered_hooks(), f"no test is marked @pytest.mark.covers_hook({name!r})"


def test_docs_reference_is_generated_from_the_docstrings():
    import runpy

    render = runpy.run_path(str(ROOT / "tools" / "hookdocs.py"), run_name="hookdocs")["render"]
    assert (ROOT / "docs" / "plugin-hooks.md").read_text(encoding="utf-8") == render(), (
        "docs/plugin-hooks.md is stale: run python tools/hookdocs.py > docs/plugin-hooks.md")
