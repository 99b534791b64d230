"""A separate worker process for the throttle test: its own app on the shared database.

Run as ``python -m tests.auth_local.throttle_worker CONFIG_JSON LOGINS ATTEMPTS IP``, where
LOGINS is comma-separated. It builds its app, prints ``ready`` and waits for a line on stdin,
so the test can start all workers at the same moment however long each took to start; then,
login after login, it posts ATTEMPTS wrong passwords, and prints the status codes it got for
each login as a JSON list of lists. Every login is one burst that the workers contend for.
"""

from __future__ import annotations

import json
import sys

from core import create_app
from tests.age_policy.support import fake_esia


def main(config_json: str, logins: str, attempts: str, ip: str) -> None:
    app = create_app(json.loads(config_json), plugins={"fake_esia": fake_esia})
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ip  # tells the two workers' attempts apart in the table
    client.get("/local/login")  # warm up: first-request work must not delay the first guess
    print("ready", flush=True)
    sys.stdin.readline()
    codes = [
        [client.post("/local/login", data={"login": login, "password": f"guess-{i}"}).status_code
         for i in range(int(attempts))]
        for login in logins.split(",")
    ]
    print(json.dumps(codes), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
