"""Profile the hot pages in-process (Flask test client): SQL statements per request and cProfile's top entries.

    .venv/bin/python bench/profile_pages.py --folder /tmp/data --students 10000   # builds once, then reuses
    .venv/bin/python bench/profile_pages.py --folder /tmp/data --requests 200 --top 25

The data set is the one of ``bench/gradebook_load.py`` (its ``build``), kept in
``--folder`` (``bench-data.json`` says what was built), so several runs (before and
after a change) profile the same rows. Prints, per page, the statements one
request runs (each distinct SQL once, with its count) and the profile's top
entries by cumulative and by own time. No figure here is a pass/fail target.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import datetime as dt
import json
import pstats
import random
import sys
import time
from pathlib import Path

import flask.templating

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def prepare(folder: Path, students: int, database_url: str | None, on: dt.date, families: int = 50):
    """The load bench's data (``gradebook_data.build``) in ``folder``, built once; sessions logged in anew."""
    import gradebook_data
    import gradebook_load

    from core import create_app

    folder.mkdir(parents=True, exist_ok=True)
    config, _secret = gradebook_load.write_config(folder, database_url)
    app = create_app(str(config))
    saved = folder / "bench-data.json"
    with app.app_context():
        if not saved.exists():
            app.extensions["eschool"].upgrade_db()
            info = gradebook_data.build(app, students, on=on, log=lambda m: print(m, flush=True))
            saved.write_text(json.dumps(info, default=str))
            print(f"built in {info['seconds']} s", flush=True)
        info = json.loads(saved.read_text(), object_hook=gradebook_load._dates)
        sink = gradebook_data.Sink(app.extensions["eschool_db"])
        sink.start_ids(["user_session", "api_token"])
        parents = info["parents"][:families]
        teachers = list({t["user"]: t for t in info["teachers"]}.values())[:50]
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        with app.extensions["eschool_db"].atomic():
            family = gradebook_load.log_in(app, sink, [p["user"] for p in parents], seen=now, tokens=True)
            staff = gradebook_load.log_in(app, sink, [t["user"] for t in teachers], seen=now)
    school = {s["id"]: s for s in info["schools"]}
    logins = {
        "parents": [(c, t, p["student"], school[p["school"]]["period"])
                    for (c, _), t, p in zip(family["cookies"], family["tokens"], parents, strict=True)],
        "teachers": [(c, t["assignment"], t["period"]) for (c, _), t in zip(staff["cookies"], teachers, strict=True)],
        "on": info["on"],
    }
    return app, logins


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folder", required=True, type=Path)
    parser.add_argument("--students", type=int, default=10_000)
    parser.add_argument("--database-url")
    parser.add_argument("--date", type=dt.date.fromisoformat, default=dt.date.today(),
                        help="the data's today (as in bench/gradebook_load.py); only used when building")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--width", type=int, default=160, help="characters of each SQL statement shown")
    parser.add_argument("--only", help="profile one page (a name from the list printed)")
    parser.add_argument("--callers", action="append", default=[],
                        help="also print who calls the functions matching this pattern (repeatable)")
    parser.add_argument("--callees", action="append", default=[],
                        help="also print what the functions matching this pattern call (repeatable)")
    parser.add_argument("--families", type=int, default=50,
                        help="families logged in and drawn from (many: the database's cache is as cold as in the load)")
    args = parser.parse_args(argv)
    app, logins = prepare(args.folder, args.students, args.database_url, args.date, args.families)


    rnd = random.Random(3)
    cookie = app.config["SESSION_COOKIE_NAME"]
    parents = logins["parents"]
    teachers = logins["teachers"]
    db = app.extensions["eschool_db"]
    school_day = str(logins["on"])  # the data's "today", a school day

    def parent_get(path):
        c, t, sid, period = rnd.choice(parents)
        return "GET", path.format(sid=sid, period=period), {"Cookie": f"{cookie}={c}"}, None

    def api_get(path):
        c, t, sid, period = rnd.choice(parents)
        return "GET", path.format(sid=sid, period=period), {"Authorization": f"Bearer {t}"}, None

    def journal_get():
        c, aid, period = rnd.choice(teachers)
        return "GET", f"/journal/{aid}?period={period}", {"Cookie": f"{cookie}={c}"}, None

    pages = {
        "progress": lambda: parent_get("/progress/{sid}?period={period}"),
        "api progress": lambda: api_get("/api/v1/students/{sid}/progress?period={period}"),
        "api diary": lambda: api_get("/api/v1/students/{sid}/diary?week=" + school_day),
        "week diary": lambda: parent_get("/progress/{sid}/diary?week=" + school_day),
        "report card": lambda: parent_get("/progress/{sid}/report-card"),
        "journal": journal_get,
    }
    statements: list[str] = []
    spent: dict[str, float] = collections.defaultdict(float)
    original = type(db).execute_sql

    def counting(self, sql, params=None, *a, **kw):
        statements.append(sql)
        t0 = time.perf_counter()
        try:
            return original(self, sql, params, *a, **kw)
        finally:
            spent[sql] += time.perf_counter() - t0

    client = app.test_client(use_cookies=False)
    app.config["WTF_CSRF_ENABLED"] = False
    for name, make in pages.items():
        if args.only and name != args.only:
            continue
        method, path, headers, data = make()
        type(db).execute_sql = counting
        for _ in range(3):  # the last of three runs: caches warm
            statements.clear()
            spent.clear()
            answer = client.open(path, method=method, headers=headers, data=data)
        type(db).execute_sql = original
        print(f"\n=== {name}: {path} -> {answer.status_code}, {len(statements)} statements per request")
        for sql, n in collections.Counter(statements).items():
            print(f"  {n}× {spent[sql] * 1000:6.2f} ms  {sql[:args.width]}")
        calls = [make() for _ in range(args.requests)]
        rendering = [0.0]
        real_render = flask.templating._render

        def timed_render(*a, real_render=real_render, rendering=rendering, **kw):
            t0 = time.perf_counter()
            try:
                return real_render(*a, **kw)
            finally:
                rendering[0] += time.perf_counter() - t0

        flask.templating._render = timed_render
        started = time.perf_counter()
        for method, path, headers, data in calls:
            client.open(path, method=method, headers=headers, data=data)
        wall = time.perf_counter() - started
        flask.templating._render = real_render
        print(f"--- {args.requests} requests in {wall:.2f} s without a profiler: {wall / args.requests * 1000:.2f} ms "
              f"each, of which {rendering[0] / args.requests * 1000:.2f} ms rendering templates")
        profile = cProfile.Profile()
        started = time.perf_counter()
        profile.enable()
        for method, path, headers, data in calls:
            client.open(path, method=method, headers=headers, data=data)
        profile.disable()
        wall = time.perf_counter() - started
        stats = pstats.Stats(profile)
        print(f"--- {args.requests} requests in {wall:.2f} s under cProfile: "
              f"{wall / args.requests * 1000:.1f} ms each, "
              f"{stats.total_calls / args.requests:,.0f} Python function calls each")
        stats.sort_stats("cumulative").print_stats(args.top)
        stats.sort_stats("tottime").print_stats(args.top)
        for pattern in args.callers:
            stats.print_callers(pattern)
        for pattern in args.callees:
            stats.print_callees(pattern)
    return 0


if __name__ == "__main__":
    sys.exit(main())
