"""The authorisation matrix: every gradebook route and API operation × ten roles × four objects.

The routes are taken from ``app.url_map`` (every endpoint whose name starts
with ``gradebook``), so a new page or API call that is not in ``ROUTES`` fails
this test until someone writes down who may use it. Each row of a table below
is a role; each column an object, always the same rows of the two-school world
of ``factories.build_world``:

- students: own = a1 (5А, the child of «own parent», the «student» himself),
  same class = a2 (5А, child of «other parent»), other class = b1 (5Б),
  other school = c1;
- journals (teaching assignments): own = maths in 5А (the «subject teacher»'s),
  same class = Russian in 5А («other teacher»'s), other class = history in 5Б
  (a teacher outside the roles), other school = maths in school № 2;
- years: a spare year of school № 1 and one of school № 2;
- API tokens: the acting user's own, and another user's.

Pages are called with the role's browser session, API operations with the
role's bearer token; «anonymous» has neither (pages redirect to the login,
the API answers 401). The test prints how many requests it made and every
deviation from the tables, and fails unless there are none.
"""

import datetime as dt
import os

import pytest
from flask import url_for

from core.api import create_api_token
from plugins.gradebook.models import Lesson
from plugins.gradebook.school_calendar import create_year, generate_lessons
from tests.gradebook.factories import make_assignment, make_staff, make_subject, user_of

ROLES = ("anonymous", "student", "own_parent", "other_parent", "subject_teacher", "other_teacher", "class_teacher",
         "school_admin", "other_school_admin", "municipality")
PERSON = {"student": "a1", "own_parent": "parent", "other_parent": "other_parent", "subject_teacher": "teacher",
          "other_teacher": "other_teacher", "class_teacher": "class_teacher", "school_admin": "admin",
          "other_school_admin": "admin_b", "municipality": "municipal"}
FOUR = ("own", "same_class", "other_class", "other_school")


def table(text: str) -> dict[str, tuple[int, ...]]:
    """Rows ``role status status …`` → {role: statuses}; every role must have a row."""
    rows = {}
    for line in text.strip().splitlines():
        role, *codes = line.split()
        rows[role] = tuple(int(c) for c in codes)
    assert set(rows) == set(ROLES), set(ROLES) ^ set(rows)
    return rows


# progress.read on a student: a page (anonymous → login) ...
STUDENT_PAGE = table("""
anonymous           302 302 302 302
student             200 403 403 403
own_parent          200 403 403 403
other_parent        403 200 403 403
subject_teacher     200 200 200 403
other_teacher       200 200 403 403
class_teacher       200 200 403 403
school_admin        200 200 200 403
other_school_admin  403 403 403 200
municipality        403 403 403 403
""")
# ... and the same through the API (anonymous → 401)
STUDENT_API = {role: tuple(401 if c == 302 else c for c in codes) for role, codes in STUDENT_PAGE.items()}

JOURNAL_READ = table("""
anonymous           302 302 302 302
student             403 403 403 403
own_parent          403 403 403 403
other_parent        403 403 403 403
subject_teacher     200 403 403 403
other_teacher       403 200 403 403
class_teacher       200 200 403 403
school_admin        200 200 200 403
other_school_admin  403 403 403 200
municipality        403 403 403 403
""")
# a POST with nothing to change: the assignment's own teacher is redirected back, everyone else refused
JOURNAL_WRITE = table("""
anonymous           302 302 302 302
student             403 403 403 403
own_parent          403 403 403 403
other_parent        403 403 403 403
subject_teacher     302 403 403 403
other_teacher       403 302 403 403
class_teacher       403 403 403 403
school_admin        403 403 403 403
other_school_admin  403 403 403 403
municipality        403 403 403 403
""")
# a roll call's tap without a student: the journal's own teacher is told so (400), everyone else refused
ROLL_CALL_POST = {role: tuple(400 if c == 302 and role != "anonymous" else c for c in codes)
                  for role, codes in JOURNAL_WRITE.items()}
# adding, moving and cancelling lessons: the journal's teacher and the school's managers (a page opens: 200)
LESSON_SCHEDULE = table("""
anonymous           302 302 302 302
student             403 403 403 403
own_parent          403 403 403 403
other_parent        403 403 403 403
subject_teacher     200 403 403 403
other_teacher       403 200 403 403
class_teacher       403 403 403 403
school_admin        200 200 200 403
other_school_admin  403 403 403 200
municipality        403 403 403 403
""")
# ... an empty form is refused field by field (422) ...
LESSON_SCHEDULE_POST = {role: tuple(422 if c == 200 else c for c in codes) for role, codes in LESSON_SCHEDULE.items()}
# ... and a delete of a lesson with entries (every matrix lesson has a homework file) goes back to it (302)
LESSON_DELETE = {role: tuple(302 if c == 200 else c for c in codes) for role, codes in LESSON_SCHEDULE.items()}
# the school admin's lesson generation: only for their own school's assignments (another school's is 404)
GENERATE_LESSONS = table("""
anonymous           302 302 302 302
student             403 403 403 403
own_parent          403 403 403 403
other_parent        403 403 403 403
subject_teacher     403 403 403 403
other_teacher       403 403 403 403
class_teacher       403 403 403 403
school_admin        302 302 302 404
other_school_admin  404 404 404 302
municipality        403 403 403 403
""")
# columns: own school's year, other school's year
CLOSE_YEAR = table("""
anonymous           302 302
student             403 403
own_parent          403 403
other_parent        403 403
subject_teacher     403 403
other_teacher       403 403
class_teacher       403 403
school_admin        302 404
other_school_admin  404 302
municipality        403 403
""")
# routes without an object: one column
ANY_LOGGED_IN = table("\n".join(f"{r} {302 if r == 'anonymous' else 200}" for r in ROLES))
ANY_LOGGED_IN_API = table("\n".join(f"{r} {401 if r == 'anonymous' else 200}" for r in ROLES))
EVERYONE = table("\n".join(f"{r} 200" for r in ROLES))
STAFF_ONLY = table("""
anonymous 302
student 403
own_parent 403
other_parent 403
subject_teacher 200
other_teacher 200
class_teacher 200
school_admin 200
other_school_admin 200
municipality 403
""")
SCHOOL_MANAGERS = table("""
anonymous 302
student 403
own_parent 403
other_parent 403
subject_teacher 403
other_teacher 403
class_teacher 403
school_admin 200
other_school_admin 200
municipality 403
""")
SCHOOL_ADMIN_FORM = {role: (422 if code == 200 else code,) for role, (code,) in SCHOOL_MANAGERS.items()}
MUNICIPALITY_ONLY = table("""
anonymous 302
student 403
own_parent 403
other_parent 403
subject_teacher 403
other_teacher 403
class_teacher 403
school_admin 403
other_school_admin 403
municipality 200
""")
# a class's journal archive (allowed: 303 to the job that builds it); columns: a class of school № 1, of № 2
ARCHIVE_CLASS = table("""
anonymous           302 302
student             403 403
own_parent          403 403
other_parent        403 403
subject_teacher     403 403
other_teacher       403 403
class_teacher       403 403
school_admin        303 404
other_school_admin  404 303
municipality        403 403
""")
# columns: the acting user's own token, another user's token
REVOKE_TOKEN = table("\n".join(f"{r} 302 302" if r == "anonymous" else f"{r} 302 404" for r in ROLES))

# (endpoint, method) → (object kind, table, form data for a POST). Listed in the order they run:
# reads first, then writes, then the ones that change what later rows would see.
ROUTES = {
    ("gradebook.static", "GET"): ("static", EVERYONE, None),
    ("gradebook.manifest", "GET"): (None, EVERYONE, None),  # the web app manifest: no personal data
    ("gradebook.service_worker", "GET"): (None, EVERYONE, None),
    ("gradebook.progress_index", "GET"): (None, ANY_LOGGED_IN, None),
    ("gradebook.progress", "GET"): ("student", STUDENT_PAGE, None),
    ("gradebook.diary", "GET"): ("student", STUDENT_PAGE, None),
    ("gradebook.report_card", "GET"): ("student", STUDENT_PAGE, None),
    ("gradebook.calculator", "GET"): ("student", STUDENT_PAGE, None),
    ("gradebook.homework_file", "GET"): ("student_lesson", STUDENT_PAGE, None),
    ("gradebook.journal_index", "GET"): (None, STAFF_ONLY, None),
    ("gradebook.journal_grid", "GET"): ("assignment", JOURNAL_READ, None),
    ("gradebook.attestation", "GET"): ("assignment", JOURNAL_READ, None),
    ("gradebook.history", "GET"): ("assignment", JOURNAL_READ, None),
    ("gradebook.lesson_page", "GET"): ("lesson", JOURNAL_READ, None),
    ("gradebook.lesson_file", "GET"): ("lesson", JOURNAL_READ, None),
    ("gradebook.roll_call", "GET"): ("lesson", JOURNAL_READ, None),
    ("gradebook.lesson_new", "GET"): ("assignment", LESSON_SCHEDULE, None),
    ("gradebook.lesson_schedule", "GET"): ("lesson", LESSON_SCHEDULE, None),
    ("gradebook.timeliness_school", "GET"): (None, SCHOOL_MANAGERS, None),
    ("gradebook.timeliness_municipality", "GET"): (None, MUNICIPALITY_ONLY, None),
    ("gradebook.attainment_school", "GET"): (None, SCHOOL_MANAGERS, None),
    ("gradebook.attainment_municipality", "GET"): (None, MUNICIPALITY_ONLY, None),
    ("gradebook.admin_index", "GET"): (None, SCHOOL_MANAGERS, None),
    ("gradebook.journal_archive", "GET"): (None, SCHOOL_MANAGERS, None),
    ("gradebook.journal_archive_class", "GET"): ("school_class", ARCHIVE_CLASS, None),
    ("gradebook_tokens.api_tokens", "GET"): (None, ANY_LOGGED_IN, None),
    ("gradebook_api.openapi_document", "GET"): ("api", EVERYONE, None),
    ("gradebook_api.me", "GET"): ("api", ANY_LOGGED_IN_API, None),
    ("gradebook_api.children", "GET"): ("api", ANY_LOGGED_IN_API, None),
    ("gradebook_api.mark_changes", "GET"): ("api", ANY_LOGGED_IN_API, None),
    ("gradebook_api.periods", "GET"): ("api_student", STUDENT_API, None),
    ("gradebook_api.progress", "GET"): ("api_student", STUDENT_API, None),
    ("gradebook_api.diary", "GET"): ("api_student", STUDENT_API, None),
    ("gradebook_api.report_card", "GET"): ("api_student", STUDENT_API, None),
    ("gradebook.journal_grid", "POST"): ("assignment", JOURNAL_WRITE, {}),
    ("gradebook.attestation", "POST"): ("assignment", JOURNAL_WRITE, {}),
    ("gradebook.lesson_page", "POST"): ("lesson", JOURNAL_WRITE, {}),
    ("gradebook.roll_call", "POST"): ("lesson", ROLL_CALL_POST, {}),
    ("gradebook.lesson_new", "POST"): ("assignment", LESSON_SCHEDULE_POST, {}),
    ("gradebook.lesson_schedule", "POST"): ("lesson", LESSON_SCHEDULE_POST, {}),
    ("gradebook.lesson_delete", "POST"): ("lesson", LESSON_DELETE, {}),
    ("gradebook.admin_save", "POST"): ("admin_form", SCHOOL_ADMIN_FORM, {}),
    ("gradebook_tokens.api_token_create", "POST"): (None, {r: (302,) if r == "anonymous" else (200,)
                                                            for r in ROLES}, {"name": "матрица"}),
    ("gradebook_tokens.api_token_revoke", "POST"): ("token", REVOKE_TOKEN, {}),
    ("gradebook.admin_generate_lessons", "POST"): ("assignment", GENERATE_LESSONS, {}),
    ("gradebook.admin_close_year", "POST"): ("year", CLOSE_YEAR, {}),
}
# the API's query parameters that make a call complete
API_QUERY = {"gradebook_api.mark_changes": {"since": "2000-01-01T00:00:00Z"}}


def _with_files(app, lessons):
    """Give each lesson a homework file on disk, as a teacher's upload would."""
    folder = app.instance_path + "/gradebook/homework"
    os.makedirs(folder, exist_ok=True)
    for lesson in lessons:
        name = f"{lesson.id}-matrix.txt"
        with open(f"{folder}/{name}", "w") as f:
            f.write("Упражнение 5")
        Lesson.update(homework="Упражнение 5", homework_file=name, homework_file_name="дз.txt").where(
            Lesson.id == lesson.id).execute()


@pytest.fixture
def objects(app, world):
    """The objects of every column, by kind (see the module docstring)."""
    with app.app_context():
        historian = make_staff("teacher", school=world.school, last_name="Историкова")
        history_5b = make_assignment(world.year, world.class_5b, make_subject(world.school, "История"), historian,
                                     weekdays=(1, 2, 3, 4, 5))
        generate_lessons(history_5b, world.period.starts_on, world.today + dt.timedelta(days=7))
        assignments = [world.maths_5a, world.russian_5a, history_5b, world.maths_b5a]
        lessons = [a.lessons.order_by(Lesson.date.desc(), Lesson.id.desc()).first() for a in assignments]
        maths_5b_lesson = world.maths_5b.lessons.order_by(Lesson.date.desc()).first()
        _with_files(app, lessons + [maths_5b_lesson])
        spare = [create_year(world.school.id, 2000, "quarter"), create_year(world.school_b.id, 2000, "quarter")]
    students = [world.a1, world.a2, world.b1, world.c1]
    student_lessons = [lessons[0], lessons[0], maths_5b_lesson, lessons[3]]
    return {
        None: [{}],
        "api": [{}],
        "static": [{"filename": "gradebook.css"}],
        "admin_form": [{"kind": "subject"}],
        "student": [{"student_id": s.id} for s in students],
        "api_student": [{"student_id": s.id} for s in students],
        "student_lesson": [{"student_id": s.id, "lesson_id": lesson.id}
                           for s, lesson in zip(students, student_lessons, strict=True)],
        "assignment": [{"assignment_id": a.id} for a in assignments],
        "lesson": [{"assignment_id": a.id, "lesson_id": lesson.id}
                   for a, lesson in zip(assignments, lessons, strict=True)],
        "year": [{"year_id": y.id} for y in spare],
        "school_class": [{"class_id": world.class_5a.id}, {"class_id": world.class_b.id}],
    }


def test_every_gradebook_route_answers_each_role_as_the_tables_say(app, world, objects, login):
    routes = {(rule.endpoint, method) for rule in app.url_map.iter_rules() if rule.endpoint.startswith("gradebook")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    untabled = sorted(routes - set(ROUTES))
    stale = sorted(set(ROUTES) - routes)
    assert not untabled, f"routes without a row in the authorisation matrix: {untabled}"
    assert not stale, f"rows for routes that no longer exist: {stale}"

    browsers, tokens, own_tokens = {}, {}, {}
    with app.test_request_context():
        other_token, _ = create_api_token(user_of(world.parent2), "чужой ключ")
    for role in ROLES:
        browsers[role] = app.test_client()
        if role == "anonymous":
            continue
        with app.test_request_context():
            user = user_of(world.things[PERSON[role]])
            tokens[role] = create_api_token(user, "матрица API")[1]
            own_tokens[role] = create_api_token(user, "свой ключ")[0].id
        login(browsers[role], user)

    requests, deviations = 0, []
    for (endpoint, method), (kind, expected, data) in ROUTES.items():
        for role in ROLES:
            if kind == "token":
                columns = [{"token_id": own_tokens.get(role, other_token.id)}, {"token_id": other_token.id}]
            else:
                columns = objects[kind]
            assert len(expected[role]) == len(columns), (endpoint, role)
            names = {1: ("—",), 2: ("own", "other"), 4: FOUR}[len(columns)]
            for column, kwargs, want in zip(names, columns, expected[role], strict=True):
                with app.test_request_context():
                    url = url_for(endpoint, **kwargs, **API_QUERY.get(endpoint, {}))
                headers = {}
                if kind in ("api", "api_student") and role != "anonymous":
                    headers["Authorization"] = f"Bearer {tokens[role]}"
                client = app.test_client() if headers else browsers[role]
                answer = client.open(url, method=method, data=data, headers=headers)
                requests += 1
                if answer.status_code != want:
                    deviations.append((endpoint, method, role, column, want, answer.status_code))
    print(f"\nauthorisation matrix: {len(ROUTES)} route×method rows, {len(ROLES)} roles, {requests} requests, "
          f"{len(deviations)} deviations")
    for deviation in deviations:
        print("  deviation: {} {} as {} on {}: expected {}, got {}".format(*deviation))
    assert deviations == []


def test_lists_show_exactly_the_students_a_single_read_allows(app, world, client, login):
    """The policy scope behind every list agrees with the single-object table, role by role."""
    students = dict(zip(FOUR, (world.a1, world.a2, world.b1, world.c1), strict=True))
    requests = 0
    for role in ROLES[1:]:
        allowed = {column for column, code in zip(FOUR, STUDENT_API[role], strict=True) if code == 200}
        with app.test_request_context():
            token = create_api_token(user_of(world.things[PERSON[role]]), "списки")[1]
        headers = {"Authorization": f"Bearer {token}"}
        listed = {s["id"] for s in client.get("/api/v1/children", headers=headers).get_json()["students"]}
        changes = client.get("/api/v1/marks/changes?since=2000-01-01T00:00:00Z", headers=headers).get_json()
        browser = app.test_client()
        with app.app_context():
            login(browser, user_of(world.things[PERSON[role]]))
        page = browser.get("/progress").get_data(as_text=True)
        requests += 3
        for column, student in students.items():
            assert (student.id in listed) == (column in allowed), (role, column, "api children")
            assert (student.full_name in page) == (column in allowed), (role, column, "progress page")
        changed = {c["student_id"] for c in changes["changes"]}
        assert changed <= {s.id for c, s in students.items() if c in allowed} | (listed - {
            s.id for s in students.values()}), (role, "mark changes")
        if "own" in allowed and len(world.maths_lessons) >= 3:
            assert world.a1.id in changed, role
    print(f"\nlists: {len(ROLES) - 1} roles, {requests} requests, 0 deviations")
