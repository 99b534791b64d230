"""The class teacher accepts a notice (the journal gets the excused code) or rejects it with a reason; both final."""

import datetime as dt

import pytest

from core.models import AuditRecord
from plugins.absence_notes.models import AbsenceNote
from plugins.gradebook import journal
from plugins.gradebook.models import Attendance, AttendanceCode, JournalChange, Lesson
from tests.absence_notes.conftest import MONDAY, PLUGINS, form

pytestmark = pytest.mark.plugins(*PLUGINS)


def codes_of(student, start, end):
    """{(date, subject): code} of the student's lessons in the range, read from the journal's tables."""
    lessons = {lesson.id: lesson for lesson in Lesson.select().where(Lesson.date.between(start, end))}
    rows = Attendance.select().where((Attendance.student_id == student.id) & Attendance.lesson.in_(list(lessons)))
    return {(lessons[a.lesson_id].date, lessons[a.lesson_id].assignment.subject.name): a.code for a in rows}


def lesson_on(world, day, subject):
    return (Lesson.select().join_from(Lesson, Lesson.assignment.rel_model)
            .where((Lesson.date == day) & (Lesson.assignment.rel_model.class_id == world.class_5a.id)
                   & (Lesson.assignment.rel_model.subject == subject)).get())


def test_the_class_teacher_sees_the_notice_with_the_childs_lessons_and_codes(app, world, as_, sent):
    client = as_(world.class_teacher)
    listing = client.get("/absence-notes/").get_data(as_text=True)
    assert "Петров Сергей" in listing and "На рассмотрении" in listing and "5А" in listing
    page = client.get(f"/absence-notes/{sent.id}").get_data(as_text=True)
    assert "Петров Сергей" in page and "болезнь" in page and "Температура" in page and "spravka.png" in page
    assert "Математика" in page and "Русский язык" in page and "Английский язык" in page
    assert "Н <span class=\"muted code-name\">Отсутствовал</span>" in page
    assert "Принять" in page and "Отклонить" in page
    assert client.get(f"/absence-notes/{sent.id}/file").status_code == 200


def test_accepting_sets_the_illness_code_on_empty_and_unexcused_lessons_and_leaves_others(app, world, as_, sent):
    late_day = MONDAY + dt.timedelta(days=2)  # maths on Wednesday: a2 was late («ОП»), that stays
    with app.app_context():
        maths_wed = lesson_on(world, late_day, world.maths)
        journal.set_attendance(maths_wed, world.a2.id, "ОП", world.teacher.user_id)
        before_outside = codes_of(world.a2, MONDAY - dt.timedelta(days=7), MONDAY - dt.timedelta(days=1))
        a1_before = codes_of(world.a1, MONDAY, MONDAY + dt.timedelta(days=3))
    client = as_(world.class_teacher)
    page = client.post(f"/absence-notes/{sent.id}/accept", follow_redirects=True).get_data(as_text=True)
    assert "Сообщение принято. Код «Б» поставлен в журнал, изменено уроков: 4." in page
    with app.app_context():
        after = codes_of(world.a2, MONDAY, MONDAY + dt.timedelta(days=3))
        assert after == {
            (MONDAY, "Математика"): "Б",  # was «Н»
            (MONDAY + dt.timedelta(days=1), "Русский язык"): "Б",
            (MONDAY + dt.timedelta(days=1), "Английский язык"): "Б",
            (late_day, "Математика"): "ОП",
            (MONDAY + dt.timedelta(days=3), "Русский язык"): "Б",
        }
        assert codes_of(world.a2, MONDAY - dt.timedelta(days=7), MONDAY - dt.timedelta(days=1)) == before_outside
        assert codes_of(world.a1, MONDAY, MONDAY + dt.timedelta(days=3)) == a1_before
        history = list(JournalChange.select().where((JournalChange.student_id == world.a2.id)
                                                    & (JournalChange.new_value == "Б")))
        assert len(history) == 4
        assert {h.changed_by for h in history} == {world.class_teacher.user_id}
        assert sorted(h.old_value for h in history) == ["", "", "", "Н"]
        note = AbsenceNote.get_by_id(sent.id)
        assert (note.status, note.decided_by, note.lessons_changed) == ("accepted", world.class_teacher.user_id, 4)
        accepted = AuditRecord.get(AuditRecord.action == "absence_note.accept")
        assert (accepted.object_id, accepted.user_id) == (str(sent.id), world.class_teacher.user_id)
    parent = as_(world.other_parent).get("/absence-notes/").get_data(as_text=True)
    assert "принято" in parent and "на рассмотрении" not in parent


def test_another_reason_gets_the_excused_code(app, world, as_):
    as_(world.parent).post("/absence-notes/new", data=form(world.a1, MONDAY, MONDAY, "family"))
    with app.app_context():
        note = AbsenceNote.get()
    as_(world.class_teacher).post(f"/absence-notes/{note.id}/accept")
    with app.app_context():
        assert codes_of(world.a1, MONDAY, MONDAY) == {(MONDAY, "Математика"): "УП"}


def test_a_second_decision_is_refused_and_changes_nothing(app, world, as_, sent):
    client = as_(world.class_teacher)
    client.post(f"/absence-notes/{sent.id}/accept")
    with app.app_context():
        maths = lesson_on(world, MONDAY, world.maths)
        journal.set_attendance(maths, world.a2.id, "Н", world.teacher.user_id)  # the teacher changes it back
    again = client.post(f"/absence-notes/{sent.id}/accept", follow_redirects=True).get_data(as_text=True)
    assert "По этому сообщению уже есть решение («принято»), изменить его нельзя." in again
    rejected = client.post(f"/absence-notes/{sent.id}/reject", data={"decision_note": "нет"},
                           follow_redirects=True).get_data(as_text=True)
    assert "уже есть решение" in rejected
    with app.app_context():
        note = AbsenceNote.get_by_id(sent.id)
        assert (note.status, note.decision_note, note.lessons_changed) == ("accepted", "", 5)
        assert codes_of(world.a2, MONDAY, MONDAY) == {(MONDAY, "Математика"): "Н"}
        refused = AuditRecord.select().where((AuditRecord.action == "absence_note.decide")
                                             & (AuditRecord.result == "refused")).count()
        assert refused == 2


def test_rejection_needs_a_reason_and_the_parent_sees_it(app, world, as_, sent):
    client = as_(world.class_teacher)
    page = client.post(f"/absence-notes/{sent.id}/reject", data={"decision_note": "  "}).get_data(as_text=True)
    assert 'id="decision_note-error">Укажите причину отказа.</p>' in page
    with app.app_context():
        assert AbsenceNote.get_by_id(sent.id).status == "pending"
    client.post(f"/absence-notes/{sent.id}/reject", data={"decision_note": "Справка не заверена печатью"})
    with app.app_context():
        note = AbsenceNote.get_by_id(sent.id)
        assert (note.status, note.decision_note) == ("rejected", "Справка не заверена печатью")
        assert codes_of(world.a2, MONDAY, MONDAY) == {(MONDAY, "Математика"): "Н"}
        assert AuditRecord.get(AuditRecord.action == "absence_note.reject").object_id == str(sent.id)
    parent = as_(world.other_parent)
    listing = parent.get("/absence-notes/").get_data(as_text=True)
    assert "отклонено" in listing and "Справка не заверена печатью" in listing
    assert "Отозвать" not in parent.get(f"/absence-notes/{sent.id}").get_data(as_text=True)


def test_a_code_missing_at_the_school_stops_the_acceptance_with_a_message(app, world, as_, sent):
    with app.app_context():
        AttendanceCode.delete().where((AttendanceCode.school_id == world.school.id)
                                      & (AttendanceCode.code == "Б")).execute()
    page = as_(world.class_teacher).post(f"/absence-notes/{sent.id}/accept",
                                         follow_redirects=True).get_data(as_text=True)
    assert "в журнале школы нет кода посещаемости «Б»" in page
    with app.app_context():
        assert AbsenceNote.get_by_id(sent.id).status == "pending"
        assert codes_of(world.a2, MONDAY, MONDAY + dt.timedelta(days=3)) == {(MONDAY, "Математика"): "Н"}


def test_the_configured_codes_are_used(make_app, login):
    from tests.gradebook.factories import build_world, user_of

    app = make_app(list(PLUGINS), sections={"absence_notes": {"illness_code": "УП"}})
    world = build_world(app)
    parent, teacher = app.test_client(), app.test_client()
    with app.app_context():
        login(parent, user_of(world.other_parent))
        login(teacher, user_of(world.class_teacher))
    parent.post("/absence-notes/new", data=form(world.a2, MONDAY, MONDAY))
    with app.app_context():
        note = AbsenceNote.get()
    teacher.post(f"/absence-notes/{note.id}/accept")
    with app.app_context():
        assert codes_of(world.a2, MONDAY, MONDAY) == {(MONDAY, "Математика"): "УП"}


def test_two_decisions_at_the_same_moment_make_one(app, world, sent, login):
    """Accept and reject sent together over real HTTP: exactly one wins, the journal changes at most once."""
    import threading

    import requests

    from tests.gradebook.factories import user_of
    from tests.support import live_server

    client = app.test_client()
    with app.app_context():
        login(client, user_of(world.class_teacher))
    cookies = {"eschool_session": client.get_cookie("eschool_session").value}
    start, results = threading.Barrier(2), {}

    def post(base, what, data=None):
        start.wait()
        response = requests.post(f"{base}/absence-notes/{sent.id}/{what}", data=data, cookies=cookies, timeout=30,
                                 allow_redirects=False)
        results[what] = response.status_code

    with live_server(app) as base:
        threads = [threading.Thread(target=post, args=(base, "accept")),
                   threading.Thread(target=post, args=(base, "reject", {"decision_note": "нет справки"}))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    with app.app_context():
        note = AbsenceNote.get_by_id(sent.id)
        changes = JournalChange.select().where((JournalChange.student_id == world.a2.id)
                                               & (JournalChange.new_value == "Б")).count()
        refused = [r.result for r in AuditRecord.select().where(AuditRecord.action == "absence_note.decide")]
    assert results == {"accept": 302, "reject": 302}
    assert note.status in ("accepted", "rejected")
    assert changes == (5 if note.status == "accepted" else 0) == note.lessons_changed
    assert refused == ["refused"]
