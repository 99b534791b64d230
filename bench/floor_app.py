"""The benchmark's floor and bare endpoint: what the parent's progress page costs written plainly by hand.

``floor_app()`` is Flask + the database driver (``sqlite3`` or ``psycopg``), one
connection per server thread kept across requests, SQL written out. It does
the work of ``/progress/<student>?period=<id>``: reads the Flask session cookie
(the same secret and cookie as eschool), looks the server-side session up
(unrevoked, unexpired, user not blocked; ``last_seen_at`` written when older
than a minute, as eschool does), checks an active parent link and an
unrevoked consent, reads the period and its year, the student's assignments
of that year (class, groups, marked), subject and teacher names, the
period's marks with their work types and weights, period grades, attendance
with the school's absence codes, computes the weighted averages, renders a
Jinja table, and writes the same audit record (``progress.read``) in its own
transaction. Served by the same gunicorn settings as eschool, on the same
data file.

``bare_app()`` answers ``ok``: the cost of gunicorn + Flask alone.

Settings come from ``BENCH_DATABASE`` (a SQLite path or a ``postgresql://`` URL)
and ``BENCH_SECRET_FILE``; nothing else from the environment.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import threading
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from flask import Flask, abort, redirect, request, session

PAGE = """<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>Успеваемость</title></head><body>
<h1>{{ student.name }}</h1><p>{{ period.name }} ({{ period.starts }} — {{ period.ends }})</p>
<table><thead><tr><th>Предмет</th><th>Учитель</th><th>Отметки</th><th>Средний балл</th><th>Пропуски</th>
<th>За период</th></tr></thead><tbody>
{% for s in subjects %}<tr><td>{{ s.name }}</td><td>{{ s.teacher }}</td>
<td>{% for m in s.marks %}<span title="{{ m.date }}, {{ m.kind }}">{{ m.value }}</span> {% endfor %}</td>
<td>{{ s.average if s.average is not none else "—" }}</td><td>{{ s.absences }}</td><td>{{ s.grade or "" }}</td></tr>
{% endfor %}</tbody></table>
<p>Пропусков: {% for code, n in counts.items() %}{{ code }} — {{ n }}; {% endfor %}</p></body></html>"""

LAST_SEEN = dt.timedelta(minutes=1)


def bare_app():
    app = Flask("bare")

    @app.route("/")
    def hello():
        return "ok"

    return app


class Db:
    """One connection per thread, kept; ``q`` runs a query with ``?`` placeholders on either driver."""

    def __init__(self, target: str):
        self.target = target
        self.pg = target.startswith(("postgres://", "postgresql://"))
        self.local = threading.local()

    def conn(self):
        conn = getattr(self.local, "conn", None)
        if conn is None:
            if self.pg:
                import psycopg

                conn = psycopg.connect(self.target, autocommit=True)
            else:
                import sqlite3

                conn = sqlite3.connect(self.target, timeout=10, isolation_level=None, check_same_thread=False)
                for pragma in ("journal_mode=wal", "foreign_keys=1", "busy_timeout=10000", "synchronous=normal"):
                    conn.execute(f"PRAGMA {pragma}")
            self.local.conn = conn
        return conn

    def q(self, sql: str, args=()):
        if self.pg:
            sql = sql.replace("?", "%s")
        return self.conn().execute(sql, args).fetchall()

    def run(self, sql: str, args=()):
        if self.pg:
            sql = sql.replace("?", "%s")
        self.conn().execute(sql, args)


def _date(value):
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def _moment(value):
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value


def weighted(pairs):
    numeric = [(Decimal(v), Decimal(str(w))) for v, w in pairs if v in ("2", "3", "4", "5")]
    total = sum(w for _, w in numeric)
    if not total:
        return None
    return (sum(v * w for v, w in numeric) / total).quantize(Decimal("0.01"), ROUND_HALF_UP)


def floor_app():
    app = Flask("floor")
    app.secret_key = Path(os.environ["BENCH_SECRET_FILE"]).read_text().strip()
    app.config["SESSION_COOKIE_NAME"] = "eschool_session"
    db = Db(os.environ["BENCH_DATABASE"])
    page = app.jinja_env.from_string(PAGE)  # compiled once, as a template file would be

    @app.route("/progress/<int:student_id>")
    def progress(student_id: int):
        # the session
        token = session.get("_user_id")
        if not token:
            return redirect("/login")
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        found = db.q('SELECT s.id, s.expires_at, s.last_seen_at, u.id, u.role, u.is_blocked FROM user_session s '
                     'JOIN "user" u ON u.id = s.user_id WHERE s.token_hash = ? AND s.revoked_at IS NULL',
                     (hashlib.sha256(token.encode()).hexdigest(),))
        if not found or _moment(found[0][1]) <= now or found[0][5]:
            return redirect("/login")
        session_id, _, last_seen, user_id, role, _ = found[0]
        stamp = now if db.pg else str(now)
        if now - _moment(last_seen) > LAST_SEEN:
            db.run("UPDATE user_session SET last_seen_at = ? WHERE id = ?", (stamp, session_id))
        # link + consent
        allowed = db.q("SELECT 1 FROM parent_link l JOIN parent p ON p.id = l.parent_id WHERE p.user_id = ? "
                       "AND l.student_id = ? AND l.ended_at IS NULL AND EXISTS (SELECT 1 FROM consent c "
                       "WHERE c.subject_student_id = l.student_id AND c.revoked_at IS NULL)", (user_id, student_id))
        if not allowed:
            abort(404)
        student = db.q("SELECT id, last_name, first_name, school_class_id FROM student WHERE id = ?", (student_id,))[0]
        # the period, of one of the student's years
        period = db.q("SELECT p.id, p.name, p.starts_on, p.ends_on, y.id, y.school_id, y.starts_on, y.ends_on "
                      "FROM gradebook_period p JOIN gradebook_academic_year y ON y.id = p.year_id WHERE p.id = ?",
                      (request.args.get("period", type=int),))
        if not period:
            abort(404)
        period_id, period_name, starts, ends, year_id, school_id, year_starts, year_ends = period[0]
        # assignments: the class's, the student's groups', any that marked them this year
        assignments = db.q(
            "SELECT a.id, a.subject_id, s.name, a.teacher_id, a.scale FROM gradebook_assignment a "
            "JOIN gradebook_subject s ON s.id = a.subject_id WHERE a.year_id = ? AND ("
            "(a.class_id = ? AND a.group_id IS NULL) "
            "OR a.group_id IN (SELECT group_id FROM gradebook_group_member WHERE student_id = ?) "
            "OR a.id IN (SELECT assignment_id FROM gradebook_mark WHERE student_id = ? "
            "AND lesson_date BETWEEN ? AND ?)) ORDER BY s.name, a.id",
            (year_id, student[3], student_id, student_id, year_starts, year_ends))
        teachers = {row[0]: f"{row[1]} {row[2][:1]}." for row in db.q(
            f"SELECT id, last_name, first_name FROM staff WHERE id IN ({', '.join('?' * len(assignments))})",
            [a[3] for a in assignments])} if assignments else {}
        subjects = {}
        for _, subject_id, name, teacher_id, _ in assignments:
            subjects.setdefault(subject_id, {"name": name, "teacher": teachers.get(teacher_id, ""), "marks": [],
                                             "absences": 0, "grade": "", "average": None})
        for value, date, weight, subject_id, kind in db.q(
                "SELECT m.value, m.lesson_date, m.weight, m.subject_id, w.short_name FROM gradebook_mark m "
                "JOIN gradebook_work_type w ON w.id = m.work_type_id WHERE m.student_id = ? "
                "AND m.lesson_date BETWEEN ? AND ? ORDER BY m.lesson_date, m.id", (student_id, starts, ends)):
            if subject_id in subjects:
                subjects[subject_id]["marks"].append({"value": value, "date": _date(date), "weight": weight,
                                                      "kind": kind})
        for subject_id, value in db.q("SELECT subject_id, value FROM gradebook_period_grade WHERE student_id = ? "
                                      "AND year_id = ? AND period_id = ?", (student_id, year_id, period_id)):
            if subject_id in subjects:
                subjects[subject_id]["grade"] = value
        absence = {row[0] for row in db.q("SELECT code FROM gradebook_attendance_code WHERE school_id = ? "
                                          "AND is_absence = ?", (school_id, True))}
        subject_of = {a[0]: a[1] for a in assignments}
        counts = defaultdict(int)
        for code, aid in db.q("SELECT code, assignment_id FROM gradebook_attendance WHERE student_id = ? "
                              "AND lesson_date BETWEEN ? AND ?", (student_id, starts, ends)):
            counts[code] += 1
            if code in absence and subject_of.get(aid) in subjects:
                subjects[subject_of[aid]]["absences"] += 1
        for entry in subjects.values():
            entry["average"] = weighted([(m["value"], m["weight"]) for m in entry["marks"]])
        html = page.render(
            student={"name": f"{student[1]} {student[2]}"}, subjects=list(subjects.values()), counts=counts,
            period={"name": period_name, "starts": _date(starts).strftime("%d.%m.%Y"),
                    "ends": _date(ends).strftime("%d.%m.%Y")})
        # the audit record, as eschool writes it
        db.run("INSERT INTO audit_record (at, user_id, role, ip, action, object_type, object_id, result, details) "
               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
               (stamp, user_id, role, request.remote_addr or "", "progress.read", "student", str(student_id), "ok",
                json.dumps({"page": "progress", "period": period_id, "floor": True})))
        return html

    return app
