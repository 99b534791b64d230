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
