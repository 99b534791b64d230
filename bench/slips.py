"""Benchmark: login slips for a class of 30, beside the bare cost of 30 argon2id hashes, in one run.

    .venv/bin/python bench/slips.py                 # a class of 30, the region's default argon2 cost
    .venv/bin/python bench/slips.py --students 60   # another class size
    .venv/bin/python bench/slips.py --repeat 3      # best of three

The argon2 cost is the policy's (``[auth_local]`` defaults: 64 MiB, t=2, p=1), so it is the floor: the class's
slips cannot be cheaper than hashing its passwords. Printed, each measured in this process on the same machine:

* ``30 hashes, one after another`` — ``PasswordHasher.hash`` 30 times in a loop (what one thread must pay);
* ``30 hashes on the pool`` — the same on ``credentials.hash_many``'s thread pool (argon2-cffi releases the GIL);
* ``class slips, whole job`` — the admin's POST to ``/local/classes/<id>/issue`` until its job is done: reading
  the class and the age rules, the logins, the hashes, one write transaction, the audit records and the
  rendered slips page, on a fresh SQLite file (``core.testing``'s app factory; the environment's database
  settings are ignored).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each measurement; the best is printed")
    args = parser.parse_args()

    from core import jobs
    from core.testing.harness import AppFactory, open_test_session
    from plugins.auth_local import credentials, passwords
    from tests.age_policy.support import School

    with tempfile.TemporaryDirectory(prefix="eschool-bench-slips-") as folder:
        factory = AppFactory(Path(folder), ["registries", "auth_local"], None)
        app = factory()
        school = School(app)
        today = dt.date(2026, 11, 25)
        best: dict[str, float] = {}

        def keep(name: str, seconds: float) -> None:
            best[name] = min(best.get(name, seconds), seconds)

        admin = app.test_client()
        open_test_session(admin, school.admin())
        for run in range(args.repeat):
            klass = school.school_class(5, chr(ord("А") + run))
            for i in range(args.students):
                school.student(today.replace(year=2015), klass, last=f"Ученик{run}-{i}", first="Пётр")
            with app.test_request_context():
                plain = [passwords.temporary_password() for _ in range(args.students)]
                hasher = passwords.hasher()
                memory, time_cost, parallelism = passwords.hasher_parameters()
                started = time.perf_counter()
                for password in plain:
                    hasher.hash(password)
                keep("hashes, one after another", time.perf_counter() - started)
                started = time.perf_counter()
                credentials.hash_many(plain)
                keep("hashes on the pool", time.perf_counter() - started)
            started = time.perf_counter()
            answer = admin.post(f"/local/classes/{klass.id}/issue", data={"mode": "new"})
            job_id = int(re.search(r"/jobs/(\d+)", answer.headers["Location"]).group(1))
            jobs.join(job_id)
            keep("class slips, whole job", time.perf_counter() - started)
            with app.app_context():
                job = jobs.Job.get_by_id(job_id)
                assert job.state == "done", job.error
        factory.close()
    print(f"argon2id m={memory} KiB t={time_cost} p={parallelism}, {os.cpu_count()} CPU(s), "
          f"{args.students} students, best of {args.repeat}")
    floor = best["hashes, one after another"]
    for name, seconds in best.items():
        print(f"  {args.students} {name:<28} {seconds * 1000:8.0f} ms   {seconds / floor:5.2f}× the bare hashes"
              if name.startswith("hashes") else
              f"  {name:<31} {seconds * 1000:8.0f} ms   {seconds / floor:5.2f}× the bare hashes")


if __name__ == "__main__":
    main()
