"""A separate worker process for the throttle test: its own app on the shared database.

Run as ``python -m tests.auth_local.throttle_worker CONFIG_JSON START_AT LOGIN ATTEMPTS IP``;
it waits until ``START_AT`` (a Unix time) so two workers guess at the same time,
posts wrong passwords, and prints the status codes it got as JSON.
"""

from __future__ import annotations

import json
import sys
import time

from core import create_app
from tests.age_policy.support import fake_esia


def main(config_json: str, start_at: str, login: str, attempts: str, ip: str) -> None:
    app = create_app(json.loads(config_json), plugins={"fake_esia": fake_esia})
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ip  # tells the two workers' attempts apart in the table
    time.sleep(max(0.0, float(start_at) - time.time()))
    codes = [
        client.post("/local/login", data={"login": login, "password": f"guess-{i}"}).status_code
        for i in range(int(attempts))
    ]
    print(json.dumps(codes))


if __name__ == "__main__":
    main(*sys.argv[1:])
