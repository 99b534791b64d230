"""Load benchmark of the gradebook: eschool's family and teacher pages beside a hand-written floor and a bare endpoint.

    .venv/bin/python bench/gradebook_load.py                        # 10,000 students, 3 rounds
    .venv/bin/python bench/gradebook_load.py --students 500 --rounds 2 --seconds 3   # quick
    .venv/bin/python bench/gradebook_load.py --database-url postgresql://.../empty_db
    .venv/bin/python bench/gradebook_load.py --students 100000 --generate-only      # time the data build

Builds its own region in a temporary work folder with its own database
(``--workdir`` / ``--database-url`` only when given; ``DATABASE_URL``,
``ESCHOOL_CONFIG``, ``ESCHOOL_INSTANCE`` and ``SECRET_KEY`` from the environment
are ignored): see ``bench/gradebook_data.py`` for the data. Logs in thousands
of families (a server-side session and an API token each) and every teacher,
then serves three apps with the same ``gunicorn -w 4 --threads 2`` settings:
the bare endpoint and the floor (``bench/floor_app.py``) and eschool itself
(``core:create_app()``). The load comes from ``wrk`` with a Lua script
(``bench/wrk_requests.lua``): each request from a randomly chosen session
(warm: seen within the minute) or, for the cold variants, a session never used
before and last seen a day ago (the first visit writes ``last_seen_at``).

Rounds are interleaved — bare, floor, every eschool endpoint, then again —
``--rounds`` times, ``--seconds`` each, with the load average printed per
round; the table gives the median over rounds per endpoint: requests/s, p50
and p95, each eschool endpoint's requests/s and p95 as a ratio to the floor
and to the bare endpoint, the server's CPU per request (``/proc`` of the
gunicorn master and workers), the client's (``wrk``'s rusage), SQL statements
per request and peak RSS per worker (counted in the workers by
``bench/gunicorn_conf.py``), also written as JSON with ``--json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

IGNORED_ENV = ("DATABASE_URL", "ESCHOOL_CONFIG", "ESCHOOL_INSTANCE", "SECRET_KEY")
PLUGINS = ["registries", "gradebook"]
TICK = os.sysconf("SC_CLK_TCK")
CELLS = 30

# name, server, session pool, mode, expected status
ENDPOINTS = (
    ("bare Flask endpoint", "bare", None, "random", 200),
    ("floor: hand-written progress", "floor", "parents", "random", 200),
    ("floor, cold session", "floor", "parents-cold", "once", 200),
    ("parent progress page", "eschool", "parents", "random", 200),
    ("parent progress page, cold", "eschool", "parents-cold", "once", 200),
    ("API progress (bearer)", "eschool", "tokens", "random", 200),
    ("API diary (bearer)", "eschool", "tokens", "random", 200),
    ("week diary page", "eschool", "parents", "random", 200),
    ("report card page", "eschool", "parents", "random", 200),
    ("teacher journal page", "eschool", "teachers", "random", 200),
    ("teacher journal page, cold", "eschool", "teachers-cold", "once", 200),
    ("journal save, 30 cells", "eschool", "teachers", "random", 302),
)


# --- setting up -------------------------------------------------------------------------------------


def find_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        print(f"load client: {found} (found on PATH)")
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("load client: wrk is missing; installing the Debian package with apt-get")
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True)
        found = shutil.which("wrk")
        if found:
            return found
    sys.exit("wrk is needed (Debian package `wrk`: apt-get install wrk); it was not found on PATH")


def write_config(folder: Path, database_url: str | None) -> tuple[Path, Path]:
    secret = folder / "secret_key"
    if not secret.exists():
        secret.write_text(secrets.token_urlsafe(48))
    url = database_url or f"sqlite:///{folder / 'eschool.sqlite3'}"
    config = folder / "region.toml"
    config.write_text(
        "[eschool]\n"
        'region_name = "Нагрузочный регион"\n'
        f"plugins = {json.dumps(PLUGINS)}\n"
        f"database_url = {json.dumps(url)}\n"
        f"instance_path = {json.dumps(str(folder / 'instance'))}\n"
        f"secret_key = {{ file = {json.dumps(str(secret))} }}\n"
        'log_format = "text"\n'
        # the API's rate limit stays on (its counting is part of an API request's cost), set above what one
        # address can send here, so no request of the load is refused
        "api_rate_per_token = 100000\n"
        "api_rate_per_address = 1000000\n"
    )
    return config, secret


def tables_in(database) -> list[str]:
    return database.get_tables()


def sign_sessions(app, tokens: list[str]) -> list[tuple[str, str]]:
    """Flask session cookies holding each server-side session token (and a CSRF token for forms)."""
    from itsdangerous import URLSafeTimedSerializer

    serializer = app.session_interface.get_signing_serializer(app)
    forms = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token")
    out = []
    for token in tokens:
        data = {"_user_id": token, "_fresh": True, "csrf_token": hashlib.sha1(os.urandom(32)).hexdigest()}
        out.append((serializer.dumps(data), forms.dumps(data["csrf_token"])))
    return out


def log_in(app, sink, users: list[int], *, seen: dt.datetime, tokens: bool = False) -> dict:
    """Real sessions (and API tokens) for ``users``, written as eschool's ``open_session`` would; ids and cookies.

    Each cookie holds a CSRF token, as a browser's does from the login form on: without one every page would
    make a token and send a new cookie, which a browser keeps but wrk does not.
    """
    from core.models import ApiToken, UserSession

    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    plain = [secrets.token_urlsafe(32) for _ in users]
    first = sink.ids["user_session"] + 1
    rows = [(sink.next_id("user_session"), hashlib.sha256(t.encode()).hexdigest(), uid, "bench", sink.t(seen),
             sink.t(now + dt.timedelta(days=2)), sink.t(seen), "127.0.0.1", "bench", "{}")
            for t, uid in zip(plain, users, strict=True)]
    sink.write(UserSession, ["id", "token_hash", "user_id", "provider", "created_at", "expires_at", "last_seen_at",
                             "ip", "user_agent", "provider_data"], rows)
    out = {"sessions": (first, sink.ids["user_session"]), "cookies": sign_sessions(app, plain)}
    if tokens:
        api = ["esk_" + secrets.token_urlsafe(32) for _ in users]
        first_token = sink.ids["api_token"] + 1
        sink.write(ApiToken, ["id", "user_id", "name", "token_hash", "created_at", "last_used_at"],
                   [(sink.next_id("api_token"), uid, "bench", hashlib.sha256(t.encode()).hexdigest(), sink.t(seen),
                     sink.t(seen)) for t, uid in zip(api, users, strict=True)])
        out["tokens"] = api
        out["token_ids"] = (first_token, sink.ids["api_token"])
    sink.sequences()
    return out


# --- serving and measuring --------------------------------------------------------------------------


def free_port(preferred: int | None) -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", preferred or 0))
        return s.getsockname()[1]


def serve(target: str, env: dict, args, port: int, counts: Path):
    counts.mkdir(parents=True, exist_ok=True)
    base_env = {k: v for k, v in os.environ.items() if k not in IGNORED_ENV}
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", str(BENCH / "gunicorn_conf.py"),
         "-w", str(args.workers), "--threads", str(args.threads), "-b", f"127.0.0.1:{port}",
         "--chdir", str(ROOT), "--log-level", "warning", target],
        env={**base_env, **env, "BENCH_COUNT_DIR": str(counts)}, stdout=subprocess.DEVNULL,
        stderr=open(counts / "stderr.log", "wb"), start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            if process.poll() is not None:
                raise RuntimeError((counts / "stderr.log").read_text()) from None
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not start: {target}")


def family(master: int) -> list[int]:
    """The gunicorn master and its workers (children by the parent pid in /proc/<pid>/stat)."""
    found = [master]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == master:
                found.append(int(entry.name))
    return found


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICK


def peak_rss_mb(pids: list[int]) -> float:
    peaks = []
    for pid in pids[1:]:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return max(peaks) if peaks else 0.0


def counted(folder: Path) -> tuple[int, int]:
    """(SQL statements, requests) summed over the workers' count files."""
    statements = served = 0
    for path in folder.iterdir():
        if path.name.isdigit():
            data = path.read_bytes()
            if len(data) == 16:
                a, b = int.from_bytes(data[:8], "little"), int.from_bytes(data[8:], "little")
                statements, served = statements + a, served + b
    return statements, served


def run_wrk(wrk: str, base: str, lines_file: Path, mode: str, expected: int, args, seconds: float) -> dict:
    threads = args.client_threads
    cmd = [wrk, "-t", str(threads), "-c", str(args.connections), "-d", f"{seconds}s", "--timeout", "30s",
           "-s", str(BENCH / "wrk_requests.lua"), base, "--", str(lines_file), mode, str(expected), str(threads)]
    process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = process.communicate()
    usage = process.returncode
    line = next((x for x in out.splitlines() if x.startswith("BENCH ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no result ({usage}): {out}\n{err}")
    result = json.loads(line[6:])
    return result


def wrk_cpu_and_run(wrk, base, lines_file, mode, expected, args, seconds) -> tuple[dict, float]:
    before = os.times()
    result = run_wrk(wrk, base, lines_file, mode, expected, args, seconds)
    after = os.times()
    client = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return result, client


def write_lines(path: Path, lines: list[tuple[str, str, str, str]]) -> Path:
    path.write_text("".join(f"{m}\t{p}\t{h}\t{b}\n" for m, p, h, b in lines))
    return path


# --- the run ------------------------------------------------------------------------------------------


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=10_000)
    parser.add_argument("--date", type=dt.date.fromisoformat, default=dt.date.today(),
                        help="the day in the school year the data reaches (default today)")
    parser.add_argument("--years", type=int, default=3, help="academic years, the earlier ones archived")
    parser.add_argument("--families", type=int, default=3000, help="families logged in for the warm rounds")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5, help="length of one endpoint's turn in a round")
    parser.add_argument("--connections", type=int, default=4, help="concurrent connections of wrk")
    parser.add_argument("--client-threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--port-base", type=int, help="serve on PORT, PORT+1, PORT+2 (default: free ports)")
    parser.add_argument("--database-url", help="an EMPTY PostgreSQL database instead of the work folder's SQLite")
    parser.add_argument("--workdir", help="work folder (default: a new temporary one, removed afterwards)")
    parser.add_argument("--reuse", action="store_true", help="reuse the data already built in --workdir")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--generate-only", action="store_true", help="build the data, print its size and time")
    parser.add_argument("--json", help="write the results here")
    parser.add_argument("--hold", type=float, default=0,
                        help="keep the servers up this many seconds after the run (for an independent wrk)")
    parser.add_argument("--only", help="comma-separated endpoint numbers (1-based) to measure")
    args = parser.parse_args(argv)

    for name in IGNORED_ENV:
        if os.environ.pop(name, None) is not None:
            print(f"ignoring {name} from the environment (the bench uses its own database and config)")
    wrk = None if args.generate_only else find_wrk()
    folder = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="eschool-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    config, secret = write_config(folder, args.database_url)
    info_file = folder / "bench-data.json"

    from core import create_app

    app = create_app(str(config))
    db = app.extensions["eschool_db"]
    sys.path.insert(0, str(BENCH))
    import gradebook_data

    with app.app_context():
        existing = tables_in(db)
        if args.reuse and info_file.exists():
            info = json.loads(info_file.read_text(), object_hook=_dates)
            print(f"reusing the data built in {folder}: " + ", ".join(f"{k} {v:,}" for k, v in info["counts"].items()))
        else:
            if existing:
                sys.exit(f"refusing to write: the database already has {len(existing)} tables "
                         "(give an empty database, or --workdir DIR --reuse for data this bench built)")
            app.extensions["eschool"].upgrade_db()
            print(f"building {args.students:,} students, {args.years} school years up to {args.date} in {folder} "
                  f"({'PostgreSQL' if args.database_url else 'SQLite'}) ...", flush=True)
            info = gradebook_data.build(app, args.students, on=args.date, years=args.years,
                                        log=lambda m: print(m, flush=True))
            info_file.write_text(json.dumps(info, default=str))
        counts = info["counts"]
        print(f"data built in {info['seconds']} s (indexes rebuilt in {info['index_seconds']} s): "
              + ", ".join(f"{k} {v:,}" for k, v in counts.items()), flush=True)
        if args.generate_only:
            _cleanup(args, folder)
            return 0
        sink = gradebook_data.Sink(db)
        sink.start_ids(["user_session", "api_token"])
        rnd = random.Random(2)
        on = info["on"]
        parents = list(info["parents"])
        rnd.shuffle(parents)
        warm_parents = parents[:min(args.families, max(1, len(parents) // 3))]
        cold_parents = parents[len(warm_parents):] or parents
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        with db.atomic():
            warm = log_in(app, sink, [p["user"] for p in warm_parents], seen=now, tokens=True)
        teachers = {}
        for t in info["teachers"]:
            teachers.setdefault(t["user"], t)  # one journal per teacher
        teachers = list(teachers.values())
        rnd.shuffle(teachers)
        teachers = teachers[:max(args.families, 1)]
        _journal_lessons(teachers, on)
        teachers = [t for t in teachers if len(t["lessons"]) >= 2 and len(t["students"]) >= CELLS // 2]
        with db.atomic():
            staff = log_in(app, sink, [t["user"] for t in teachers], seen=now)
    db.close()
    print(f"logged in: {len(warm_parents):,} families (a session and an API token each), "
          f"{len(teachers):,} teachers; cold sessions are made after the warm-up", flush=True)

    school = {s["id"]: s for s in info["schools"]}
    cookie = app.config["SESSION_COOKIE_NAME"]

    def parent_lines(kind: str, cookies, people) -> list:
        out = []
        for (value, _), p in zip(cookies, people, strict=False):
            sid, here = p["student"], school[p["school"]]
            header = f"Cookie: {cookie}={value}"
            path = {"progress": f"/progress/{sid}?period={here['period']}",
                    "diary": f"/progress/{sid}/diary?week={on}",
                    "report": f"/progress/{sid}/report-card?year={here['year']}"}[kind]
            out.append(("GET", path, header, ""))
        return out

    def token_lines(kind: str) -> list:
        out = []
        for token, p in zip(warm["tokens"], warm_parents, strict=True):
            sid, here = p["student"], school[p["school"]]
            path = {"progress": f"/api/v1/students/{sid}/progress?period={here['period']}",
                    "diary": f"/api/v1/students/{sid}/diary?week={on}"}[kind]
            out.append(("GET", path, f"Authorization: Bearer {token}", ""))
        return out

    def teacher_lines(cookies, people, save: bool) -> list:
        out = []
        for (value, form), t in zip(cookies, people, strict=False):
            path = f"/journal/{t['assignment']}?period={t['period']}"
            if not save:
                out.append(("GET", path, f"Cookie: {cookie}={value}", ""))
                continue
            cells = [f"c-{lesson}-{student}=@" for lesson in t["lessons"][:2] for student in t["students"][:15]]
            body = f"csrf_token={form}&" + "&".join(cells[:CELLS])
            out.append(("POST", path, f"Cookie: {cookie}={value}|Content-Type: application/x-www-form-urlencoded",
                        body))
        return out

    files = folder / "requests"
    files.mkdir(exist_ok=True)
    line_files = {
        0: write_lines(files / "bare.txt", [("GET", "/", "", "")]),
        1: write_lines(files / "floor.txt", parent_lines("progress", warm["cookies"], warm_parents)),
        3: write_lines(files / "progress.txt", parent_lines("progress", warm["cookies"], warm_parents)),
        5: write_lines(files / "api-progress.txt", token_lines("progress")),
        6: write_lines(files / "api-diary.txt", token_lines("diary")),
        7: write_lines(files / "diary.txt", parent_lines("diary", warm["cookies"], warm_parents)),
        8: write_lines(files / "report.txt", parent_lines("report", warm["cookies"], warm_parents)),
        9: write_lines(files / "journal.txt", teacher_lines(staff["cookies"], teachers, False)),
        11: write_lines(files / "save.txt", teacher_lines(staff["cookies"], teachers, True)),
    }
    chosen = [int(x) - 1 for x in args.only.split(",")] if args.only else list(range(len(ENDPOINTS)))
    database_target = args.database_url or str(folder / "eschool.sqlite3")
    ports = [free_port(args.port_base + k if args.port_base else None) for k in range(3)]
    servers = {}
    try:
        servers["bare"] = serve("bench.floor_app:bare_app()", {}, args, ports[0], folder / "counts-bare")
        servers["floor"] = serve("bench.floor_app:floor_app()", {"BENCH_DATABASE": database_target,
                                                                 "BENCH_SECRET_FILE": str(secret)},
                                 args, ports[1], folder / "counts-floor")
        servers["eschool"] = serve("core:create_app()", {"ESCHOOL_CONFIG": str(config)}, args, ports[2],
                                   folder / "counts-eschool")
        base = {"bare": f"http://127.0.0.1:{ports[0]}", "floor": f"http://127.0.0.1:{ports[1]}",
                "eschool": f"http://127.0.0.1:{ports[2]}"}
        refresher = _Refresher(database_target, warm, staff)

        def measure(index: int, seconds: float, lines_file: Path) -> dict:
            name, server, pool, mode, expected = ENDPOINTS[index]
            if pool in ("parents", "tokens", "teachers"):
                refresher.touch()
            pids = family(servers[server].pid)
            cpu0, (sql0, served0) = cpu_seconds(pids), counted(folder / f"counts-{server}")
            result, client = wrk_cpu_and_run(wrk, base[server], lines_file, mode, expected, args, seconds)
            pids = family(servers[server].pid)
            cpu1, (sql1, served1) = cpu_seconds(pids), counted(folder / f"counts-{server}")
            served = max(served1 - served0, 1)
            result.update(rps=result["responses"] / (result["micros"] / 1e6), served=served1 - served0,
                          server_ms=(cpu1 - cpu0) * 1000 / served,
                          client_ms=client * 1000 / max(result["responses"], 1),
                          sql=(sql1 - sql0) / served, rss_mb=peak_rss_mb(pids))
            return result

        # warm-up: every endpoint once, which also tells how many cold sessions the rounds need
        print("warm-up ...", flush=True)
        estimate = {}
        for index in chosen:
            source = {2: 1, 4: 3, 10: 9}.get(index, index)
            estimate[index] = measure(index if index in line_files else source, min(2, args.seconds),
                                      line_files[source])["rps"]
        with app.app_context():
            sink = gradebook_data.Sink(db)
            sink.start_ids(["user_session", "api_token"])
            seen = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=1)
            cold_files = {}
            for index, pool, people in ((2, "parents", cold_parents), (4, "parents", cold_parents),
                                        (10, "teachers", teachers)):
                if index not in chosen:
                    continue
                need = max(int(estimate[index] * args.seconds * 3), 1000)  # sessions are cheap; a wrap is reported
                cold_files[index] = []
                for r in range(args.rounds):
                    group = [people[(r * need + k) % len(people)] for k in range(need)]
                    with db.atomic():
                        made = log_in(app, sink, [p["user"] for p in group], seen=seen)
                    lines = (parent_lines("progress", made["cookies"], group) if pool == "parents"
                             else teacher_lines(made["cookies"], group, False))
                    cold_files[index].append(write_lines(files / f"cold-{index}-{r}.txt", lines))
            db.close()
        rounds = []
        for r in range(args.rounds):
            load = os.getloadavg()
            print(f"round {r + 1}/{args.rounds}: load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}", flush=True)
            this = {"load": load, "results": {}}
            for index in chosen:
                lines_file = cold_files[index][r] if index in cold_files else line_files[index]
                result = measure(index, args.seconds, lines_file)
                this["results"][ENDPOINTS[index][0]] = result
                print(f"  {ENDPOINTS[index][0]:<30} {result['rps']:>8.1f} req/s  p95 {result['p95_us'] / 1000:>7.1f} ms"
                      f"  server {result['server_ms']:>6.2f} ms  client {result['client_ms']:>5.2f} ms"
                      f"  sql {result['sql']:>5.1f}  bad {result['bad_status'] + result['socket_errors']}"
                      + (f"  wraps {result['wraps']}" if result["wraps"] else "")
                      + (f"  statuses {result['bad_codes']}" if result["bad_codes"] else ""), flush=True)
            rounds.append(this)
        table = report(rounds, chosen, args, counts, info)
        if args.json:
            Path(args.json).write_text(json.dumps({"settings": {k: str(v) for k, v in vars(args).items()},
                                                   "data": counts, "data_seconds": info["seconds"], "rounds": rounds,
                                                   "table": table}, indent=1, default=str))
            print(f"written: {args.json}")
        if args.hold:
            sample = (files / "floor.txt").read_text().splitlines()[0].split("\t")
            print(f"holding {args.hold:.0f} s: bare {base['bare']}/ floor {base['floor']}{sample[1]} "
                  f"(header in {files / 'floor.txt'}), eschool {base['eschool']}", flush=True)
            time.sleep(args.hold)
        bad = sum(x["bad_status"] + x["socket_errors"] for rd in rounds for x in rd["results"].values())
    finally:
        for process in servers.values():
            _stop(process)
    _cleanup(args, folder)
    return 1 if bad else 0


class _Refresher:
    """Keeps the warm pool warm: their sessions and tokens seen now, as a family active within the minute."""

    def __init__(self, target: str, warm: dict, staff: dict):
        sys.path.insert(0, str(BENCH))
        from floor_app import Db

        self.db = Db(target)
        self.ranges = [("user_session", "last_seen_at", warm["sessions"]),
                       ("api_token", "last_used_at", warm["token_ids"]),
                       ("user_session", "last_seen_at", staff["sessions"])]

    def touch(self) -> None:
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        value = now if self.db.pg else str(now)
        for table, column, (first, last) in self.ranges:
            self.db.run(f"UPDATE {table} SET {column} = ? WHERE id BETWEEN ? AND ?", (value, first, last))


def _journal_lessons(teachers: list[dict], on: dt.date) -> None:
    """The two latest lessons before ``on`` of each teacher's journal period: the cells a save changes."""
    from plugins.gradebook.models import Lesson, Period

    periods = {p.id: p for p in Period.select().where(Period.id.in_({t["period"] for t in teachers}))}
    for t in teachers:
        t["lessons"] = []
    by_assignment = {t["assignment"]: t for t in teachers}
    ids = list(by_assignment)
    for start in range(0, len(ids), 500):
        query = (Lesson.select(Lesson.assignment_id, Lesson.id, Lesson.date)
                 .where(Lesson.assignment_id.in_(ids[start:start + 500]) & (Lesson.date < on))
                 .order_by(Lesson.date.desc(), Lesson.id.desc()).tuples())
        for assignment_id, lesson_id, day in query:
            t = by_assignment[assignment_id]
            if len(t["lessons"]) < 2 and day >= periods[t["period"]].starts_on:
                t["lessons"].append(lesson_id)


def _dates(obj: dict) -> dict:
    if isinstance(obj.get("on"), str):
        obj["on"] = dt.date.fromisoformat(obj["on"])
    return obj


def _stop(process) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _cleanup(args, folder: Path) -> None:
    if not args.keep and not args.workdir:
        shutil.rmtree(folder, ignore_errors=True)
    else:
        print(f"work folder kept: {folder}")


def report(rounds: list[dict], chosen: list[int], args, counts: dict, info: dict) -> list[dict]:
    def med(name, key):
        values = [rd["results"][name][key] for rd in rounds if name in rd["results"]]
        return statistics.median(values) if values else float("nan")

    names = [ENDPOINTS[i][0] for i in chosen]
    rows = []
    for name in names:
        rows.append({"endpoint": name, "rps": med(name, "rps"), "p50_ms": med(name, "p50_us") / 1000,
                     "p95_ms": med(name, "p95_us") / 1000, "server_cpu_ms": med(name, "server_ms"),
                     "client_cpu_ms": med(name, "client_ms"), "sql": med(name, "sql"), "rss_mb": med(name, "rss_mb"),
                     "bad": sum(rd["results"][name]["bad_status"] + rd["results"][name]["socket_errors"]
                                for rd in rounds if name in rd["results"]),
                     "wraps": sum(rd["results"][name]["wraps"] for rd in rounds if name in rd["results"])})
    by = {r["endpoint"]: r for r in rows}
    bare, floor = by.get(ENDPOINTS[0][0]), by.get(ENDPOINTS[1][0])
    floor_cold = by.get(ENDPOINTS[2][0])
    for r in rows:
        ref = floor_cold if r["endpoint"].endswith("cold") and floor_cold else floor
        r["rps_vs_floor"] = r["rps"] / ref["rps"] if ref else None
        r["p95_vs_floor"] = r["p95_ms"] / ref["p95_ms"] if ref else None
        r["rps_vs_bare"] = r["rps"] / bare["rps"] if bare else None
        r["p95_vs_bare"] = r["p95_ms"] / bare["p95_ms"] if bare else None
    loads = [rd["load"][0] for rd in rounds]
    print(f"\ngunicorn -w {args.workers} --threads {args.threads} on 127.0.0.1 (three servers side by side), "
          f"wrk -t{args.client_threads} -c{args.connections}, {args.rounds} interleaved rounds of {args.seconds:g} s, "
          f"medians; {os.cpu_count()} CPUs, load average {min(loads):.2f}–{max(loads):.2f} at the rounds' starts; "
          f"{'PostgreSQL' if args.database_url else 'SQLite'}, {counts['students']:,} students, "
          f"{counts.get('gradebook_mark', 0):,} marks, {info['years']} school years, data as of {info['on']}")
    print("cold rows are compared with the floor's cold row; ratios: req/s as a share of the reference, p95 as a "
          "multiple of it")
    head = (f"{'endpoint':<30} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'×floor r/s':>10} {'×floor p95':>10} "
            f"{'×bare r/s':>9} {'×bare p95':>9} {'srv CPU ms':>10} {'cli CPU ms':>10} {'SQL/req':>7} "
            f"{'RSS MB':>6} {'bad':>4}")
    print(head)
    for r in rows:
        def ratio(x):
            return f"{x:.3f}" if x is not None else "—"
        print(f"{r['endpoint']:<30} {r['rps']:>8.1f} {r['p50_ms']:>7.1f} {r['p95_ms']:>7.1f} "
              f"{ratio(r['rps_vs_floor']):>10} {ratio(r['p95_vs_floor']):>10} {ratio(r['rps_vs_bare']):>9} "
              f"{ratio(r['p95_vs_bare']):>9} {r['server_cpu_ms']:>10.2f} {r['client_cpu_ms']:>10.3f} "
              f"{r['sql']:>7.1f} {r['rss_mb']:>6.0f} {r['bad']:>4}" + (f"  (wrapped {r['wraps']})" if r["wraps"]
                                                                          else ""))
    return rows


if __name__ == "__main__":
    sys.exit(main())
