"""Benchmark of the notification worker: 10,000 marks entered in one evening, delivered by e-mail and webhook.

    .venv/bin/python bench/notifications_worker.py                     # 10,000 marks, SQLite
    .venv/bin/python bench/notifications_worker.py --marks 2000        # a quick run
    .venv/bin/python bench/notifications_worker.py --database-url postgresql://…/empty_db

Builds one school in a work folder: ``--students`` students in classes of 25, one
parent each (with a user and a consent), every parent subscribed to instant
e-mails and half of them to the region's webhook too; one maths assignment per
class with the lessons of the current quarter. Marks are entered through the
gradebook's own ``journal.set_mark`` (the path the journal page takes, so each
mark writes its outbox row in its transaction), a class of 25 per transaction.
The receivers are real and local: an aiosmtpd SMTP server and a threaded HTTP
webhook that checks every signature.

Two measurements:

1. *Drain*: the marks are entered with no worker running, then one in-process
   worker (``worker.run_once`` passes, as the command does) empties the outbox.
   Printed: events/s and deliveries/s, beside the time to simply read the same
   marks (one query with the student's and subject's names) — the floor of any
   work that has to look at every mark.
2. *Live*: the same number of marks is entered again while
   ``eschool notifications worker`` runs as its own process; the delay from
   each mark's entry time to its delivery's ``sent_at`` (p50, p95, max).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import hmac
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PLUGINS = ["registries", "gradebook", "notifications"]
SECRET = "bench-webhook-secret"
CLASS_SIZE = 25


class Receivers:
    """A local SMTP server and a webhook that count what arrives (and check each signature)."""

    def __init__(self):
        from aiosmtpd.controller import Controller
        from werkzeug.serving import make_server
        from werkzeug.wrappers import Request, Response

        from tests.notifications.receivers import free_port
        from tests.support import QuietHandler

        self.mails = 0
        self.hooks = 0
        self.bad_signatures = 0
        self.lock = threading.Lock()
        receivers = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802
                with receivers.lock:
                    receivers.mails += 1
                return "250 OK"

        self.smtp = Controller(Handler(), hostname="127.0.0.1", port=free_port())
        self.smtp.start()

        def webhook(environ, start_response):
            request = Request(environ)
            body = request.get_data()
            expected = "sha256=" + hmac.new(SECRET.encode(), request.headers["X-Eschool-Timestamp"].encode() + b"."
                                            + body, hashlib.sha256).hexdigest()
            with receivers.lock:
                receivers.hooks += 1
                receivers.bad_signatures += expected != request.headers.get("X-Eschool-Signature")
            return Response("ok")(environ, start_response)

        self.http = make_server("127.0.0.1", 0, webhook, threaded=True, request_handler=QuietHandler)
        threading.Thread(target=self.http.serve_forever, daemon=True).start()
        self.webhook_url = f"http://127.0.0.1:{self.http.server_port}/hook"

    def close(self):
        self.smtp.stop()
        self.http.shutdown()


def config(folder: Path, database_url: str | None, receivers: Receivers) -> dict:
    return {
        "eschool": {"region_name": "Нагрузочный регион", "plugins": PLUGINS,
                    "database_url": database_url or f"sqlite:///{folder / 'eschool.sqlite3'}",
                    "instance_path": str(folder / "instance"), "log_format": "text"},
        "notifications": {"smtp_host": "127.0.0.1", "smtp_port": receivers.smtp.port,
                          "webhook_url": receivers.webhook_url, "webhook_secret": {"env": "BENCH_WEBHOOK_SECRET"},
                          "batch_size": 500, "poll_seconds": 0.2},
    }


def write_toml(folder: Path, conf: dict) -> Path:
    e, n = conf["eschool"], conf["notifications"]
    path = folder / "region.toml"
    path.write_text(
        "[eschool]\n"
        f'region_name = "{e["region_name"]}"\nplugins = {PLUGINS!r}\n'.replace("'", '"')
        + f'database_url = "{e["database_url"]}"\ninstance_path = "{e["instance_path"]}"\n\n'
        "[notifications]\n"
        f'smtp_host = "127.0.0.1"\nsmtp_port = {n["smtp_port"]}\nwebhook_url = "{n["webhook_url"]}"\n'
        'webhook_secret = { env = "BENCH_WEBHOOK_SECRET" }\nbatch_size = 500\npoll_seconds = 0.2\n',
        encoding="utf-8")
    return path


def build(app, students: int):
    """One school: classes of 25, a parent per student subscribed, a maths journal per class."""
    from core.api import database
    from plugins.gradebook.school_calendar import create_year, generate_lessons
    from plugins.notifications.models import Preference
    from tests.gradebook import factories as f

    today = dt.date.today()
    with app.app_context(), database.connection_context(), database.atomic():
        school = f.make_school(f.make_municipality())
        start = f.academic_start_year(today)
        year = create_year(school.id, start, "quarter")
        teacher = f.make_staff("teacher", school=school)
        maths = f.make_subject(school, "Математика")
        journals = []
        for number in range(-(-students // CLASS_SIZE)):
            school_class = f.make_class(school, start, 5 + number % 5, "АБВГДЕЖЗИК"[number // 5 % 10])
            pupils = [f.make_student(school, school_class, f"Ученик{number}-{i}", "Иван")
                      for i in range(min(CLASS_SIZE, students - number * CLASS_SIZE))]
            for i, pupil in enumerate(pupils):
                parent = f.make_parent([pupil], f"Родитель{number}-{i}")
                Preference.create(user_id=parent.user_id, email=f"p{parent.id}@bench.example", email_on=True,
                                  webhook_on=i % 2 == 0, quiet_from=0, quiet_to=0)
            assignment = f.make_assignment(year, school_class, maths, teacher, weekdays=(1, 2, 3, 4, 5))
            generate_lessons(assignment, year.starts_on, today)
            journals.append((assignment, pupils))
    return teacher.user_id, journals


def class_lessons(app, journals, seed: int) -> list[tuple[int, object]]:
    """Every (journal, lesson) pair once, shuffled: each saves a fresh mark for the whole class."""
    from core.api import database
    from plugins.gradebook.models import Lesson

    with app.app_context(), database.connection_context():
        pairs = [(index, lesson) for index, (assignment, _) in enumerate(journals)
                 for lesson in Lesson.select().where(Lesson.assignment == assignment.id)]
    random.Random(seed).shuffle(pairs)
    return pairs


def enter_marks(app, teacher_user: int, journals, pairs, count: int) -> list[float]:
    """Enter ``count`` new marks, a class at a time (one transaction each, as the journal page saves)."""
    from core.api import database
    from plugins.gradebook import journal

    rnd = random.Random(count)
    spent = []
    entered = 0
    with app.app_context(), database.connection_context():
        while entered < count:
            index, lesson = pairs.pop()
            pupils = journals[index][1]
            started = time.perf_counter()
            with database.atomic():
                for pupil in pupils[: count - entered]:
                    journal.set_mark(lesson, pupil.id, rnd.choice("5432"), teacher_user)
                    entered += 1
            spent.append(time.perf_counter() - started)
    return spent


def read_marks(app) -> tuple[int, float]:
    """The floor: read every mark with its student's and subject's names in one plain hand-written query."""
    from core.api import database, service
    from plugins.gradebook.models import Mark, Subject

    with app.app_context(), database.connection_context():
        student = service("registries").Student._meta.table_name
        sql = (f"SELECT m.id, m.value, m.entered_at, m.lesson_date, s.last_name, s.first_name, subj.name "
               f"FROM {Mark._meta.table_name} m JOIN {student} s ON s.id = m.student_id "
               f"JOIN {Subject._meta.table_name} subj ON subj.id = m.subject_id")
        started = time.perf_counter()
        rows = database.execute_sql(sql).fetchall()
        return len(rows), time.perf_counter() - started


def drain(app) -> tuple[float, int, int]:
    """Run worker passes until the outbox and the deliveries are done; (seconds, events, deliveries sent)."""
    from core.api import database, utcnow
    from plugins.notifications import worker

    events = sent = 0
    started = time.perf_counter()
    while True:
        with app.app_context(), database.connection_context():
            result = worker.run_once(utcnow(), "bench")
        events += result.fanned_out
        sent += result.sent
        if not result.busy:
            return time.perf_counter() - started, events, sent


def delays(app, after_id: int) -> list[float]:
    from core.api import database
    from plugins.notifications.models import Delivery, NotificationEvent

    with app.app_context(), database.connection_context():
        rows = (Delivery.select(Delivery.sent_at, NotificationEvent.entered_at).join(NotificationEvent)
                .where((NotificationEvent.id > after_id) & (Delivery.status == "sent")).tuples())
        return [(sent - entered).total_seconds() for sent, entered in rows]


def last_event_id(app) -> int:
    from core.api import database
    from plugins.notifications.models import NotificationEvent

    with app.app_context(), database.connection_context():
        last = NotificationEvent.select(NotificationEvent.id).order_by(NotificationEvent.id.desc()).first()
        return last.id if last else 0


def pending(app, after_id: int) -> int:
    from core.api import database
    from plugins.notifications.models import Delivery, NotificationEvent

    with app.app_context(), database.connection_context():
        return (NotificationEvent.select().where((NotificationEvent.id > after_id)
                                                 & NotificationEvent.fanned_out_at.is_null()).count()
                + Delivery.select().where(Delivery.status == "pending").count())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--marks", type=int, default=10_000)
    parser.add_argument("--students", type=int, default=400)
    parser.add_argument("--database-url", default=None, help="an empty PostgreSQL database (default: SQLite)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()
    os.environ["BENCH_WEBHOOK_SECRET"] = SECRET
    from core import create_app

    folder = Path(tempfile.mkdtemp(prefix="eschool-notify-bench-"))
    receivers = Receivers()
    worker_process = None
    try:
        conf = config(folder, args.database_url, receivers)
        app = create_app(conf)
        with app.app_context():
            app.extensions["eschool"].upgrade_db()
        t0 = time.perf_counter()
        teacher, journals = build(app, args.students)
        print(f"built {args.students} students with subscribed parents in {time.perf_counter() - t0:.1f} s "
              f"({'PostgreSQL' if args.database_url else 'SQLite'})")

        pairs = class_lessons(app, journals, seed=1)
        if len(pairs) * CLASS_SIZE < 2 * args.marks:
            raise SystemExit(f"{len(pairs)} class lessons cannot take 2 × {args.marks} fresh marks: more --students")
        spent = enter_marks(app, teacher, journals, pairs, args.marks)
        print(f"entered {args.marks} marks in {sum(spent):.1f} s ({len(spent)} class saves, "
              f"p50 {statistics.median(spent) * 1000:.0f} ms a save, outbox rows written in the same transaction)")
        seconds, events, sent = drain(app)
        rows, read_seconds = read_marks(app)
        print(f"drain: {events} events → {sent} deliveries ({receivers.mails} e-mails, {receivers.hooks} webhooks, "
              f"{receivers.bad_signatures} bad signatures) in {seconds:.1f} s: "
              f"{events / seconds:.0f} events/s, {sent / seconds:.0f} deliveries/s")
        print(f"baseline: reading those {rows} marks with names in one query: {read_seconds:.3f} s "
              f"({rows / read_seconds:.0f} marks/s)")

        toml = write_toml(folder, conf)
        mark = last_event_id(app)
        env = {**os.environ, "ESCHOOL_CONFIG": str(toml)}
        eschool = str(Path(sys.executable).parent / "eschool")
        worker_process = subprocess.Popen([eschool, "notifications", "worker"], env=env, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.PIPE, text=True)
        t0 = time.perf_counter()
        enter_marks(app, teacher, journals, pairs, args.marks)
        entering = time.perf_counter() - t0
        while pending(app, mark):
            if worker_process.poll() is not None:
                raise SystemExit(f"the worker stopped: {worker_process.stderr.read()}")
            time.sleep(0.2)
        total = time.perf_counter() - t0
        waits = sorted(delays(app, mark))
        print(f"live: {args.marks} marks entered over {entering:.1f} s while `eschool notifications worker` ran; "
              f"all {len(waits)} deliveries done {total - entering:.1f} s after the last entry")
        print(f"      entry → delivery: p50 {statistics.median(waits):.2f} s, "
              f"p95 {waits[int(len(waits) * 0.95) - 1]:.2f} s, max {waits[-1]:.2f} s")
    finally:
        if worker_process is not None:
            worker_process.terminate()
            worker_process.wait(30)
        receivers.close()
        if args.keep:
            print(f"work folder kept: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
