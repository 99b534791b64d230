"""Benchmark of the registries importer at three sizes in one run, beside plain ``executemany`` of the same rows.

    .venv/bin/python bench/registries_import.py                     # 3,000, 30,000 and 100,000 people
    .venv/bin/python bench/registries_import.py --sizes 3000,9000   # other sizes
    .venv/bin/python bench/registries_import.py --tracemalloc       # also the Python heap's peak (slower)

A size is a number of people in the files: a third students, two thirds
parents (every child has a mother and a father), plus the two links of every
child — 100,000 people are 33,334 students, 66,668 parents and 66,668 links.
For each size: the CSV files, then the importer through its public entry point
(``tabular.read_file`` of each file, ``Importer(school).run(sheets)``:
validation of the whole file, natural-key matching, one transaction, audit
records) and, as the floor, the same rows parsed with ``csv`` and inserted
with ``sqlite3`` ``executemany`` into the same tables (no checks). Each
measurement runs in its own process on its own fresh SQLite file in the
bench's own work folder (a new temporary one unless ``--workdir`` is given;
``DATABASE_URL``, ``ESCHOOL_CONFIG``, ``ESCHOOL_INSTANCE`` and ``SECRET_KEY`` from
the environment are ignored), and reports wall and CPU time, rows/s, the
importer's share of ``executemany`` in rows/s and in CPU time (the steadier
figure on a shared machine), the process's peak RSS (``VmHWM``) and how much
of it the measured step added above the RSS just before it. ``--json FILE``
writes the figures.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
IGNORED_ENV = ("DATABASE_URL", "ESCHOOL_CONFIG", "ESCHOOL_INSTANCE", "SECRET_KEY")

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
    folder.mkdir(parents=True, exist_ok=True)
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


def rss_mib(field: str = "VmRSS") -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


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
        before = rss_mib()
        start, cpu = time.perf_counter(), time.process_time()
        sheets = [s for p in paths.values() for s in read_file(p.name, p)]  # streamed from the file
        report = Importer(school, confirm_classes=True).run(sheets)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        assert report.applied and not report.errors, report.errors[:5]
        return {"seconds": elapsed, "cpu": cpu, "created": report.created, "rss_before_mib": before,
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
    before = rss_mib()
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
    return {"seconds": elapsed, "cpu": cpu, "rows": count, "rss_before_mib": before}


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
        result["peak_py_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    result["peak_rss_mib"] = rss_mib("VmHWM")
    result["added_rss_mib"] = result["peak_rss_mib"] - result["rss_before_mib"]
    for old in (db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm")):
        old.unlink(missing_ok=True)
    print(json.dumps(result))


def measure(approach: str, folder: Path, mode: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in IGNORED_ENV}
    out = subprocess.run([sys.executable, __file__, "--child", approach, str(folder), mode],
                         check=True, capture_output=True, text=True, cwd=ROOT, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="3000,30000,100000", help="people per file set, comma-separated")
    parser.add_argument("--workdir", help="write the files and databases here and keep them")
    parser.add_argument("--tracemalloc", action="store_true", help="a second run of each under tracemalloc")
    parser.add_argument("--json", help="write the results here")
    parser.add_argument("--child", nargs=3, metavar=("APPROACH", "FOLDER", "MODE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    for name in IGNORED_ENV:
        if os.environ.pop(name, None) is not None:
            print(f"ignoring {name} from the environment (the bench uses its own databases)")
    folder = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="eschool-bench-import-"))
    folder.mkdir(parents=True, exist_ok=True)
    sizes = [int(x) for x in args.sizes.split(",")]
    results = []
    print(f"work folder {folder}; python {sys.version.split()[0]}, sqlite {__import__('sqlite3').sqlite_version}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    print(f"{'people':>8} {'rows':>8} {'approach':<12}{'wall s':>8}{'cpu s':>8}{'rows/s':>9}{'vs exmany':>10}"
          f"{'in cpu':>8}{'peak RSS MiB':>13}{'added MiB':>10}" + (f"{'peak py MiB':>12}" if args.tracemalloc else "")
          + f"{'load':>6}")
    for size in sizes:
        students = max(1, round(size / 3))
        here = folder / f"people-{size}"
        paths = generate(here, students)
        rows = sum(sum(1 for _ in open(p, encoding="utf-8")) - 1 for p in paths.values())
        entry = {"people": students * 3, "students": students, "rows": rows}
        for approach in ("executemany", "importer"):
            load = os.getloadavg()[0]
            timed = measure(approach, here, "time")
            if args.tracemalloc:
                timed["peak_py_mib"] = measure(approach, here, "memory")["peak_py_mib"]
            timed["rows_per_s"] = timed["rows"] / timed["seconds"]
            timed["load"] = load
            entry[approach] = timed
            share = timed["rows_per_s"] / entry["executemany"]["rows_per_s"]
            cpu_share = entry["executemany"]["cpu"] / timed["cpu"]  # steadier than wall time on a shared machine
            print(f"{students * 3:>8} {rows:>8} {approach:<12}{timed['seconds']:>8.2f}{timed['cpu']:>8.2f}"
                  f"{timed['rows_per_s']:>9.0f}{share:>9.1%}{cpu_share:>8.1%} {timed['peak_rss_mib']:>12.1f}"
                  f"{timed['added_rss_mib']:>10.1f}"
                  + (f"{timed['peak_py_mib']:>12.1f}" if args.tracemalloc else "") + f"{load:>6.2f}", flush=True)
        results.append(entry)
        if not args.workdir:
            shutil.rmtree(here)
    if len(results) > 1:
        first, last = results[0]["importer"], results[-1]["importer"]
        print(f"importer: peak RSS {last['peak_rss_mib']:.0f} MiB at {results[-1]['people']:,} people vs "
              f"{first['peak_rss_mib']:.0f} MiB at {results[0]['people']:,} "
              f"(×{last['peak_rss_mib'] / first['peak_rss_mib']:.2f}); added above the start "
              f"{last['added_rss_mib']:.0f} vs {first['added_rss_mib']:.0f} MiB")
    if args.json:
        Path(args.json).write_text(json.dumps({"sizes": results, "time": time.time()}, indent=1))
        print(f"written: {args.json}")
    if not args.workdir:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
