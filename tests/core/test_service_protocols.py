"""Services are typed: each implements its Protocol of core.services, and no plugin reaches another's tables.

The AST scan follows what ``service("registries")`` returns (directly, through a local name, or through a
one-line helper such as ``def reg(): return service("registries")``) and allows only the members of
``RegistriesService``; the table classes of the registries plugin are named by no other plugin.
"""

import ast
import dataclasses
import inspect
import re
from pathlib import Path

import pytest

import core.services
from core.api import service
from core.services import PROTOCOLS, RegistriesService

ROOT = Path(__file__).resolve().parents[2]
REGISTRY_TABLES = ("Municipality", "School", "Staff", "SchoolClass", "Student", "EnrolmentEvent", "Parent",
                   "ParentLink", "Consent")


def members(protocol: type) -> set[str]:
    return {name for name, value in vars(protocol).items() if callable(value) and not name.startswith("_")}


def _is_service_call(node: ast.AST, name: str, helpers: set[str]) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    if isinstance(func, ast.Name) and func.id == "service":
        return bool(node.args) and isinstance(node.args[0], ast.Constant) and node.args[0].value == name
    return isinstance(func, ast.Name) and func.id in helpers and not node.args


def service_uses(source: str, name: str) -> list[tuple[int, str]]:
    """(line, attribute) of every attribute read on what ``service(name)`` returns, in one module."""
    tree = ast.parse(source)
    helpers = {f.name for f in ast.walk(tree) if isinstance(f, ast.FunctionDef) and len(f.body) == 1
               and isinstance(f.body[0], ast.Return) and _is_service_call(f.body[0].value, name, set())}
    bound = {t.id for node in ast.walk(tree) if isinstance(node, (ast.Assign, ast.AnnAssign))
             and node.value is not None and _is_service_call(node.value, name, helpers)
             for t in (node.targets if isinstance(node, ast.Assign) else [node.target]) if isinstance(t, ast.Name)}
    uses = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        value = node.value
        if _is_service_call(value, name, helpers) or (isinstance(value, ast.Name) and value.id in bound):
            uses.append((node.lineno, node.attr))
    return uses


def other_plugins_sources():
    for path in sorted((ROOT / "plugins").rglob("*.py")):
        if "registries" not in path.relative_to(ROOT / "plugins").parts[:1]:
            yield path, path.read_text(encoding="utf-8")


def test_no_plugin_outside_registries_reaches_past_its_protocol():
    allowed = members(RegistriesService)
    offences = [f"{path.relative_to(ROOT)}:{line}: .{attr}" for path, source in other_plugins_sources()
                for line, attr in service_uses(source, "registries") if attr not in allowed]
    assert offences == []


def test_no_plugin_outside_registries_names_a_registries_table():
    pattern = re.compile(r"\.(" + "|".join(REGISTRY_TABLES) + r")\b")
    offences = [f"{path.relative_to(ROOT)}:{n}: {line.strip()}" for path, source in other_plugins_sources()
                for n, line in enumerate(source.splitlines(), 1)
                if pattern.search(line) and not line.lstrip().startswith("#")]
    assert offences == []


def test_the_scan_sees_every_way_of_reaching_the_service():
    source = '''
def reg():
    return service("registries")

def a():
    x = service("registries")
    return x.Student, reg().School, service("registries").person_of, service("gradebook").Lesson
'''
    assert sorted(attr for _line, attr in service_uses(source, "registries")) == ["School", "Student", "person_of"]


@pytest.mark.parametrize("name", sorted(PROTOCOLS))
def test_every_service_implements_its_protocol(app, name):
    protocol = PROTOCOLS[name]
    with app.app_context():
        offered = service(name)
    assert offered is not None, f"no plugin offers service {name!r}"
    assert isinstance(offered, protocol)
    for member in sorted(members(protocol)):
        wanted = inspect.signature(getattr(protocol, member))
        got = inspect.signature(getattr(type(offered), member))
        assert list(got.parameters) == list(wanted.parameters), f"{name}.{member}: {got} is not {wanted}"
        for param, spec in wanted.parameters.items():
            assert got.parameters[param].kind == spec.kind, f"{name}.{member}({param})"
            assert got.parameters[param].default == spec.default, f"{name}.{member}({param}) default"


def test_the_registries_service_hands_out_values_not_rows(app):
    with app.app_context():
        registries = service("registries")
        assert isinstance(registries, RegistriesService)
        assert not [attr for attr in dir(registries) if attr in REGISTRY_TABLES]
        assert registries.students([]) == {} and registries.schools([]) == {}
    for kind in ("SchoolInfo", "ClassInfo", "StaffInfo", "StudentInfo", "ParentInfo", "PersonInfo"):
        value_type = getattr(core.services, kind)
        assert dataclasses.is_dataclass(value_type) and value_type.__dataclass_params__.frozen
