"""8 processes write 250 marks each into one database at once: exactly 2,000 rows, no lock errors.

Nothing here depends on the machine's speed: the writers start together at a barrier,
the test waits for their reports however long a busy machine takes (a writer that dies
is noticed by its exit code), and it counts rows, never seconds.
"""

import datetime as dt
import multiprocessing
import queue as queues
import traceback

import peewee

from tests.gradebook import factories as f

WRITERS = 8
MARKS_EACH = 250
STUDENTS = 25
LESSONS = WRITERS * MARKS_EACH // STUDENTS


def _writer(config, pairs, queue, start):
    try:
        queue.put(_write(config, pairs, start))
    except BaseException:
        queue.put(("crashed", traceback.format_exc()))
        raise


def _write(config, pairs, start):
    from core import create_app
    from core.api import database
    from plugins.gradebook import journal
    from plugins.gradebook.models import Lesson

    app = create_app(config)
    written, locked, other = 0, 0, []
    with app.app_context():
        database.connect(reuse_if_open=True)
        lessons = {lesson.id: lesson for lesson in Lesson.select()}
        start.wait()  # all eight are ready: from here they contend for the same database
        for lesson_id, student_id, teacher_user in pairs:
            try:
                with database.atomic():
                    journal.set_mark(lessons[lesson_id], student_id, "5", teacher_user)
                written += 1
            except peewee.OperationalError as exc:
                if "locked" in str(exc):
                    locked += 1
                else:
                    other.append(str(exc))
        database.close()
    return written, locked, other


def test_eight_concurrent_writers_store_exactly_two_thousand_marks(make_app):
    app = make_app()
    today = dt.date.today()
    with app.app_context():
        mun = f.make_municipality()
        school = f.make_school(mun)
        year = f.create_year(school.id, f.academic_start_year(today), "quarter")
        teacher = f.make_staff("teacher", school=school)
        klass = f.make_class(school, year.start_year, 7, "В")
        students = [f.make_student(school, klass, f"Ученик{i:02d}") for i in range(STUDENTS)]
        assignment = f.make_assignment(year, klass, f.make_subject(school, "Физика"), teacher)
        from plugins.gradebook.models import Lesson

        start = year.starts_on
        lessons = [Lesson.create(assignment=assignment, date=start + dt.timedelta(days=i), number=1)
                   for i in range(LESSONS)]
        pairs = [(lesson.id, s.id, teacher.user_id) for lesson in lessons for s in students]
    settings = app.extensions["eschool"].core_settings
    config = {"eschool": {"plugins": settings["plugins"], "database_url": settings["database_url"],
                          "instance_path": app.instance_path}}

    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    start = ctx.Barrier(WRITERS)
    procs = [ctx.Process(target=_writer, args=(config, pairs[k::WRITERS], queue, start)) for k in range(WRITERS)]
    for p in procs:
        p.start()
    results = []
    while len(results) < WRITERS:
        try:
            result = queue.get(timeout=1)  # a polling interval, not a deadline
        except queues.Empty:
            silent = [p.exitcode for p in procs if p.exitcode not in (None, 0)]
            assert not silent, f"a writer process died without a word (exit codes {silent})"
            continue
        assert result[0] != "crashed", result[1]
        results.append(result)
    for p in procs:
        p.join()

    written = sum(r[0] for r in results)
    locked = sum(r[1] for r in results)
    other = [e for r in results for e in r[2]]
    with app.app_context():
        from plugins.gradebook.models import Mark

        rows = Mark.select().count()
    print(f"\n{WRITERS} writers x {MARKS_EACH} marks: {rows} rows, {written} writes, "
          f"{locked} 'database is locked' errors, {len(other)} other errors")
    assert other == []
    assert locked == 0
    assert written == rows == WRITERS * MARKS_EACH
