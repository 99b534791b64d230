"""Load benchmark of the gradebook: a municipality-sized data set served by gunicorn under concurrent requests.

    .venv/bin/python bench/gradebook_load.py                   # 10,000 students, a full year of marks
    .venv/bin/python bench/gradebook_load.py --students 500    # a quick run (well under a minute)

Builds a region in a work folder (SQLite, or ``--database-url`` of an empty
PostgreSQL database): one municipality, schools of 500 students in classes of
25, eight subjects with 23 lessons a week, every lesson of last academic year
(a full year: four quarters) with marks for about a quarter of the class,
absences, and the journal history of every mark. Everything is written with
``insert_many`` in chunks inside ``database.atomic()``. Then it serves the app
with ``gunicorn -w 4 --threads 2 'core:create_app()'`` on 127.0.0.1 and,
beside it, a bare Flask app served the same way, and measures under
``--concurrency`` client threads: the parent's progress page, the API
progress call (bearer token) and a teacher's journal page — requests/s,
p50/p95 latency and the peak RSS of the gunicorn workers (``VmHWM`` from
``/proc``).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SCHOOL_SIZE = 500
CLASS_SIZE = 25
SUBJECTS = (("Математика", 4), ("Русский язык", 4), ("Литература", 3), ("Английский язык", 3), ("История", 2),
            ("Биология", 2), ("Физика", 2), ("Физическая культура", 3))
MARK_SHARE = 0.25
ABSENCE_SHARE = 0.04
MARK_VALUES = ("5", "4", "3", "2")
MARK_WEIGHTS = (35, 40, 20, 5)
CHUNK = 1000
SESSIONS = 50
PLUGINS = ["registries", "gradebook"]


def bare_app():
    """The baseline: a Flask app with one trivial endpoint, served by gunicorn exactly like eschool."""
    from flask import Flask

    app = Flask("bare")

    @app.route("/")
    def hello():
        return "ok"

    return app


# --- the data set --------------------------------------------------------------------------------


def write_config(folder: Path, database_url: str | None) -> Path:
    url = database_url or f"sqlite:///{folder / 'eschool.sqlite3'}"
    config = folder / "region.toml"
    config.write_text(
        "[eschool]\n"
        'region_name = "Нагрузочный регион"\n'
        f"plugins = {PLUGINS!r}\n".replace("'", '"')
        + f'database_url = "{url}"\n'
        f'instance_path = "{folder / "instance"}"\n'
        'log_format = "text"\n'
    )
    return config


def bulk(model, fields, rows) -> int:
    """Insert tuples in chunks inside the caller's transaction: ``insert_many``'s statement, run by ``executemany``.

    Peewee renders every value of an ``insert_many`` into SQL itself, which took
    57 of 61 s of building 500 students (cProfile); the statement it renders for
    one row, executed with the driver's ``executemany`` per chunk, is the same
    INSERT at about 15× the speed.
    """
    if not rows:
        return 0
    from core.api import database

    sql, params = model.insert_many(rows[:1], fields=fields).sql()
    defaults = tuple(params[len(fields):])  # peewee appends the columns with defaults that were not given
    cursor = database.cursor()
    for start in range(0, len(rows), CHUNK):
        cursor.executemany(sql, [row + defaults for row in rows[start:start + CHUNK]])
    return len(rows)


def weekdays_of(year, holidays):
    day = year.starts_on
    while day <= year.ends_on:
        if day.isoweekday() <= 5 and not any(a <= day <= b for a, b in holidays):
            yield day
        day += dt.timedelta(days=1)


def build(app, students: int, seed: int = 1) -> dict:
    """The municipality: schools, classes, teachers, a year of lessons, marks and absences; returns logins."""
    from core.api import User, create_api_token, database, open_session, service
    from plugins.gradebook import journal
    from plugins.gradebook.models import (
        Attendance,
        Holiday,
        JournalChange,
        Lesson,
        Mark,
        Subject,
        TeachingAssignment,
        TimetableSlot,
        WorkType,
    )
    from plugins.gradebook.school_calendar import create_year

    rnd = random.Random(seed)
    reg = service("registries")
    today = dt.date.today()
    start_year = (today.year if today.month >= 8 else today.year - 1) - 1  # last year: complete
    counts: dict[str, int] = {}
    started = time.monotonic()
    schools = max(1, -(-students // SCHOOL_SIZE))
    logins = {"parents": [], "teachers": []}
    next_student = 1
    entered = dt.datetime(start_year, 9, 1, 8, 0)
    mark_id = (Mark.select(Mark.id).order_by(Mark.id.desc()).scalar() or 0) + 1
    with database.atomic():
        municipality = reg.Municipality.create(code="bench", name="Нагрузочный район")
        staff_users = []
        for s in range(schools):
            school = reg.School.create(municipality=municipality, code=f"b{s}", name=f"МБОУ «Школа № {s + 1}»",
                                       short_name=f"Школа № {s + 1}")
            year = create_year(school.id, start_year, "quarter")
            journal.local_act_for(school.id)
            default_type = journal.default_work_type(school.id)
            written = WorkType.get((WorkType.school_id == school.id) & WorkType.is_written)
            holidays = [(h.starts_on, h.ends_on) for h in Holiday.select().where(Holiday.year == year.id)]
            days = list(weekdays_of(year, holidays))
            here = min(SCHOOL_SIZE, students - (next_student - 1))
            n_classes = max(1, -(-here // CLASS_SIZE))
            n_teachers = max(len(SUBJECTS), n_classes * len(SUBJECTS) // 6)
            teachers = []
            for t in range(n_teachers):
                user = User.create(display_name=f"Учитель {s}-{t}", role="teacher")
                teachers.append(reg.Staff.create(last_name=f"Учителева{t}", first_name="Анна", school=school,
                                                 user=user))
                staff_users.append(user)
            subjects = [Subject.create(school_id=school.id, name=name) for name, _ in SUBJECTS]
            classes, roster = [], {}
            for c in range(n_classes):
                klass = reg.SchoolClass.create(school=school, year=start_year, grade=2 + c % 10,
                                               letter="АБВГДЕЖЗИКЛМН"[c // 10], class_teacher=teachers[c % n_teachers])
                classes.append(klass)
                size = min(CLASS_SIZE, here - c * CLASS_SIZE)
                ids = list(range(next_student, next_student + size))
                next_student += size
                bulk(reg.Student, ["id", "last_name", "first_name", "birth_date", "gender", "school", "school_class"],
                     [(i, f"Ученик{i}", "Иван", dt.date(2012, 1, 1) + dt.timedelta(days=i % 2000), "m", school.id,
                       klass.id) for i in ids])
                roster[klass.id] = ids
            lesson_id = (Lesson.select(Lesson.id).order_by(Lesson.id.desc()).scalar() or 0) + 1
            lessons, marks, absences, changes = [], [], [], []
            for c, klass in enumerate(classes):
                slot_number = {d: 1 for d in range(1, 6)}
                for k, ((_, per_week), subject) in enumerate(zip(SUBJECTS, subjects, strict=True)):
                    teacher = teachers[(c * len(SUBJECTS) + k) % n_teachers]
                    assignment = TeachingAssignment.create(school_id=school.id, year=year, class_id=klass.id,
                                                           subject=subject, teacher_id=teacher.id, scale="five")
                    wdays = [1 + (k + i * 2) % 5 for i in range(per_week)]
                    for wd in wdays:
                        TimetableSlot.create(assignment=assignment, weekday=wd, number=slot_number[wd],
                                             starts_at=dt.time(8 + slot_number[wd], 0),
                                             ends_at=dt.time(8 + slot_number[wd], 45))
                        slot_number[wd] += 1
                    if c < SESSIONS // max(1, schools) + 1 and k == 0:
                        logins["teachers"].append((teacher.user_id, assignment.id))
                    numbers = {wd: n for wd, n in zip(wdays, range(1, 9), strict=False)}
                    for day in days:
                        if day.isoweekday() not in numbers:
                            continue
                        lessons.append((lesson_id, assignment.id, day, numbers[day.isoweekday()], f"Тема {day}",
                                        entered, f"Упражнение {day.day}", entered))
                        on_time = dt.datetime.combine(day, dt.time(15, 0))
                        kind = written if rnd.random() < 0.1 else default_type
                        for student_id in roster[klass.id]:
                            roll = rnd.random()
                            if roll < MARK_SHARE:
                                value = rnd.choices(MARK_VALUES, MARK_WEIGHTS)[0]
                                marks.append((mark_id, lesson_id, student_id, assignment.id, subject.id, day, value,
                                              kind.id, float(kind.weight), on_time, teacher.user_id, on_time,
                                              teacher.user_id))
                                changes.append(("mark", mark_id, lesson_id, student_id, assignment.id, "value", "",
                                                value, teacher.user_id, on_time))
                                mark_id += 1
                            elif roll > 1 - ABSENCE_SHARE:
                                absences.append((lesson_id, student_id, assignment.id, day, "Н", on_time,
                                                 teacher.user_id, on_time))
                        lesson_id += 1
            counts["lessons"] = counts.get("lessons", 0) + bulk(
                Lesson, ["id", "assignment", "date", "number", "topic", "topic_entered_at", "homework",
                         "homework_entered_at"], lessons)
            counts["marks"] = counts.get("marks", 0) + bulk(
                Mark, ["id", "lesson", "student_id", "assignment_id", "subject_id", "lesson_date", "value",
                       "work_type", "weight", "entered_at", "entered_by", "updated_at", "updated_by"], marks)
            counts["absences"] = counts.get("absences", 0) + bulk(
                Attendance, ["lesson", "student_id", "assignment_id", "lesson_date", "code", "entered_at",
                             "entered_by", "updated_at"], absences)
            counts["history"] = counts.get("history", 0) + bulk(
                JournalChange, ["kind", "object_id", "lesson_id", "student_id", "assignment_id", "field", "old_value",
                                "new_value", "changed_by", "changed_at"], changes)
            print(f"  school {s + 1}/{schools}: {here} students, {len(lessons)} lessons, {len(marks)} marks "
                  f"({time.monotonic() - started:.0f} s)", flush=True)
        counts["students"] = next_student - 1
        # families: a parent with consent for a spread of children
        for i in range(SESSIONS):
            student_id = 1 + (i * (counts["students"] // SESSIONS))
            user = User.create(display_name=f"Родитель {i}", role="parent")
            parent = reg.Parent.create(last_name=f"Родителева{i}", first_name="Мария", snils=f"{90000000000 + i}",
                                       user=user)
            reg.ParentLink.create(parent=parent, student=student_id, relation="mother")
            reg.Consent.create(subject_student=student_id, giver_parent=parent, purpose="progress",
                               text_version="2025-09", given_on=dt.date(start_year, 9, 1), channel="paper")
            logins["parents"].append((user.id, student_id))
    _reset_sequences(database, [Lesson, Mark, reg.Student])
    with app.test_request_context():
        users = {u.id: u for u in User.select()}
        logins["parents"] = [(open_session(users[uid], "bench"), create_api_token(users[uid], "bench")[1], sid)
                             for uid, sid in logins["parents"]]
        logins["teachers"] = [(open_session(users[uid], "bench"), aid) for uid, aid in logins["teachers"][:SESSIONS]]
    counts["seconds"] = round(time.monotonic() - started)
    logins["counts"] = counts
    return logins


def _reset_sequences(database, models) -> None:
    """Explicit ids were inserted; on PostgreSQL move each id sequence past them."""
    if database.obj.__class__.__name__.startswith("Postgres"):
        for model in models:
            table = model._meta.table_name
            database.execute_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                 f"(SELECT COALESCE(MAX(id), 1) FROM \"{table}\"))")


def session_cookie(app, token: str) -> str:
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = token
        sess["_fresh"] = True
    return client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value


# --- serving and measuring -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(target: str, env: dict, workers: int, threads: int):
    port = free_port()
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-w", str(workers), "--threads", str(threads),
         "-b", f"127.0.0.1:{port}", "--chdir", str(ROOT), "--log-level", "warning", target],
        env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            requests.get(base + "/", timeout=10)
            return process, base
        except requests.RequestException:
            if process.poll() is not None:
                raise RuntimeError(process.stderr.read().decode()) from None
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not start: {target}")


def workers_of(master: int) -> list[int]:
    """Child processes of the gunicorn master, from the parent pid field of /proc/<pid>/stat."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == master:
                found.append(int(entry.name))
    return found


def peak_rss_mb(master: int) -> tuple[float, float]:
    """(sum, max) over the workers of their peak resident memory, in MB (VmHWM)."""
    peaks = []
    for pid in workers_of(master):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return (sum(peaks), max(peaks)) if peaks else (0.0, 0.0)


def stop(process) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def load(base: str, calls: list[tuple[str, dict]], concurrency: int) -> dict:
    """Send every (path, headers) call from ``concurrency`` threads; latencies and failures."""
    local = threading.local()

    def one(call):
        path, headers = call
        if not hasattr(local, "session"):
            local.session = requests.Session()
        session = local.session
        t0 = time.perf_counter()
        answer = session.get(base + path, headers=headers, timeout=120, allow_redirects=False)
        answer.content  # noqa: B018 (read the whole body, as a browser would)
        return time.perf_counter() - t0, answer.status_code

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(one, calls))
    wall = time.perf_counter() - started
    latencies = sorted(r[0] for r in results)
    return {"n": len(results), "rps": len(results) / wall, "p50": statistics.median(latencies) * 1000,
            "p95": latencies[int(0.95 * (len(latencies) - 1))] * 1000,
            "failed": sum(1 for r in results if r[1] != 200)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=600, help="requests per measured endpoint")
    parser.add_argument("--concurrency", type=int, default=16, help="client threads")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--database-url", help="an EMPTY PostgreSQL database instead of SQLite")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="eschool-bench-"))
    config = write_config(folder, args.database_url)
    os.environ["ESCHOOL_CONFIG"] = str(config)
    from core import create_app

    app = create_app(str(config))
    print(f"building {args.students} students in {folder} ...", flush=True)
    with app.app_context():
        app.extensions["eschool"].upgrade_db()
        logins = build(app, args.students)
        parents = [(session_cookie(app, s), token, sid) for s, token, sid in logins["parents"]]
        teachers = [(session_cookie(app, s), aid) for s, aid in logins["teachers"]]
        from plugins.gradebook.models import AcademicYear, Period

        last_period = {y.school_id: Period.select().where(Period.year == y.id).order_by(Period.number.desc())
                       .first().id for y in AcademicYear.select()}
        school_of = {s.id: s.school_id for s in app.extensions["eschool"].services["registries"].Student.select()
                     .where(app.extensions["eschool"].services["registries"].Student.id.in_([p[2] for p in parents]))}
        from plugins.gradebook.models import TeachingAssignment

        assignment_school = {a.id: a.school_id for a in TeachingAssignment.select()
                             .where(TeachingAssignment.id.in_([t[1] for t in teachers]))}
    app.extensions["eschool_db"].close()
    counts = logins["counts"]
    print("data set: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()), flush=True)

    cookie = app.config["SESSION_COOKIE_NAME"]
    rnd = random.Random(2)
    n = args.requests

    def pick(items):
        return [rnd.choice(items) for _ in range(n)]

    scenarios = {
        "parent progress page": [(f"/progress/{sid}?period={last_period[school_of[sid]]}",
                                  {"Cookie": f"{cookie}={c}"}) for c, _, sid in pick(parents)],
        "API progress (bearer)": [(f"/api/v1/students/{sid}/progress?period={last_period[school_of[sid]]}",
                                   {"Authorization": f"Bearer {t}"}) for _, t, sid in pick(parents)],
        "teacher journal page": [(f"/journal/{aid}?period={last_period[assignment_school[aid]]}",
                                  {"Cookie": f"{cookie}={c}"}) for c, aid in pick(teachers)],
    }
    rows = []
    bare, base = serve("bench.gradebook_load:bare_app()", {}, args.workers, args.threads)
    try:
        load(base, [("/", {})] * 50, args.concurrency)
        rows.append(("bare Flask endpoint", load(base, [("/", {})] * n, args.concurrency), peak_rss_mb(bare.pid)))
    finally:
        stop(bare)
    server, base = serve("core:create_app()", {"ESCHOOL_CONFIG": str(config)}, args.workers, args.threads)
    try:
        for name, calls in scenarios.items():
            load(base, calls[:40], args.concurrency)  # warm every worker
            rows.append((name, load(base, calls, args.concurrency), peak_rss_mb(server.pid)))
    finally:
        stop(server)

    print(f"\ngunicorn -w {args.workers} --threads {args.threads} on 127.0.0.1, {args.concurrency} client threads, "
          f"{n} requests each, {os.cpu_count()} CPUs, "
          f"{'PostgreSQL' if args.database_url else 'SQLite'}, {counts['students']:,} students, "
          f"{counts['marks']:,} marks")
    print(f"{'endpoint':<24} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'failed':>7} "
          f"{'peak RSS MB (sum/max worker)':>30}")
    for name, r, (rss_sum, rss_max) in rows:
        print(f"{name:<24} {r['rps']:>8.1f} {r['p50']:>8.1f} {r['p95']:>8.1f} {r['failed']:>7} "
              f"{rss_sum:>20.0f} / {rss_max:.0f}")
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
    return 1 if any(r["failed"] for _, r, _ in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
