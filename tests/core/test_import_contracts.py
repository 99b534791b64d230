"""The walls of .importlinter hold in the repo, and a crossing of each wall breaks `lint-imports`."""

import configparser
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "eschool-auth-demo" / "eschool_auth_demo"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def contracts() -> configparser.ConfigParser:
    parser = configparser.ConfigParser()
    parser.read(REPO / ".importlinter", encoding="utf-8")
    return parser


def names(section: str, key: str) -> set[str]:
    return set(contracts()[f"importlinter:contract:{section}"][key].split())


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", str(root / ".importlinter")], cwd=root, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def copy_of_the_code(tmp_path):
    """The core, the built-in plugins and the example package as plain source, to break on purpose."""
    ignore = shutil.ignore_patterns("__pycache__", "templates", "static", "translations")
    shutil.copytree(REPO / "core", tmp_path / "core", ignore=ignore)
    shutil.copytree(REPO / "plugins", tmp_path / "plugins", ignore=ignore)
    shutil.copytree(EXAMPLE, tmp_path / "eschool_auth_demo", ignore=ignore)
    shutil.copy(REPO / ".importlinter", tmp_path / ".importlinter")
    return tmp_path


def test_the_contracts_are_kept_by_the_code_in_the_repo():
    run = lint_imports(REPO)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "3 kept, 0 broken" in run.stdout


def test_every_plugin_is_walled_off_from_the_others():
    plugins = {f"plugins.{p.name}" for p in (REPO / "plugins").iterdir() if (p / "__init__.py").exists()}
    assert plugins | {"eschool_auth_demo"} == names("plugins-independent", "modules")


def test_every_core_module_but_the_facade_is_closed_to_plugins():
    modules = {f"core.{p.stem}" for p in (REPO / "core").glob("*.py") if p.stem != "__init__"}
    packages = {f"core.{p.name}" for p in (REPO / "core").iterdir() if (p / "__init__.py").exists()}
    forbidden = names("plugins-use-the-facade", "forbidden_modules")
    assert "core.api" not in forbidden
    assert modules - {"core.api"} <= forbidden
    assert all(p in forbidden and f"{p}.**" in forbidden for p in packages)
    assert "core" in forbidden


@pytest.mark.parametrize(("module", "line", "broken"), [
    ("plugins/infographic/coupled.py", "from plugins.registries import models\n",
     "Plugins are independent of each other"),
    ("eschool_auth_demo/coupled.py", "import plugins.auth_local.passwords\n",
     "Plugins are independent of each other"),
    ("core/coupled.py", "from plugins.gradebook import queries\n", "The core imports no plugin"),
    ("plugins/gradebook/coupled.py", "from core.models import User\n",
     "Plugins use the core only through core.api"),
    ("plugins/absence_notes/coupled.py", "from core import create_app\n",
     "Plugins use the core only through core.api"),
])
def test_a_deliberate_crossing_breaks_the_contracts(copy_of_the_code, module, line, broken):
    assert lint_imports(copy_of_the_code).returncode == 0
    (copy_of_the_code / module).write_text(line, encoding="utf-8")

    run = lint_imports(copy_of_the_code)

    assert run.returncode != 0
    assert f"{broken} BROKEN" in run.stdout
    assert "1 broken" in run.stdout
    assert module.replace("/", ".").removesuffix(".py") in run.stdout
