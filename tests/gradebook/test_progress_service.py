"""The progress service for families: only linked children with consent, every view audited."""

import datetime as dt

from core.models import AuditRecord
from plugins.gradebook import journal
from plugins.gradebook.models import Lesson, Mark, WorkType


def _audits(app, student_id):
    with app.app_context():
        return list(AuditRecord.select().where((AuditRecord.action == "progress.read")
                                               & (AuditRecord.object_id == str(student_id))
                                               & (AuditRecord.result == "ok")))


def test_parent_sees_only_linked_children_with_consent(world, as_):
    page = as_(world.parent).get("/progress").get_data(as_text=True)
    assert "Иванов Пётр" in page
    assert "Петров" not in page and "Сидоров" not in page


def test_parent_without_consent_sees_no_child_and_cannot_open_it(world, as_):
    client = as_(world.parent_no_consent)
    assert "Сидоров Олег" not in client.get("/progress").get_data(as_text=True)
    assert client.get(f"/progress/{world.a3.id}").status_code == 403


def test_other_parent_is_refused_with_403(world, as_):
    client = as_(world.other_parent)
    for url in (f"/progress/{world.a1.id}", f"/progress/{world.a1.id}/diary", f"/progress/{world.a1.id}/report-card"):
        assert client.get(url).status_code == 403


def test_both_parents_and_the_student_see_the_same_progress(world, as_):
    for person in (world.parent, world.parent2, world.a1):
        page = as_(person).get(f"/progress/{world.a1.id}")
        assert page.status_code == 200
        assert "Математика" in page.get_data(as_text=True)


def test_municipality_cannot_open_a_childs_progress(world, as_):
    client = as_(world.municipal)
    assert client.get(f"/progress/{world.a1.id}").status_code == 403
    assert "Иванов" not in client.get("/progress").get_data(as_text=True)


def test_progress_page_shows_marks_weights_average_and_trend_chart(app, world, as_):
    page = as_(world.parent).get(f"/progress/{world.a1.id}").get_data(as_text=True)
    assert "Контрольная работа" in page
    if len(world.maths_lessons) >= 3:  # 5 (w1), 4 (w1), 5 (w2): (5 + 4 + 10) / 4
        assert "4,75" in page and "4.75" not in page  # written as Russians write it
        assert "<svg" in page and "<polyline" in page
    assert "<script>" not in page  # the chart is server-rendered; the only script is a same-origin file


def test_every_progress_view_writes_an_audit_record(app, world, as_):
    client = as_(world.parent)
    for url in (f"/progress/{world.a1.id}", f"/progress/{world.a1.id}/diary", f"/progress/{world.a1.id}/report-card"):
        assert client.get(url).status_code == 200
    pages = sorted(__import__("json").loads(r.details)["page"] for r in _audits(app, world.a1.id))
    assert pages == ["diary", "progress", "report_card"]
    client = as_(world.other_parent)
    client.get(f"/progress/{world.a1.id}")
    with app.app_context():
        denied = AuditRecord.select().where((AuditRecord.action == "progress.read")
                                            & (AuditRecord.result == "denied")).count()
    assert denied == 1


def test_week_diary_shows_lessons_topic_homework_and_marks(app, world, as_):
    with app.app_context():
        lesson = world.maths_lessons[-1]
        journal.set_lesson_text(lesson, world.teacher.user_id, topic="Сложение дробей", homework="№ 123, 124")
        journal.set_mark(lesson, world.a1.id, "3", world.teacher.user_id)
    page = as_(world.parent).get(f"/progress/{world.a1.id}/diary?week={lesson.date.isoformat()}")
    text = page.get_data(as_text=True)
    assert "Сложение дробей" in text and "№ 123, 124" in text and ">3<" in text


def test_week_diary_names_a_day_off_and_the_api_says_so_too(app, world, as_, client, bearer):
    from plugins.gradebook.models import Holiday

    day_off = world.today + dt.timedelta(days=(4 - world.today.weekday()) % 7)  # the coming Friday
    with app.app_context():
        Holiday.create(year=world.year.id, name="День народного единства", starts_on=day_off, ends_on=day_off)
    text = as_(world.parent).get(f"/progress/{world.a1.id}/diary?week={day_off.isoformat()}").get_data(as_text=True)
    assert '<p class="holiday">День народного единства</p>' in text
    days = client.get(f"/api/v1/students/{world.a1.id}/diary?week={day_off.isoformat()}",
                      headers=bearer(world.parent)).get_json()["days"]
    assert {d["date"]: d["holiday"] for d in days}[day_off.isoformat()] == "День народного единства"
    assert sum(1 for d in days if d["holiday"]) == 1


def test_homework_for_coming_days_is_listed_with_its_due_date(app, world, as_):
    with app.app_context():
        lessons = list(Lesson.select().where(Lesson.assignment == world.maths_5a.id).order_by(Lesson.date))
        given = [lesson for lesson in lessons if lesson.date <= world.today][-1]
        journal.set_lesson_text(given, world.teacher.user_id, homework="Выучить таблицу")
    page = as_(world.a1).get(f"/progress/{world.a1.id}").get_data(as_text=True)
    assert "Выучить таблицу" in page


def test_homework_attachment_is_served_only_to_whom_may_read_the_child(app, world, as_):
    import io

    lesson = world.maths_lessons[0]
    teacher = as_(world.teacher)
    saved = teacher.post(f"/journal/{world.maths_5a.id}/lesson/{lesson.id}", data={
        "topic": "Тема", "homework": "Решить задачи", "work_type_id": "",
        "homework_file": (io.BytesIO(b"task text"), "задание.txt")}, content_type="multipart/form-data")
    assert saved.status_code == 302
    got = as_(world.parent).get(f"/progress/{world.a1.id}/homework/{lesson.id}")
    assert got.status_code == 200 and got.data == b"task text"
    assert as_(world.other_parent).get(f"/progress/{world.a1.id}/homework/{lesson.id}").status_code == 403
    assert as_(world.parent_c).get(f"/progress/{world.c1.id}/homework/{lesson.id}").status_code == 404


def test_report_card_lists_period_and_year_grades(app, world, as_):
    with app.app_context():
        journal.set_period_grade(world.maths_5a, world.a1.id, world.period, "5", world.teacher.user_id)
        journal.set_period_grade(world.maths_5a, world.a1.id, None, "4", world.teacher.user_id)
    page = as_(world.parent).get(f"/progress/{world.a1.id}/report-card").get_data(as_text=True)
    assert "Табель" in page and "<strong>4</strong>" in page


def test_unknown_period_of_another_school_is_not_found(world, as_):
    with_other = as_(world.parent).get(f"/progress/{world.a1.id}?period=999999")
    assert with_other.status_code == 404
    assert dt.date.today()  # the page picks today's period without a parameter


def test_the_calculator_applies_the_schools_rule_to_marks_one_hopes_for(app, world, as_):
    client = as_(world.parent)
    url = f"/progress/{world.a1.id}/calculator?period={world.period.id}&subject={world.maths.id}"
    page = client.get(url).get_data(as_text=True)
    # a1 has 5 and 4 (answers, weight 1) and 5 (test, weight 2): (5 + 4 + 10) / 4 = 4.75 → «5»
    assert "<dd>4,75</dd>" in page and "На «5» отметок уже хватает." in page
    assert "Сейчас выходит «5» (средний балл 4,75)." in page
    with app.app_context():
        test_work = WorkType.get((WorkType.school_id == world.school.id) & (WorkType.name == "Контрольная работа"))
    page = client.get(f"{url}&value=2&work_type={test_work.id}").get_data(as_text=True)
    # a 2 for a test (weight 2): 23 / 6 = 3.83 → «4»; back to «5» takes 8 more answers of 5: (23 + 5n) / (6 + n) ≥ 4.5
    assert '<dd class="calc-result">3,83</dd>' in page and '<dd class="calc-result">4</dd>' in page
    assert "С этими отметками выйдет «4» (средний балл 3,83): нужно ещё 8 пятёрок, чтобы вышла «5»." in page
    assert "Чтобы выйти на «5», нужно ещё отметок «5» (Ответ на уроке, вес 1): 8." in page
    bad = client.get(f"{url}&value=7")
    assert bad.status_code == 422 and "Отметка — от 2 до 5." in bad.get_data(as_text=True)
    assert as_(world.other_parent).get(url).status_code == 403
    with app.app_context():
        assert Mark.select().where(Mark.student_id == world.a1.id).count() == 3  # nothing was written
        pages = [__import__("json").loads(r.details).get("page") for r in _audits(app, world.a1.id)]
    assert pages.count("calculator") == 3


def test_marks_entered_or_changed_since_the_previous_visit_are_marked(app, world, as_):
    url = f"/progress/{world.a1.id}?period={world.period.id}"
    client = as_(world.parent)
    first = client.get(url).get_data(as_text=True)
    assert "Прошлый просмотр" not in first and "badge-new" not in first  # nothing to compare with yet
    same = client.get(url).get_data(as_text=True)
    assert "С тех пор отметки в этом периоде не менялись." in same
    with app.app_context():
        journal.set_mark(world.maths_lessons[-1], world.a1.id, "3", world.teacher.user_id)  # a new mark
        journal.set_mark(world.maths_lessons[1], world.a1.id, "5", world.teacher.user_id)  # 4 → 5
    page = client.get(url).get_data(as_text=True)
    assert "Новых и изменённых отметок в этом периоде с тех пор: 2" in page
    assert page.count('<span class="badge badge-new">новая</span>') == 1
    assert page.count('<span class="badge badge-new">изменена</span>') == 1
    # the other parent's visits are their own: for her everything is still to be seen for the first time
    other = as_(world.parent2).get(url).get_data(as_text=True)
    assert "Прошлый просмотр" not in other and "badge-new" not in other
