"""Eight teachers save 250 marks each over HTTP while a school admin's 50,000-row import runs (SQLite default).

The app is served by a real threaded HTTP server on loopback; the teachers and the admin are HTTP clients
with real session cookies. Nothing depends on the machine's speed: the import is held at its own known
points (``plugins.registries.importer.CHECKPOINT_LISTENERS``, between its short staging transactions) until
the teachers have saved their share of marks, so the saves are spread over the whole import however fast or
slow either side runs. What is asserted is counted: every save answered 302, none 5xx, exactly 2,000 marks,
the 50,000 students all there.
"""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
import requests
from werkzeug.serving import make_server

from core import jobs
from core.testing import open_test_session
from plugins.gradebook import queries
from plugins.gradebook.models import Lesson, Mark
from plugins.registries import importer
from plugins.registries.snils import format_snils, make_valid
from tests.gradebook import factories as f
from tests.support import registry_tables

TEACHERS = 8
STUDENTS_EACH = 25
LESSONS_EACH = 10  # 25 × 10 = 250 cells per teacher
IMPORT_ROWS = 50_000
WAIT = 600  # seconds: a generous guard against a hang, not a deadline (the test asserts no time)


def letters(n: int) -> str:
    """``n`` written in Russian letters (names hold no digits): 0 → «а», 33 → «ба»."""
    alphabet = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
    out = alphabet[n % 33]
    while n := n // 33:
        out = alphabet[n % 33] + out
    return out


def students_csv(path, rows: int) -> None:
    """A students file of ``rows`` rows whose classes (1А…11Г) the school does not have yet."""
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write("Фамилия;Имя;Отчество;Дата рождения;Пол;СНИЛС;Класс;Статус\r\n")
        for i in range(rows):
            birth = (dt.date(2009, 9, 1) + dt.timedelta(days=i % 3650)).strftime("%d.%m.%Y")
            out.write(f"Импортов-{letters(i)};{'Анна' if i % 2 else 'Иван'};;{birth};{'Ж' if i % 2 else 'М'};"
                      f"{format_snils(make_valid(300_000_000 + i))};{1 + i % 11}{'АБВГ'[i % 4]};обучается\r\n")


def session_cookie(app, user) -> dict[str, str]:
    client = app.test_client()
    open_test_session(client, user)
    name = app.config["SESSION_COOKIE_NAME"]
    return {name: client.get_cookie(name).value}


@pytest.fixture
def school(app):
    """A school with eight teachers, each with a class of 25 and ten lessons of the current quarter."""
    today = dt.date(2026, 11, 25)
    with app.app_context():
        mun = f.make_municipality()
        school = f.make_school(mun)
        year = f.create_year(school.id, f.academic_start_year(today), "quarter")
        period = next(p for p in queries.periods_of(year) if p.starts_on <= today <= p.ends_on)
        admin = f.make_staff("school_admin", school=school, last_name="Админова")
        journals = []
        for k in range(TEACHERS):
            teacher = f.make_staff("teacher", school=school, last_name=f"Учителева{k}")
            klass = f.make_class(school, year.start_year, 7, "ДЕЖЗИКЛМ"[k])
            students = [f.make_student(school, klass, f"Ученик{k}-{i:02d}") for i in range(STUDENTS_EACH)]
            assignment = f.make_assignment(year, klass, f.make_subject(school, f"Предмет {k}"), teacher)
            lessons = [Lesson.create(assignment=assignment, date=period.starts_on + dt.timedelta(days=i), number=1)
                       for i in range(LESSONS_EACH)]
            cells = [f"c-{lesson.id}-{s.id}" for lesson in lessons for s in students]
            journals.append((session_cookie(app, teacher.user), assignment.id, period.id, cells))
        return {"admin": session_cookie(app, admin.user), "journals": journals, "school": school}


@pytest.fixture
def server(app):
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()
    thread.join()


def test_marks_saved_during_a_big_import_are_all_stored_and_none_fails(app, school, server, tmp_path):
    upload = tmp_path / "students.csv"
    students_csv(upload, IMPORT_ROWS)
    total = TEACHERS * STUDENTS_EACH * LESSONS_EACH
    saved = {"n": 0, "during": []}
    progress = threading.Condition()
    importing = threading.Event()
    statuses: list[int] = []
    staged_points: list[int] = []
    failures: list[str] = []

    def hold_import(point: str, rows: int) -> None:
        """At each staging step, wait until the teachers have saved the share of marks due by then."""
        if point != "staged":
            return
        staged_points.append(rows)
        importing.set()
        due = min(total * 9 // 10, total * rows // IMPORT_ROWS)
        with progress:
            assert progress.wait_for(lambda: saved["n"] >= due or failures, timeout=WAIT)

    def teacher(cookies, assignment_id, period_id, cells):
        http = requests.Session()
        http.cookies.update(cookies)
        importing.wait(WAIT)
        for cell in cells:
            started = time.perf_counter()
            answer = http.post(f"{server}/journal/{assignment_id}?period={period_id}", data={cell: "5"},
                               allow_redirects=False, timeout=WAIT)
            took = time.perf_counter() - started
            with progress:
                statuses.append(answer.status_code)
                if answer.status_code != 302:
                    failures.append(f"{cell}: {answer.status_code}")
                saved["n"] += 1
                if not finished.is_set():
                    saved["during"].append(took)
                progress.notify_all()

    finished = threading.Event()
    report: dict[str, object] = {}

    def admin():
        http = requests.Session()
        http.cookies.update(school["admin"])
        with open(upload, "rb") as data:
            started = http.post(f"{server}/registries/import", files={"file": ("students.csv", data, "text/csv")},
                                allow_redirects=False, timeout=WAIT)
        # the import is a job of the server's process: wait for its thread, then read its report
        job_id = int(started.headers["Location"].rsplit("/", 1)[1])
        jobs.join(job_id, WAIT)
        staged = http.get(f"{server}/jobs/{job_id}/result", timeout=WAIT)
        report["staged"] = staged.status_code
        # the 44 classes of the file are new: the admin sees them listed and confirms (the explicit second step)
        batch = staged.text.split("/registries/import/", 1)[1].split('"', 1)[0]
        done = http.post(f"{server}/registries/import/{batch}", data={"action": "confirm"}, timeout=WAIT)
        report["applied"] = done.status_code
        finished.set()

    importer.CHECKPOINT_LISTENERS.append(hold_import)
    try:
        threads = [threading.Thread(target=teacher, args=j) for j in school["journals"]]
        threads.append(threading.Thread(target=admin))
        for t in threads:
            t.start()
        for t in threads:
            t.join(WAIT)
    finally:
        importer.CHECKPOINT_LISTENERS.remove(hold_import)

    with app.app_context():

        marks = Mark.select().count()
        imported = registry_tables().Student.select().where(
            registry_tables().Student.last_name.startswith("Импортов-")).count()
    during = sorted(saved["during"])
    p95 = during[int(len(during) * 0.95) - 1] * 1000 if during else float("nan")
    print(f"\n{TEACHERS} teachers × {STUDENTS_EACH * LESSONS_EACH} marks over HTTP during a {IMPORT_ROWS}-row "
          f"import held at {len(staged_points)} staging points: {marks} marks stored, "
          f"{sum(s >= 500 for s in statuses)} answers 5xx, {len(during)} saves during the import, "
          f"p95 {p95:.0f} ms; import: staged {report.get('staged')}, confirmed {report.get('applied')}, "
          f"{imported} students")
    assert failures == []
    assert len(statuses) == total and all(s == 302 for s in statuses)
    assert marks == total
    assert report == {"staged": 422, "applied": 200}
    assert imported == IMPORT_ROWS
    assert len(staged_points) > 3 and len(during) >= total * 9 // 10  # the saves really overlapped the import
