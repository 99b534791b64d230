"""Issue 16 item 7: a lesson's roll call — one tap per student saves that student's attendance at once.

The page lists the lesson's students with the school's attendance codes; each tap is a POST of one student's
code (by fetch, asking for JSON, or by the plain form), saved through ``journal.set_attendance`` under
``journal.write``, written to the journal's history and audited.
"""

import json

from core.api import region_today
from core.models import AuditRecord
from plugins.gradebook import journal
from plugins.gradebook.models import Attendance, JournalChange

JSON = {"Accept": "application/json"}


def _url(world, lesson, assignment=None):
    return f"/journal/{(assignment or world.maths_5a).id}/lesson/{lesson.id}/roll-call"


def _code(app, lesson, student):
    with app.app_context():
        row = Attendance.get_or_none((Attendance.lesson == lesson.id) & (Attendance.student_id == student.id))
        return row.code if row else ""


def test_the_page_lists_the_lessons_students_with_the_schools_codes(app, world, as_):
    lesson = world.maths_lessons[-1]
    with app.app_context():
        journal.set_attendance(lesson, world.a2.id, "Б", world.teacher.user_id)
    response = as_(world.teacher).get(_url(world, lesson))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Перекличка" in page and f"Урок {lesson.number}, {lesson.date.strftime('%d.%m.%Y')}" in page
    for student in (world.a1, world.a2, world.a3):
        assert f'id="s-{student.id}"' in page and student.last_name in page
    assert world.b1.last_name not in page  # 5Б is not in this lesson
    assert "Н — Отсутствовал" in page and "ОП — Опоздал" in page
    # the one already marked ill shows «Б» pressed, the others «На уроке»
    row = page[page.index(f'id="s-{world.a2.id}"'):]
    row = row[:row.index("</li>")]
    assert 'value="Б" class="roll-absent" title="Болел" aria-pressed="true"' in row
    assert 'class="roll-present" aria-pressed="false"' in row
    with app.app_context():
        read = AuditRecord.select().where((AuditRecord.action == "journal.read") & (AuditRecord.object_type == "lesson")
                                          & (AuditRecord.object_id == str(lesson.id))).count()
    assert read == 1


def test_a_tap_saves_the_code_at_once_is_in_the_history_and_audited(app, world, as_):
    lesson = world.maths_lessons[-1]
    client = as_(world.teacher)
    answer = client.post(_url(world, lesson), data={"student": world.a3.id, "code": "Н"}, headers=JSON)
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["ok"] is True and body["student"] == world.a3.id and body["code"] == "Н"
    assert "сохранено" in body["message"] and world.a3.last_name in body["message"]
    assert _code(app, lesson, world.a3) == "Н"
    # a second tap changes it, «На уроке» (an empty code) clears it
    for code in ("ОП", ""):
        tap = client.post(_url(world, lesson), data={"student": world.a3.id, "code": code}, headers=JSON)
        assert tap.status_code == 200 and _code(app, lesson, world.a3) == code
    with app.app_context():
        changes = [(c.old_value, c.new_value) for c in JournalChange.select().where(
            (JournalChange.lesson_id == lesson.id) & (JournalChange.student_id == world.a3.id)
            & (JournalChange.kind == "attendance")).order_by(JournalChange.id)]
        writes = [json.loads(r.details) for r in AuditRecord.select().where(
            (AuditRecord.action == "journal.write") & (AuditRecord.object_type == "lesson")
            & (AuditRecord.object_id == str(lesson.id))).order_by(AuditRecord.id)]
    assert changes == [("", "Н"), ("Н", "ОП"), ("ОП", "")]
    assert writes == [{"roll_call": world.a3.id, "code": code} for code in ("Н", "ОП", "")]


def test_without_the_script_the_form_saves_and_comes_back_to_the_student(app, world, as_):
    lesson = world.maths_lessons[-1]
    answer = as_(world.teacher).post(_url(world, lesson), data={"student": world.a1.id, "code": "Б"})
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"{_url(world, lesson)}#s-{world.a1.id}")
    assert _code(app, lesson, world.a1) == "Б"


def test_another_teachers_lesson_is_refused_and_nothing_is_saved(app, world, as_):
    lesson = world.maths_lessons[-1]
    other = as_(world.other_teacher)
    assert other.get(_url(world, lesson)).status_code == 403
    refused = other.post(_url(world, lesson), data={"student": world.a1.id, "code": "Н"}, headers=JSON)
    assert refused.status_code == 403
    assert _code(app, lesson, world.a1) == ""
    # a lesson of another journal under this journal's address is not found
    with app.app_context():
        russian = world.russian_5a.lessons.first()
    assert as_(world.teacher).get(_url(world, russian)).status_code == 404


def test_a_class_teacher_sees_the_roll_call_read_only(app, world, as_):
    lesson = world.maths_lessons[-1]
    client = as_(world.class_teacher)
    page = client.get(_url(world, lesson)).get_data(as_text=True)
    assert "Журнал открыт только для просмотра." in page and "disabled" in page
    assert client.post(_url(world, lesson), data={"student": world.a1.id, "code": "Н"}).status_code == 403


def test_a_tap_without_the_csrf_token_is_refused(app, world, as_):
    app.config["WTF_CSRF_ENABLED"] = True
    lesson = world.maths_lessons[-1]
    client = as_(world.teacher)
    refused = client.post(_url(world, lesson), data={"student": world.a1.id, "code": "Н"}, headers=JSON)
    assert refused.status_code == 400
    assert _code(app, lesson, world.a1) == ""
    page = client.get(_url(world, lesson)).get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    saved = client.post(_url(world, lesson), data={"csrf_token": token, "student": world.a1.id, "code": "Н"},
                        headers=JSON)
    assert saved.status_code == 200 and _code(app, lesson, world.a1) == "Н"


def test_bad_values_are_refused_with_a_russian_message_and_nothing_is_saved(app, world, as_):
    lesson = world.maths_lessons[-1]
    client = as_(world.teacher)
    unknown_code = client.post(_url(world, lesson), data={"student": world.a1.id, "code": "Х"}, headers=JSON)
    assert unknown_code.status_code == 422
    assert unknown_code.get_json() == {"ok": False, "message": "Выберите код посещаемости из списка."}
    stranger = client.post(_url(world, lesson), data={"student": world.b1.id, "code": "Н"}, headers=JSON)
    assert stranger.status_code == 400
    assert stranger.get_json()["message"] == "Ученик не найден в списке урока."
    not_a_number = client.post(_url(world, lesson), data={"student": "пять", "code": "Н"})
    assert not_a_number.status_code == 400
    assert "Ученик не найден в списке урока." in not_a_number.get_data(as_text=True)
    form = client.post(_url(world, lesson), data={"student": world.a1.id, "code": "Х"})
    assert form.status_code == 422 and "Выберите код посещаемости из списка." in form.get_data(as_text=True)
    with app.app_context():
        assert Attendance.select().where(Attendance.lesson == lesson.id).count() == 0
        assert AuditRecord.select().where(AuditRecord.action == "journal.write").count() == 0


def test_a_closed_year_refuses_the_tap_with_a_russian_message(app, world, as_):
    lesson = world.maths_lessons[-1]
    with app.app_context():
        journal.close_year(world.year, world.admin.user_id)
    client = as_(world.teacher)
    assert "disabled" in client.get(_url(world, lesson)).get_data(as_text=True)
    refused = client.post(_url(world, lesson), data={"student": world.a1.id, "code": "Н"}, headers=JSON)
    assert refused.status_code == 403  # the policy refuses any write to an archived year
    assert _code(app, lesson, world.a1) == ""


def test_todays_lessons_on_the_journal_page_open_their_roll_calls(app, world, as_):
    with app.app_context():
        today = region_today()
        lesson = journal.add_lesson(world.maths_5a, world.teacher.user_id,
                                    {"date": today, "number": 11, "starts_at": None, "ends_at": None, "room": ""})
    page = as_(world.teacher).get("/journal").get_data(as_text=True)
    assert "Уроки сегодня" in page and _url(world, lesson) in page
    # the lesson page links its roll call too
    assert _url(world, lesson) in as_(world.teacher).get(
        f"/journal/{world.maths_5a.id}/lesson/{lesson.id}").get_data(as_text=True)
    other = as_(world.other_teacher).get("/journal").get_data(as_text=True)  # not their lesson
    assert _url(world, lesson) not in other
