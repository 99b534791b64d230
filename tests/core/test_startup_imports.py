"""`eschool --help` lists every command without loading what only a command's run needs (counted, not timed)."""

import subprocess
import sys

HEAVY = ("jwt", "pywebpush", "plugins.auth_esia.emulator.server", "plugins.notifications.worker")


def test_help_loads_none_of_the_heavy_modules(tmp_path):
    probe = ("import sys; sys.argv = ['eschool', '--help']\n"
             "from core.cli import main\n"
             "try:\n    main()\nexcept SystemExit:\n    pass\n"
             f"print([m for m in {HEAVY!r} if m in sys.modules])")
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "esia-emulator" in run.stdout and "notifications" in run.stdout
    assert run.stdout.strip().splitlines()[-1] == "[]"


def test_the_web_app_of_the_demo_region_loads_no_sender_of_the_workers(tmp_path):
    """Push (pywebpush, aiohttp) is sent by the notifications worker: a web worker's start does not load it."""
    from tests.core.test_cli_newcomer import ROOT

    probe = ("import sys\n"
             "from core import create_app\n"
             f"app = create_app({str(ROOT / 'regions' / 'demo.toml')!r})\n"
             "assert 'notifications' in app.extensions['eschool'].pm.list_name_plugin().__repr__()\n"
             "print([m for m in ('pywebpush', 'aiohttp') if m in sys.modules])")
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().splitlines()[-1] == "[]"
