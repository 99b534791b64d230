"""The command line as a newcomer meets it: help without a region, and `make run ESIA_PORT=…`."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

from core import create_app

ROOT = Path(__file__).resolve().parents[2]
ESCHOOL = str(Path(sys.executable).parent / "eschool")


def eschool(*args, cwd):
    environment = {k: v for k, v in os.environ.items() if k != "ESCHOOL_CONFIG"}
    return subprocess.run([ESCHOOL, *args], capture_output=True, text=True, env=environment, cwd=cwd, timeout=120)


def demo_region_tool():
    spec = importlib.util.spec_from_file_location("demo_region", ROOT / "tools" / "demo_region.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_help_without_a_region_lists_every_command_and_says_how_to_choose_one(tmp_path):
    result = eschool("--help", cwd=tmp_path)
    with_region = eschool("--config", str(ROOT / "regions" / "demo.toml"), "--help", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr and result.stderr == ""
    commands = lambda out: {line.split()[0] for line in out.split("Commands:")[1].splitlines() if line.strip()}  # noqa: E731
    assert commands(result.stdout) >= {"plugins", "db", "backup", "restore", "demo", "run", "routes", "shell",
                                       "registries", "local-login", "esia-emulator"}
    assert commands(result.stdout) == commands(with_region.stdout)
    assert "--config FILE (e.g. regions/demo.toml) or" in result.stdout
    assert "--app" not in result.stdout and "--env-file" not in result.stdout


def test_a_plugins_command_help_works_without_a_region(tmp_path):
    result = eschool("registries", "--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "add-school" in result.stdout


def test_a_command_without_a_region_says_how_to_choose_one_in_one_line(tmp_path):
    for command in (["db", "upgrade"], ["plugins"], ["run"]):
        result = eschool(*command, cwd=tmp_path)
        assert result.returncode == 2
        assert result.stderr.strip() == "eschool: error: no region config: pass --config FILE or set ESCHOOL_CONFIG"


def test_make_runs_esia_port_reaches_the_apps_config(tmp_path):
    target = tmp_path / "instance" / "demo-region.toml"
    demo_region_tool().main(str(ROOT / "regions" / "demo.toml"), "5201", str(target))

    original = create_app(ROOT / "regions" / "demo.toml")
    moved = create_app(target)

    esia = moved.extensions["eschool"].plugin_settings["auth_esia"]
    assert esia["base_url"] == "http://127.0.0.1:5201"
    settings = lambda app: {k: v for k, v in app.extensions["eschool"].plugin_settings.items()}  # noqa: E731
    assert {**settings(original), "auth_esia": None} == {**settings(moved), "auth_esia": None}
    assert {**settings(original)["auth_esia"], "base_url": None} == {**esia, "base_url": None}


def test_a_region_without_a_base_url_gets_one_and_one_without_esia_is_copied_as_is():
    tool = demo_region_tool()
    text = '[eschool]\nplugins = ["auth_esia"]\n\n[auth_esia]\nstand = "emulator"\n\n[other]\nx = 1\n'
    assert "[auth_esia]\nbase_url = \"http://127.0.0.1:5301\"\nstand" in tool.with_esia_port(text, 5301)
    plain = '[eschool]\nplugins = []\n'
    assert tool.with_esia_port(plain, 5301) == plain
