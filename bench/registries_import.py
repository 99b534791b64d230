"""Benchmark: import 10,000 students, 20,000 parents and 20,000 links from CSV into a fresh SQLite file.

Measures the registries importer (validation of the whole file, natural-key
matching, one transaction, per-row audit records) beside a plain ``sqlite3``
``executemany`` insert of the same rows into the same tables, in the same run.
Each measurement runs in its own process on its own fresh database file:
once for wall time, once under ``tracemalloc`` for peak Python memory; the
process's peak RSS is reported too.

    .venv/bin/python bench/registries_import.py [--students 10000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LAST = ["Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков", "Фёдоров"]
FIRST_M = ["Александр", "Дмитрий", "Максим", "Сергей", "Андрей", "Алексей", "Артём", "Илья", "Кирилл", "Михаил"]
FIRST_F = ["Анна", "Мария", "Елена", "Дарья", "Алина", "Ирина", "Екатерина", "Арина", "Полина", "Ольга"]
MIDDLE_M = ["Александрович", "Дмитриевич", "Сергеевич", "Андреевич", "Игоревич"]


def letters(number: int) -> str:
    """A unique Cyrillic tag for a number (names may hold letters only)."""
    alphabet = "абвгдежзиклмнопрстуфхцчшэюя"
    out = ""
    while True:
        number, rest = divmod(number, len(alphabet))
        out += alphabet[rest]
        if not number:
            return out.capitalize()


def snils_for(number: int) -> str:
    from plugins.registries.snils import format_snils, make_valid

    return format_snils(make_valid(number))


def generate(folder: Path, students: int) -> dict[str, Path]:
    """Write students.csv, parents.csv and links.csv: every child has a mother and a father."""
    paths = {k: folder / f"{k}.csv" for k in ("students", "parents", "links")}
    with open(paths["students"], "w", newline="", encoding="utf-8") as fs, \
            open(paths["parents"], "w", newline="", encoding="utf-8") as fp, \
            open(paths["links"], "w", newline="", encoding="utf-8") as fl:
        ws, wp, wl = (csv.writer(f, delimiter=";") for f in (fs, fp, fl))
        ws.writerow(["Фамилия", "Имя", "Отчество", "Дата рождения", "Пол", "СНИЛС", "Класс", "Статус"])
        wp.writerow(["Фамилия", "Имя", "Отчество", "СНИЛС", "Дата рождения", "Телефон", "Эл. почта"])
        wl.writerow(["СНИЛС родителя", "Фамилия ребёнка", "Имя ребёнка", "Отчество ребёнка",
                     "Дата рождения ребёнка", "СНИЛС ребёнка", "Кем приходится"])
        for i in range(students):
            last = f"{LAST[i % 10]}{'а' if i % 2 else ''}-{letters(i)}"
            first = FIRST_F[i // 2 % 10] if i % 2 else FIRST_M[i // 2 % 10]
            middle = MIDDLE_M[i % 5] if not i % 2 else MIDDLE_M[i % 5][:-4] + "на"
            birth = (dt.date(2008, 9, 1) + dt.timedelta(days=i % 3650)).strftime("%d.%m.%Y")
            child_snils = snils_for(200_000_000 + i)
            ws.writerow([last, first, middle, birth, "Ж" if i % 2 else "М", child_snils,
                         f"{1 + i % 11}{'АБВГ'[i % 4]}", "обучается"])
            for k, (relation, pfirst) in enumerate((("мать", "Ольга"), ("отец", "Игорь"))):
                parent_snils = snils_for(500_000_000 + 2 * i + k)
                pl = LAST[i % 10] + ("а" if relation == "мать" else "")
                wp.writerow([f"{pl}-{letters(i)}", pfirst, "", parent_snils, "", f"+7 900 {i:07d}", ""])
                wl.writerow([parent_snils, last, first, middle, birth, child_snils, relation])
    return paths


def fresh_app(db_path: Path):
    from core import create_app

    instance = db_path.parent / (db_path.stem + "-instance")
    app = create_app({"eschool": {"plugins": ["registries"], "database_url": f"sqlite:///{db_path}",
                                  "instance_path": str(instance)}})
    with app.app_context():
        app.extensions["eschool"].upgrade_db()
    return app


def run_importer(paths: dict[str, Path], db_path: Path) -> dict:
    from plugins.registries import models as m
    from plugins.registries.importer import Importer
    from plugins.registries.tabular import read_file

    app = fresh_app(db_path)
    with app.app_context():
        municipality = m.Municipality.create(code="01", name="Бенчмарк")
        school = m.School.create(municipality=municipality, code="0101", name="Школа", short_name="Школа")
        start, cpu = time.perf_counter(), time.process_time()
        sheets = [s for p in paths.values() for s in read_file(p.name, p)]  # streamed from the file
        report = Importer(school, confirm_classes=True).run(sheets)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        assert report.applied and not report.errors, report.errors[:5]
        return {"seconds": elapsed, "cpu": cpu, "created": report.created,
                "rows": m.Student.select().count() + m.Parent.select().count() + m.ParentLink.select().count()}


def run_executemany(paths: dict[str, Path], db_path: Path) -> dict:
    """The floor: parse the same CSV rows and insert them with sqlite3 executemany, no checks."""
    import sqlite3

    fresh_app(db_path)  # the same tables, created by the plugin's migration
    conn = sqlite3.connect(db_path)
    conn.execute("INSERT INTO municipality (code, name) VALUES ('01', 'Бенчмарк')")
    conn.execute("INSERT INTO school (municipality_id, code, name, short_name, address, phone, email, website, "
                 "service_contact) VALUES (1, '0101', 'Школа', 'Школа', '', '', '', '', '')")
    conn.commit()
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(" ")
    start, cpu = time.perf_counter(), time.process_time()

    def rows(name):
        with open(paths[name], encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh, delimiter=";")
            next(reader)
            return list(reader)

    def iso(ru: str) -> str:
        return f"{ru[6:10]}-{ru[3:5]}-{ru[0:2]}" if ru else None

    def digits(s: str) -> str:
        return s.replace("-", "").replace(" ", "")

    with conn:
        students = rows("students")
        conn.executemany(
            "INSERT INTO student (last_name, first_name, middle_name, created_at, updated_at, birth_date, gender, "
            "snils, school_id, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, 'enrolled')",
            [(r[0], r[1], r[2], now, now, iso(r[3]), "f" if r[4] == "Ж" else "m", digits(r[5])) for r in students])
        parents = rows("parents")
        conn.executemany(
            "INSERT INTO parent (last_name, first_name, middle_name, created_at, updated_at, snils, birth_date, "
            "phone, email, registered_school_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
            [(r[0], r[1], r[2], now, now, digits(r[3]), iso(r[4]), r[5], r[6]) for r in parents])
        student_ids = dict(conn.execute("SELECT snils, id FROM student"))
        parent_ids = dict(conn.execute("SELECT snils, id FROM parent"))
        conn.executemany(
            "INSERT INTO parent_link (parent_id, student_id, relation, created_at) VALUES (?, ?, ?, ?)",
            [(parent_ids[digits(r[0])], student_ids[digits(r[5])], "mother" if r[6] == "мать" else "father", now)
             for r in rows("links")])
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    count = sum(conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("student", "parent", "parent_link"))
    conn.close()
    return {"seconds": elapsed, "cpu": cpu, "rows": count}


def child(approach: str, folder: str, mode: str) -> None:
    """One measurement in this process; prints one JSON line."""
    paths = {k: Path(folder) / f"{k}.csv" for k in ("students", "parents", "links")}
    db_path = Path(folder) / f"{approach}-{mode}.sqlite3"
    for old in (db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm")):
        old.unlink(missing_ok=True)
    if mode == "memory":
        tracemalloc.start()
    result = {"importer": run_importer, "executemany": run_executemany}[approach](paths, db_path)
    if mode == "memory":
        result["peak_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    result["max_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def measure(approach: str, folder: Path, mode: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", approach, str(folder), mode],
                         check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=10_000)
    parser.add_argument("--keep", help="write the CSV files and databases here and keep them")
    parser.add_argument("--child", nargs=3, metavar=("APPROACH", "FOLDER", "MODE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="eschool-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    paths = generate(folder, args.students)
    sizes = {k: sum(1 for _ in open(p, encoding="utf-8")) - 1 for k, p in paths.items()}
    print(f"rows: students {sizes['students']}, parents {sizes['parents']}, links {sizes['links']}  ({folder})")
    print(f"{'approach':<14}{'wall, s':>9}{'cpu, s':>9}{'rows/s':>9}{'peak py, MiB':>14}{'max RSS, MiB':>14}")
    for approach in ("importer", "executemany"):
        timed = measure(approach, folder, "time")
        memory = measure(approach, folder, "memory")
        rate = timed["rows"] / timed["seconds"]
        print(f"{approach:<14}{timed['seconds']:>9.2f}{timed['cpu']:>9.2f}{rate:>9.0f}{memory['peak_mib']:>14.1f}"
              f"{timed['max_rss_mib']:>14.1f}")
    if not args.keep:
        shutil.rmtree(folder)
    print(f"python {sys.version.split()[0]}, sqlite {__import__('sqlite3').sqlite_version}, pid {os.getpid()}")


if __name__ == "__main__":
    main()
