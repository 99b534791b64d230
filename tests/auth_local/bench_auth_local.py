"""Benchmark: login and bulk-issue cost with the PRODUCTION hashing defaults (not part of the suite).

Run: ``.venv/bin/python -m tests.auth_local.bench_auth_local``. Prints medians for a good login, a wrong
password, an unknown login, and the time to issue logins for a class of 30.
"""

from __future__ import annotations

import statistics
import tempfile
import time

from core import create_app
from tests.age_policy.support import PLUGINS, School, fake_esia, region_today, years_ago
from tests.support import registry_tables


def timed(fn, runs):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    folder = tempfile.mkdtemp()
    app = create_app({
        "eschool": {"plugins": PLUGINS, "database_url": f"sqlite:///{folder}/b.sqlite3", "instance_path": folder},
        "auth_local": {"account_max_failures": 100, "ip_max_failures": 10000},
    }, plugins={"fake_esia": fake_esia})
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    with app.app_context():
        app.extensions["eschool"].upgrade_db()
    school = School(app)
    school_class = school.school_class()
    born = years_ago(region_today(app), 10)
    for i in range(30):
        school.student(born, school_class, last=f"Ученик{i}")
    from core.api import User
    from plugins.auth_local import credentials

    with app.test_request_context():
        students = list(registry_tables().Student.select().where(
            registry_tables().Student.school_class == school_class.id))
        start = time.perf_counter()
        slips = credentials.issue_for_students(students, None, reissue=False)
        issue_ms = (time.perf_counter() - start) * 1000
        login, password = credentials.issue_for_user(User.create(display_name="Бенч", role="teacher"), "bench1", None)
        from plugins.auth_local.models import LocalCredential

        LocalCredential.update(is_temporary=False).where(LocalCredential.login == login).execute()
    client = app.test_client()

    def good():
        client.post("/local/login", data={"login": login, "password": password})
        client.post("/logout")

    wrong = timed(lambda: client.post("/local/login", data={"login": login, "password": "nope"}), 20)
    unknown = timed(lambda: client.post("/local/login", data={"login": "nobody", "password": "nope"}), 20)
    print(f"argon2id m=65536 KiB t=2 p=1 (production defaults), SQLite, {len(slips)} students")
    print(f"issue logins for a class of 30: {issue_ms:.0f} ms")
    print(f"good login + logout, median of 20: {timed(good, 20):.1f} ms")
    print(f"wrong password, median of 20: {wrong:.1f} ms")
    print(f"unknown login, median of 20: {unknown:.1f} ms")


if __name__ == "__main__":
    main()
