"""The demo region (`eschool demo`, what `make run` starts): every printed login works over real HTTP.

A small demo (60 students) is generated through the CLI into a temporary
instance; the app and the ESIA emulator (with the persons file the demo wrote)
are served on loopback ports by werkzeug in threads, and each printed account
logs in the way a newcomer would: the school login form, or «Войти через
Госуслуги» → the emulator's page → back. Each lands where it should.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import re
from pathlib import Path

import pytest
import requests

from core.api import User, service
from tests.support import registry_tables, serve

FAST_HASHING = {"hash_memory_kib": 1024, "hash_time_cost": 1}


def demo_app(make_app, esia_port: int = 5001):
    return make_app(sections={
        "auth_local": FAST_HASHING,
        "auth_esia": {"stand": "emulator", "base_url": f"http://127.0.0.1:{esia_port}", "client_id": "ESCHOOL99"},
    }, migrate=False)


def run_demo(app, *args: str):
    result = app.test_cli_runner().invoke(args=["demo", *args])
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def region(make_app):
    """The demo region with 60 students, served with its emulator; yields (app, app url, logins, servers)."""
    esia, _ = serve(lambda environ, start_response: [])
    app = demo_app(make_app, esia.server_port)
    output = run_demo(app, "--students", "60").output
    logins = json.loads((Path(app.instance_path) / "demo-logins.json").read_text(encoding="utf-8"))
    web, url = serve(app)
    from plugins.auth_esia.emulator.app import create_emulator_app
    from plugins.auth_esia.emulator.server import emulator_for_region

    with app.app_context():
        emulator = emulator_for_region(app, str(Path(app.instance_path) / "esia-persons.toml"),
                                       redirect_uris=[url + "/"])
    esia.app = create_emulator_app(emulator)
    yield app, url, logins, output
    for server in (web, esia):
        server.shutdown()


def school_login(url: str, login: str, password: str) -> requests.Session:
    browser = requests.Session()
    page = browser.get(url + "/login")
    assert page.status_code == 200
    token = re.search(r'name="csrf_token" value="([^"]*)"', page.text).group(1)
    answer = browser.post(url + "/local/login", allow_redirects=False,
                          data={"csrf_token": token, "login": login, "password": password, "next": ""})
    assert answer.status_code == 302, answer.text[:300]
    assert answer.headers["Location"].endswith("/"), "a known demo password is not temporary"
    return browser


def gosuslugi_login(url: str, name: str) -> tuple[requests.Session, requests.Response]:
    """Press «Войти через Госуслуги», pick the person by the printed name, press «Предоставить», come back."""
    browser = requests.Session()
    to_esia = browser.get(url + "/auth/esia/start", allow_redirects=False)
    page = browser.get(to_esia.headers["Location"], allow_redirects=False)
    assert page.status_code == 200, page.text[:300]
    pending = re.search(r'name="request" value="([^"]+)"', page.text).group(1)
    # the picker shows a page of people at a time: search for the name, as a tester would
    page = browser.get(page.url.split("?", 1)[0], params={"request": pending, "q": name}, allow_redirects=False)
    assert page.status_code == 200, page.text[:300]
    people = {html.unescape(label): oid for oid, label in
              re.findall(r'name="oid" value="(\d+)"[^>]*>\s*<span>([^<]+)</span>', page.text)}
    assert name in people, f"{name} is not on the emulator's page"
    back = browser.post(page.url, data={"request": pending, "oid": people[name], "allow": "1"},
                        allow_redirects=False)
    assert back.status_code == 302, back.text[:300]
    return browser, browser.get(back.headers["Location"])


def test_every_printed_login_lands_where_it_should(region):
    app, url, logins, output = region
    with app.app_context():
        reg = service("registries")

        def children_of(display_name: str) -> list[str]:
            user = User.get(User.display_name == display_name)
            return [s.full_name for s in reg.children_of(user)]

        def person(display_name: str) -> User:
            return User.get(User.display_name == display_name)

        checked = set()
        for item in logins:
            who = item["who"]
            assert item["login"] in output
            if item["how"] == "логин и пароль":
                browser = school_login(url, item["login"], item["password"])
                name = item["note"].split(":")[0]
                start = browser.get(url + "/").text
                assert name in html.unescape(start)
                role = person(name).role
                if role == "teacher":
                    journal = html.unescape(browser.get(url + "/journal").text)
                    assert re.search(r"\b\d{1,2}[АБ]\b", journal)
                    assert any(subject in journal for subject in ("Математика", "Алгебра", "Геометрия"))
                elif role in ("parent", "student"):
                    page = html.unescape(browser.get(url + "/progress").text)
                    expected = children_of(name) if role == "parent" else [name]
                    assert expected and all(child in page for child in expected), (who, expected)
                elif role == "school_admin":
                    assert browser.get(url + "/registries/students").status_code == 200
                elif role == "deputy":
                    assert browser.get(url + "/timeliness").status_code == 200
                else:
                    assert role in ("municipality", "operator")
                    assert browser.get(url + "/timeliness/municipality").status_code == 200
                checked.add(role)
                continue
            browser, landing = gosuslugi_login(url, item["login"])
            text = html.unescape(landing.text)
            if who == "Родитель через Госуслуги":
                page = html.unescape(browser.get(url + "/progress").text)
                kids = children_of(item["login"])
                assert len(kids) == 2 and all(k in page for k in kids)
                child = reg.children_of(person(item["login"]))[0]
                report = browser.get(f"{url}/progress/{child.id}/report-card")
                assert report.status_code == 200
            elif who == "Учащийся 15 лет":
                assert item["login"] in html.unescape(browser.get(url + "/progress").text)
            elif who == "Учётная запись не подтверждена":
                assert "не подтверждена" in text
            elif who == "Человек не из реестра":
                assert "реестр «Родители»" in text
            elif who == "Учащийся 13 лет":
                assert "младше 14 лет" in text
            else:
                pytest.fail(f"no expectation for the printed login {who!r}")
            checked.add(who)
    assert {"teacher", "school_admin", "deputy", "municipality", "operator", "parent", "student"} <= checked
    assert len(checked) == 12


def fingerprint(app) -> str:
    """A digest of what the demo made: people, classes, the journal (ids and values, not hashes or times)."""
    from plugins.gradebook.models import Attendance, Lesson, Mark, PeriodGrade

    with app.app_context():
        reg = registry_tables()
        parts = [
            [(s.full_name, s.birth_date, s.snils, s.school_class_id)
             for s in reg.Student.select().order_by(reg.Student.id)],
            [(p.full_name, p.snils, p.user_id) for p in reg.Parent.select().order_by(reg.Parent.id)],
            [(c.id, c.parent_id, c.student_id) for c in reg.ParentLink.select().order_by(reg.ParentLink.id)],
            [(les.assignment_id, les.date, les.number, les.topic, les.homework)
             for les in Lesson.select().order_by(Lesson.id)],
            [(m.lesson_id, m.student_id, m.value, m.entered_at) for m in Mark.select().order_by(Mark.id)],
            [(a.lesson_id, a.student_id, a.code) for a in Attendance.select().order_by(Attendance.id)],
            [(g.student_id, g.assignment_id, g.value) for g in PeriodGrade.select().order_by(PeriodGrade.id)],
        ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def test_the_same_seed_gives_the_same_region_and_another_seed_another(make_app):
    day = "2026-02-10"  # in the third quarter, so two quarters have period grades
    first, second, other = demo_app(make_app), demo_app(make_app), demo_app(make_app)
    run_demo(first, "--students", "40", "--seed", "5", "--today", day)
    run_demo(second, "--students", "40", "--seed", "5", "--today", day)
    run_demo(other, "--students", "40", "--seed", "6", "--today", day)
    assert fingerprint(first) == fingerprint(second)
    assert fingerprint(first) != fingerprint(other)
    persons = [(Path(a.instance_path) / "esia-persons.toml").read_text(encoding="utf-8") for a in (first, second)]
    assert persons[0] == persons[1]


def test_if_empty_keeps_an_existing_demo_and_prints_its_logins(make_app):
    app = demo_app(make_app)
    made = run_demo(app, "--students", "30", "--today", "2026-10-01")
    before = fingerprint(app)
    again = run_demo(app, "--if-empty", "--students", "90")
    assert "already there" in again.output
    assert fingerprint(app) == before
    with app.app_context():
        assert registry_tables().Student.select().count() == 30
    teacher_line = next(line for line in made.output.splitlines() if "uchitel-demo" in line)
    assert teacher_line in again.output


def test_the_journal_is_plausible_up_to_today(make_app):
    from plugins.gradebook.models import Attendance, Lesson, Mark, PeriodGrade

    app = demo_app(make_app)
    today = dt.date(2026, 11, 20)
    run_demo(app, "--students", "60", "--today", today.isoformat())
    with app.app_context():
        reg = registry_tables()
        grades = {c.grade for c in reg.SchoolClass.select()}
        assert grades == set(range(1, 12))
        held = Lesson.select().where(Lesson.date < today)
        assert held.where(Lesson.topic == "").count() == 0
        assert Lesson.select().where(Lesson.date > today, Lesson.topic != "").count() == 0
        assert Lesson.select().where(Lesson.date > today).count() > 0  # the timetable goes on
        assert held.where(Lesson.homework != "").count() > held.count() / 2
        values = [m.value for m in Mark.select(Mark.value)]
        share = {v: values.count(v) / len(values) for v in ("2", "3", "4", "5")}
        assert share["4"] > share["2"] and share["5"] > share["2"] and share["2"] < 0.12
        assert Mark.select().where(Mark.lesson_date >= today).count() == 0
        assert 0 < Mark.select().where(Mark.is_late == True).count() < len(values) * 0.05  # noqa: E712
        assert Attendance.select().where(Attendance.code == "Б").count() > 0
        from plugins.gradebook.models import JournalChange

        first_entries = JournalChange.select().where(
            (JournalChange.kind == "mark") & (JournalChange.field == "value") & (JournalChange.old_value == ""))
        history = {(c.object_id, c.lesson_id, c.student_id, c.assignment_id, c.new_value, c.changed_at)
                   for c in first_entries}
        assert history == {(m.id, m.lesson_id, m.student_id, m.assignment_id, m.value, m.entered_at)
                           for m in Mark.select()}  # every mark's first entry, as the pages would write it
        first_quarter = PeriodGrade.select().where(PeriodGrade.period.is_null(False))
        assert first_quarter.count() > 0 and first_quarter.where(PeriodGrade.value == "н/а").count() < \
            first_quarter.count() * 0.1
        parents_per_child = [len(list(s.parent_links)) for s in reg.Student.select()]
        assert parents_per_child.count(2) > parents_per_child.count(1) > 0


def test_the_bulk_load_leaves_the_indexes_and_the_ids_as_the_app_makes_them(make_app):
    """The demo writes its rows straight to the driver with ids of its own, dropping the journal's secondary
    indexes (and on PostgreSQL its foreign keys) for the load: afterwards every table has the indexes and
    foreign keys of a freshly migrated database, each id sequence (PostgreSQL) is past the table's largest id,
    and the app's own writes get new ids."""
    import peewee

    from core.api import database
    from plugins.gradebook.models import Lesson, Mark, TeachingAssignment, WorkType

    def indexes(app) -> dict:
        with app.app_context():
            return {table: (sorted((i.name, tuple(i.columns), i.unique) for i in database.get_indexes(table)),
                            sorted((k.column, k.dest_table, k.dest_column) for k in database.get_foreign_keys(table)))
                    for table in database.get_tables()}

    fresh = demo_app(make_app)
    with fresh.app_context():
        fresh.extensions["eschool"].upgrade_db()
    app = demo_app(make_app)
    run_demo(app, "--students", "30", "--today", "2026-10-01")
    assert indexes(app) == indexes(fresh)
    with app.app_context():
        if isinstance(database.obj, peewee.PostgresqlDatabase):
            tables = [row[0] for row in database.execute_sql(
                "SELECT table_name FROM information_schema.columns WHERE table_schema = current_schema() "
                "AND column_name = 'id' AND column_default LIKE 'nextval%%'").fetchall()]
            assert "gradebook_mark" in tables and "user" in tables
            for table in tables:
                largest = database.execute_sql(f'SELECT MAX(id) FROM "{table}"').fetchone()[0]
                sequence = database.execute_sql("SELECT pg_get_serial_sequence(%s, 'id')",
                                                (f'"{table}"',)).fetchone()[0]
                last, called = database.execute_sql(f"SELECT last_value, is_called FROM {sequence}").fetchone()
                assert largest is None or (last if called else last - 1) >= largest, table
        largest_user = User.select(peewee.fn.MAX(User.id)).scalar()
        assert User.create(display_name="Новый родитель", role="parent").id > largest_user
        assignment = TeachingAssignment.select().where(TeachingAssignment.scale == "five").first()
        lesson = Lesson.create(assignment=assignment.id, date=dt.date(2026, 10, 2), number=8)
        assert lesson.id > Lesson.select(peewee.fn.MAX(Lesson.id)).where(Lesson.id != lesson.id).scalar()
        work_type = WorkType.select().where(WorkType.school_id == assignment.school_id).first()
        student = registry_tables().Student.select().where(
            registry_tables().Student.school_class == assignment.class_id).first()
        mark = Mark.create(lesson=lesson.id, student_id=student.id, assignment_id=assignment.id,
                           subject_id=assignment.subject_id, lesson_date=lesson.date, value="5", work_type=work_type.id)
        assert mark.id == Mark.select(peewee.fn.MAX(Mark.id)).scalar()
