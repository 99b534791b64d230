"""The access log («Журнал доступа») over a million audit records: its filter queries, timed and explained.

    .venv/bin/python bench/audit_log.py --folder /tmp/audit-bench                 # builds once, then reuses
    .venv/bin/python bench/audit_log.py --folder /tmp/audit-bench --records 1000000 --repeat 5

Builds (once, kept in ``--folder``) a region of registries only: one municipality, ``--schools`` schools of
500 students in 20 classes, a parent with an account, a link and a consent for every child, 40 teachers and a
school admin per school; then ``--records`` audit records spread over a year (ids and ``at`` rising together,
as the log writes them): staff reading cards and lists, parents logging in and reading, a few refusals.
Registries rows go through ``insert_many``, the audit log through one ``executemany``; the time each took
is printed.

Then, for two readers — the region operator (the whole log) and a school admin (the scope
``about_schools``: records about the school, its students, parents, classes and staff, and what its staff
did) — it runs every filter of the log page as the page builds it (``core.access_log.records_query`` →
``page``) and a plain hand-written SQL of the same query, ``--repeat`` times each, and prints the medians
side by side with SQLite's ``EXPLAIN QUERY PLAN`` of the page's query (the lines that read the audit log),
and times the XLSX export of one month of each reader's view. The target is under 200 ms per
filter on the page's side; a plan line ``SCAN audit_record`` (a full scan) is what the indexes of
``core/migrations/m0004_audit_filter_indexes.py`` are there to prevent (``tests/core/test_access_log_plans.py``
checks the plans without timing).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CLASSES, CLASS_SIZE, TEACHERS = 20, 25, 40
DAYS = 365


def write_config(folder: Path) -> Path:
    secret = folder / "secret_key"
    if not secret.exists():
        secret.write_text(secrets.token_urlsafe(48))
    config = folder / "region.toml"
    config.write_text(
        "[eschool]\n"
        'region_name = "Нагрузочный регион"\n'
        'plugins = ["registries"]\n'
        f"database_url = {json.dumps('sqlite:///' + str(folder / 'eschool.sqlite3'))}\n"
        f"instance_path = {json.dumps(str(folder / 'instance'))}\n"
        f"secret_key = {{ file = {json.dumps(str(secret))} }}\n"
        'log_format = "text"\n'
    )
    return config


def chunks(rows: list, size: int = 5000):
    for i in range(0, len(rows), size):
        yield rows[i:i + size]


def build_registries(app, schools: int) -> dict:
    """The region's people; returns the ids the audit records point at."""
    from core.api import User, database, service

    reg = service("registries")
    now = dt.datetime(2026, 11, 1)
    info: dict = {"schools": [], "students": [], "parents": [], "links": [], "consents": [], "classes": [],
                  "staff": [], "staff_users": [], "parent_users": [], "admins": []}
    with database.atomic():
        municipality = reg.Municipality.create(code="bench", name="Нагрузочный район")
        info["municipality"] = municipality.id
        for s in range(schools):
            school = reg.School.create(municipality=municipality, code=f"b{s}", name=f"МБОУ «Школа № {s + 1}»",
                                       short_name=f"Школа № {s + 1}")
            info["schools"].append(school.id)
            admin = User.create(display_name=f"Админова {s + 1}", role="school_admin")
            reg.Staff.create(last_name=f"Админова-{s + 1}", first_name="Ольга", position="администратор",
                             school=school, user=admin)
            info["admins"].append(admin.id)
            for t in range(TEACHERS):
                user = User.create(display_name=f"Учитель {s + 1}-{t + 1}", role="teacher")
                staff = reg.Staff.create(last_name=f"Учителева-{s + 1}-{t + 1}", first_name="Анна",
                                         school=school, user=user)
                info["staff"].append(staff.id)
                info["staff_users"].append(user.id)
            for c in range(CLASSES):
                klass = reg.SchoolClass.create(school=school, year=2026, grade=1 + c // 2, letter="АБ"[c % 2])
                info["classes"].append(klass.id)
                base = len(info["students"])
                students = [{"last_name": f"Ученик-{base + i}", "first_name": "Иван", "birth_date": dt.date(2015, 1, 1),
                             "gender": "m", "school": school.id, "school_class": klass.id} for i in range(CLASS_SIZE)]
                first = reg.Student.insert_many(students).execute()
                ids = [r.id for r in reg.Student.select(reg.Student.id).where(reg.Student.school_class == klass.id)]
                info["students"] += ids
                del first
    with database.atomic():
        users = [{"display_name": f"Родитель {i}", "role": "parent", "created_at": now}
                 for i in range(len(info["students"]))]
        for part in chunks(users):
            User.insert_many(part).execute()
        info["parent_users"] = [u.id for u in User.select(User.id).where(User.role == "parent").order_by(User.id)]
        parents = [{"last_name": f"Родителева-{i}", "first_name": "Мария", "snils": f"{10_000_000_000 + i}",
                    "user": uid} for i, uid in enumerate(info["parent_users"])]
        for part in chunks(parents):
            reg.Parent.insert_many(part).execute()
        parent_ids = [p.id for p in reg.Parent.select(reg.Parent.id).order_by(reg.Parent.id)]
        info["parents"] = parent_ids
        links = [{"parent": p, "student": s, "relation": "mother", "created_at": now}
                 for p, s in zip(parent_ids, info["students"], strict=True)]
        for part in chunks(links):
            reg.ParentLink.insert_many(part).execute()
        info["links"] = [x.id for x in reg.ParentLink.select(reg.ParentLink.id)]
        consents = [{"subject_student": s, "giver_parent": p, "purpose": "service", "text_version": "1",
                     "given_on": dt.date(2026, 9, 1), "channel": "paper"}
                    for p, s in zip(parent_ids, info["students"], strict=True)]
        for part in chunks(consents):
            reg.Consent.insert_many(part).execute()
        info["consents"] = [x.id for x in reg.Consent.select(reg.Consent.id)]
    return info


# what the records say: (action, object kind, who does it)
ACTIVITY = [
    ("student.read", "student", "staff", 30), ("student.list", "school_class", "staff", 10),
    ("parent.read", "parent", "staff", 8), ("consent.create", "consent", "staff", 3),
    ("link.create", "parent_link", "staff", 2), ("staff.read", "staff", "staff", 4),
    ("registry.read", "school", "staff", 5), ("registry.readiness", "school", "staff", 2),
    ("login", "user", "parent", 20), ("logout", "user", "parent", 6), ("student.read", "student", "parent", 10),
]
RESULTS = [("ok", 95), ("denied", 3), ("not_found", 1), ("refused", 1)]


def fill_audit(app, info: dict, records: int, seed: int = 7) -> float:
    """``records`` audit rows in one ``executemany``; returns the seconds it took (generation included)."""
    from core.api import database

    rnd = random.Random(seed)
    started = time.monotonic()
    kinds = [a for a in ACTIVITY for _ in range(a[3])]
    results = [r for r, w in RESULTS for _ in range(w)]
    start = dt.datetime(2025, 11, 1)
    step = DAYS * 86400 / records
    n_students = len(info["students"])
    staff_of_student = len(info["staff_users"]) / n_students

    def row(i):
        action, kind, who, _ = rnd.choice(kinds)
        k = rnd.randrange(n_students)
        if who == "staff":
            user = info["staff_users"][int(k * staff_of_student)]
            role = "teacher"
        else:
            user = info["parent_users"][k]
            role = "parent"
        target = {"student": info["students"], "parent": info["parents"], "consent": info["consents"],
                  "parent_link": info["links"], "user": info["parent_users"], "staff": info["staff"],
                  "school": info["schools"], "school_class": info["classes"]}[kind]
        if kind in ("student", "parent", "consent", "parent_link", "user"):
            object_id = target[k]
        else:
            object_id = target[int(k * len(target) / n_students)]
        at = start + dt.timedelta(seconds=i * step)
        return (at.strftime("%Y-%m-%d %H:%M:%S.%f"), user, role, "10.0.0.1", action, kind, str(object_id),
                rnd.choice(results), "{}")

    sql = ("INSERT INTO audit_record (at, user_id, role, ip, action, object_type, object_id, result, details) "
           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
    with database.connection_context():
        conn = database.connection()
        for low in range(0, records, 200_000):
            rows = [row(i) for i in range(low, min(records, low + 200_000))]
            with database.atomic():
                conn.executemany(sql, rows)
    return time.monotonic() - started


def prepare(folder: Path, schools: int, records: int):
    from core import create_app

    folder.mkdir(parents=True, exist_ok=True)
    saved = folder / "ids.json"
    config = write_config(folder)
    if not saved.exists():
        app = create_app(str(config))
        with app.app_context():
            app.extensions["eschool"].upgrade_db()
            started = time.monotonic()
            info = build_registries(app, schools)
            print(f"registries: {len(info['schools'])} schools, {len(info['students'])} students, "
                  f"{len(info['parents'])} parents in {time.monotonic() - started:.1f} s", flush=True)
            took = fill_audit(app, info, records)
            print(f"audit log: {records:,} records (executemany) in {took:.1f} s", flush=True)
        saved.write_text(json.dumps(info))
    app = create_app(str(config))
    with app.app_context():
        app.extensions["eschool"].upgrade_db()  # a new index migration applies to a kept data set too
    return app, json.loads(saved.read_text())


def cases(info: dict, max_id: int) -> list[tuple[str, dict, str, list]]:
    """(name, Filters fields, hand-written WHERE, its parameters) for each filter of the page."""
    student, school, person = info["students"][100], info["schools"][0], \
        info["staff_users"][5]
    student_about = ("(a.object_type = 'student' AND a.object_id = ?) "
                     "OR (a.object_type = 'parent_link' AND a.object_id IN "
                     "(SELECT CAST(id AS TEXT) FROM parent_link WHERE student_id = ?)) "
                     "OR (a.object_type = 'consent' AND a.object_id IN "
                     "(SELECT CAST(id AS TEXT) FROM consent WHERE subject_student_id = ?))")
    deep = max_id - max_id * 6 // 10
    return [
        ("first page", {}, "1", []),
        ("deep page", {"before": deep}, "a.id < ?", [deep]),
        ("person", {"who": person}, "a.user_id = ?", [person]),
        ("child", {"about": ("student", str(student))}, f"({student_about})", [str(student), student, student]),
        ("school", {"about": ("school", str(school))}, None, []),
        ("action", {"action": "consent.create"}, "a.action = ?", ["consent.create"]),
        ("outcome", {"result": "denied"}, "a.result = ?", ["denied"]),
        ("outcome none has", {"result": "failed"}, "a.result = ?", ["failed"]),
        ("rare outcome, deep", {"result": "refused", "before": deep}, "a.result = ? AND a.id < ?", ["refused", deep]),
        ("date range", {"date_from": dt.date(2026, 3, 1), "date_to": dt.date(2026, 3, 7)},
         "a.at >= ? AND a.at < ?", ["2026-02-28 21:00:00", "2026-03-07 21:00:00"]),
        ("action + outcome + dates", {"action": "student.read", "result": "denied", "date_from": dt.date(2026, 5, 1),
                                      "date_to": dt.date(2026, 5, 31)},
         "a.action = ? AND a.result = ? AND a.at >= ? AND a.at < ?",
         ["student.read", "denied", "2026-04-30 21:00:00", "2026-05-31 21:00:00"]),
    ]


def median_ms(fn, repeat: int) -> tuple[float, int]:
    """The median of ``repeat`` runs after one unmeasured run (the page cache of the file warmed)."""
    fn()
    times, n = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        n = fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), n


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folder", required=True, type=Path)
    parser.add_argument("--schools", type=int, default=20)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-plan", action="store_true")
    args = parser.parse_args(argv)
    app, info = prepare(args.folder, args.schools, args.records)

    from core import access_log, policy
    from core.api import User, database
    from core.models import AuditRecord
    from core.types import Actor

    db = app.extensions["eschool_db"]
    with app.test_request_context(), db.connection_context():
        total = AuditRecord.select().count()
        max_id = AuditRecord.select(AuditRecord.id).order_by(AuditRecord.id.desc()).first().id
        print(f"audit_record: {total:,} rows; SQLite {database.execute_sql('select sqlite_version()').fetchone()[0]}")
        readers = [("region operator", None), ("school admin", info["admins"][0])]
        failed = []
        for reader_name, admin_id in readers:
            if admin_id is None:
                user = User.get_or_none(User.role == "operator") or User.create(display_name="Оператор",
                                                                                role="operator")
            else:
                user = User.get_by_id(admin_id)
            actor = Actor(user, None, "bench")
            condition = policy.scope(actor, "audit.read", AuditRecord)
            school_ids = ",".join(str(s) for s in [info["schools"][0]])
            scope_sql = "1" if admin_id is None else school_scope_sql(school_ids)
            print(f"\n== {reader_name} ==")
            print(f"{'filter':28} {'page ms':>9} {'SQL ms':>9} {'rows':>5}")
            for name, fields, where, params in cases(info, max_id):
                filters = access_log.Filters(**fields)
                if where is None:  # the school filter: the school's own scope, written by hand
                    where, params = school_scope_sql(str(info["schools"][0])), []

                def through_page(filters=filters, condition=condition):
                    rows, _ = access_log.page(condition, filters)
                    return len(rows)

                sql = ("SELECT a.*, u.display_name FROM audit_record a LEFT JOIN user u ON u.id = a.user_id "
                       f"WHERE ({scope_sql}) AND ({where}) ORDER BY a.id DESC LIMIT 51")

                def by_hand(sql=sql, params=params):
                    return len(database.execute_sql(sql, params).fetchall())

                page_ms, n_page = median_ms(through_page, args.repeat)
                sql_ms, n_sql = median_ms(by_hand, args.repeat)
                flag = "" if page_ms < 200 else "  <-- over 200 ms"
                if page_ms >= 200:
                    failed.append(f"{reader_name}: {name}")
                print(f"{name:28} {page_ms:9.1f} {sql_ms:9.1f} {n_page:5}{flag}"
                      + ("" if n_page == min(n_sql, 50) else f"  (hand-written SQL found {n_sql})"))
                if not args.no_plan:
                    for line in audit_plan(access_log.records_query(condition, filters).limit(51)):
                        print(f"{'':6}{line}")
            # the XLSX export of a month of the reader's view (the page's filters, every record, named)
            month = access_log.Filters(date_from=dt.date(2026, 3, 1), date_to=dt.date(2026, 3, 31))
            started = time.perf_counter()
            data, count = access_log.export_workbook(actor, condition, month)
            took = time.perf_counter() - started
            print(f"{'export, March (XLSX)':28} {took * 1000:9.0f} {'':>9} {count:5}  "
                  f"({len(data) // 1024} KiB, {count / took:,.0f} records/s)")
        print("\nall filters under 200 ms" if not failed else f"\nover 200 ms: {', '.join(failed)}")
    return 0


def audit_plan(query) -> list[str]:
    """The plan lines that read the audit log (the rest reads the small registries through their keys)."""
    import re

    from core.api import database

    text, params = query.sql()
    aliases = {alias for table, alias in re.findall(r'"(\w+)" AS "(t\d+)"', text) if table == "audit_record"}
    lines = []
    for row in database.execute_sql("EXPLAIN QUERY PLAN " + text, params).fetchall():
        words = row[3].split()
        if (len(words) > 1 and words[1] in aliases) or "TEMP B-TREE" in row[3]:
            line = re.sub(rf"\b{words[1]}\b", "audit_record", row[3], count=1) if words[1] in aliases else row[3]
            if line not in lines:
                lines.append(line)
    return lines


def school_scope_sql(school_ids: str) -> str:
    """``about_schools`` written by hand: the school, its students, parents, classes, staff and their acts."""
    students = f"SELECT id FROM student WHERE school_id IN ({school_ids})"
    return (f"(a.object_type = 'school' AND a.object_id IN (SELECT CAST(id AS TEXT) FROM school "
            f"WHERE id IN ({school_ids}))) "
            f"OR (a.object_type = 'student' AND a.object_id IN (SELECT CAST(id AS TEXT) FROM student "
            f"WHERE school_id IN ({school_ids}))) "
            f"OR (a.object_type = 'parent' AND a.object_id IN (SELECT CAST(id AS TEXT) FROM parent WHERE id IN "
            f"(SELECT parent_id FROM parent_link WHERE student_id IN ({students})) "
            f"OR registered_school_id IN ({school_ids}))) "
            f"OR (a.object_type = 'school_class' AND a.object_id IN (SELECT CAST(id AS TEXT) FROM school_class "
            f"WHERE school_id IN ({school_ids}))) "
            f"OR (a.object_type = 'staff' AND a.object_id IN (SELECT CAST(id AS TEXT) FROM staff "
            f"WHERE school_id IN ({school_ids}))) "
            f"OR a.user_id IN (SELECT user_id FROM staff WHERE school_id IN ({school_ids}) AND user_id IS NOT NULL)")


if __name__ == "__main__":
    raise SystemExit(main())
