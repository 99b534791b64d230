"""The `eschool` command, run as a newcomer would: a real process with a region file."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ESCHOOL = str(Path(sys.executable).parent / "eschool")
DEMO = ROOT / "regions" / "demo.toml"
BUILTIN = ["registries", "auth_local", "auth_esia", "age_policy", "gradebook", "infographic", "absence_notes",
           "portal", "notifications"]


def run(*args, tmp_path, env=None):
    environment = {k: v for k, v in os.environ.items() if k != "ESCHOOL_CONFIG"}
    environment.update({"ESCHOOL_INSTANCE": str(tmp_path / "instance"),
                        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}", **(env or {})})
    return subprocess.run([ESCHOOL, *args], capture_output=True, text=True, env=environment, cwd=tmp_path, timeout=120)


def without(*plugins, tmp_path):
    """The demo region with ``plugins`` switched off and their config sections removed."""
    text = DEMO.read_text(encoding="utf-8")
    names = ", ".join(f'"{p}"' for p in BUILTIN if p not in plugins)
    lines = []
    skip = False
    for line in text.splitlines():
        if line.startswith("["):
            skip = any(line.strip() == f"[{p}]" or line.startswith(f"[{p}.") for p in plugins)
        if not skip:
            lines.append(f"plugins = [{names}]" if line.startswith("plugins =") else line)
    path = tmp_path / f"no-{'-'.join(plugins)}.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_plugins_lists_every_builtin_plugin_as_enabled(tmp_path):
    result = run("--config", str(DEMO), "plugins", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: line.split()[-1] for line in result.stdout.splitlines()}
    assert all(rows[name] == "enabled" for name in BUILTIN)
    assert rows.get("auth_demo") == "disabled"


def test_region_without_gradebook_loses_exactly_the_routes_of_it_and_of_the_plugin_built_on_it(tmp_path):
    full = run("--config", str(DEMO), "routes", tmp_path=tmp_path)
    dependent = ("gradebook", "absence_notes", "portal", "notifications")
    reduced = run("--config", str(without(*dependent, tmp_path=tmp_path)), "routes", tmp_path=tmp_path)
    assert full.returncode == 0 and reduced.returncode == 0, full.stderr + reduced.stderr
    endpoints = lambda out: {line.split()[0] for line in out.splitlines()[2:] if line.strip()}  # noqa: E731
    gone = endpoints(full.stdout) - endpoints(reduced.stdout)
    assert {e.split(".")[0] for e in gone} >= set(dependent), gone
    assert all(e.startswith(dependent) for e in gone), gone
    assert endpoints(reduced.stdout) <= endpoints(full.stdout)
    # switching off only gradebook leaves absence_notes without what it needs: start-up says so in one line
    broken = run("--config", str(without("gradebook", tmp_path=tmp_path)), "routes", tmp_path=tmp_path)
    assert broken.returncode != 0 and "gradebook" in broken.stderr and "Traceback" not in broken.stderr


@pytest.mark.parametrize("content,expected", [
    ('[eschool]\nplugins = ["registries", "attendance_sms"]\n', "plugin 'attendance_sms' is not installed"),
    ('[eschool]\nplugins = ["registries"]\n[registries]\nnonsense = 1\n', "[registries] nonsense: Unknown field."),
    ('[eschool]\nplugins = ["registries"]\ndb_pool_size = "lots"\n', "[eschool] db_pool_size: Not a valid integer."),
    ('[eschool\nplugins=', "not valid TOML"),
])
def test_a_bad_region_file_exits_non_zero_with_one_line_and_no_traceback(tmp_path, content, expected):
    path = tmp_path / "bad.toml"
    path.write_text(content, encoding="utf-8")
    result = run("--config", str(path), "plugins", tmp_path=tmp_path)
    assert result.returncode != 0
    assert expected in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_db_upgrade_applies_migrations_and_a_second_run_does_nothing(tmp_path):
    first = run("--config", str(DEMO), "db", "upgrade", tmp_path=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "applied core:m0001_initial" in first.stdout
    second = run("--config", str(DEMO), "db", "upgrade", tmp_path=tmp_path)
    assert second.returncode == 0 and "database is up to date" in second.stdout


def test_config_from_the_environment_variable(tmp_path):
    result = run("plugins", tmp_path=tmp_path, env={"ESCHOOL_CONFIG": str(DEMO)})
    assert result.returncode == 0 and "registries" in result.stdout
