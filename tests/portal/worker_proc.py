"""A separate worker process for the crash tests: ``python -m tests.portal.worker_proc CONFIG_JSON CYCLES WORKER_ID``.

Builds its own app on the test's database and runs the portal worker for CYCLES cycles; a restart
with the same WORKER_ID takes back the rows the killed worker held (as a systemd unit restarted does).
With ``ESCHOOL_PORTAL_KILL_AT`` set, the worker ends the process itself at that point.
"""

from __future__ import annotations

import json
import sys

from core import create_app
from plugins.portal.worker import Worker


def main(config_json: str, cycles: str, worker_id: str) -> None:
    app = create_app(json.loads(config_json))
    worker = Worker(app, worker_id=worker_id)
    for _ in range(int(cycles)):
        worker.run_cycle()
    print("done", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
