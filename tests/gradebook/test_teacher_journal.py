"""The teacher's journal: grid entry in one POST, Russian validation, write only to own assignments."""

from core.models import AuditRecord
from plugins.gradebook.models import Attendance, Mark, PeriodGrade


def _cell(lesson, student):
    return f"c-{lesson.id}-{student.id}"


def test_many_cells_are_saved_in_one_post(app, world, as_):
    l1, l2 = world.maths_lessons[-2:]
    client = as_(world.teacher)
    response = client.post(f"/journal/{world.maths_5a.id}?period={world.period.id}", data={
        _cell(l1, world.a2): "5", _cell(l2, world.a2): "ОП 4", _cell(l1, world.a3): "н", _cell(l2, world.a3): "б"})
    assert response.status_code == 302
    with app.app_context():
        marks = {(m.lesson_id, m.student_id): m.value for m in Mark.select().where(Mark.student_id == world.a2.id)}
        assert marks[(l1.id, world.a2.id)] == "5" and marks[(l2.id, world.a2.id)] == "4"
        codes = {(a.lesson_id, a.student_id): a.code for a in Attendance.select()}
        assert codes[(l2.id, world.a2.id)] == "ОП"
        assert codes[(l1.id, world.a3.id)] == "Н" and codes[(l2.id, world.a3.id)] == "Б"
        assert AuditRecord.select().where(AuditRecord.action == "journal.write").count() == 1


def test_invalid_cells_are_refused_with_russian_messages_and_nothing_is_saved(app, world, as_):
    l1, l2 = world.maths_lessons[-2:]
    client = as_(world.teacher)
    response = client.post(f"/journal/{world.maths_5a.id}?period={world.period.id}",
                           data={_cell(l1, world.a2): "5", _cell(l2, world.a2): "7"})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Недопустимое значение «7»" in text and "Петров Сергей" in text
    assert 'value="7"' in text
    with app.app_context():
        assert Mark.select().where(Mark.student_id == world.a2.id).count() == 0


def test_teacher_writes_only_their_own_assignment(world, as_):
    lesson = world.maths_lessons[-1]
    other = as_(world.other_teacher)
    assert other.post(f"/journal/{world.maths_5a.id}", data={_cell(lesson, world.a2): "2"}).status_code == 403
    assert other.get(f"/journal/{world.maths_5a.id}").status_code == 403
    assert other.get(f"/journal/{world.russian_5a.id}").status_code == 200


def test_class_teacher_reads_every_journal_of_their_class_but_writes_none_of_others(world, as_):
    client = as_(world.class_teacher)
    assert client.get(f"/journal/{world.maths_5a.id}").status_code == 200
    assert client.get(f"/journal/{world.maths_5b.id}").status_code == 403
    lesson = world.maths_lessons[-1]
    assert client.post(f"/journal/{world.maths_5a.id}", data={_cell(lesson, world.a2): "2"}).status_code == 403


def test_teacher_reads_progress_of_students_they_teach_only(world, as_):
    english = as_(world.class_teacher)
    assert english.get(f"/progress/{world.a3.id}").status_code == 200  # their own class
    teacher = as_(world.other_teacher)
    assert teacher.get(f"/progress/{world.a1.id}").status_code == 200
    assert teacher.get(f"/progress/{world.b1.id}").status_code == 403
    assert as_(world.teacher_b).get(f"/progress/{world.a1.id}").status_code == 403


def test_journal_list_shows_own_assignments_and_deputy_sees_the_school(world, as_):
    page = as_(world.other_teacher).get("/journal").get_data(as_text=True)
    assert "Русский язык" in page and "Математика" not in page
    page = as_(world.deputy).get("/journal").get_data(as_text=True)
    assert "Русский язык" in page and "Математика" in page


def test_late_entries_are_flagged_in_the_grid(app, world, as_):
    import datetime as dt

    from plugins.gradebook import journal

    with app.app_context():
        first = world.maths_lessons[0]
        journal.set_mark(first, world.a3.id, "3", world.teacher.user_id,
                         now=dt.datetime.combine(first.date + dt.timedelta(days=10), dt.time(9)))
    page = as_(world.teacher).get(f"/journal/{world.maths_5a.id}?period={world.period.id}").get_data(as_text=True)
    assert 'class="late' in page


def test_attestation_shows_average_and_rule_and_saves_grades(app, world, as_):
    client = as_(world.teacher)
    page = client.get(f"/journal/{world.maths_5a.id}/attestation").get_data(as_text=True)
    assert "Правило локального акта" in page and "н/а" in page
    response = client.post(f"/journal/{world.maths_5a.id}/attestation",
                           data={f"g-{world.a1.id}-{world.period.id}": "5", f"g-{world.a2.id}-year": "н/а"})
    assert response.status_code == 302
    bad = client.post(f"/journal/{world.maths_5a.id}/attestation", data={f"g-{world.a1.id}-year": "6"})
    assert bad.status_code == 422 and "Допустимы" in bad.get_data(as_text=True)
    with app.app_context():
        grades = {(g.student_id, g.period_id): g.value for g in PeriodGrade.select()}
        assert grades == {(world.a1.id, world.period.id): "5", (world.a2.id, None): "н/а"}


def test_history_page_shows_old_and_new_values(world, as_):
    client = as_(world.teacher)
    lesson = world.maths_lessons[-1]
    client.post(f"/journal/{world.maths_5a.id}?period={world.period.id}", data={_cell(lesson, world.a3): "3"})
    client.post(f"/journal/{world.maths_5a.id}?period={world.period.id}", data={_cell(lesson, world.a3): "4"})
    page = client.get(f"/journal/{world.maths_5a.id}/history").get_data(as_text=True)
    assert "<td>3</td><td>4</td>" in page
    assert "<td>Отметка</td>" in page and "mark / value" not in page  # in words, not the storage names


def test_post_without_csrf_token_is_refused(app, world, as_):
    app.config["WTF_CSRF_ENABLED"] = True
    lesson = world.maths_lessons[-1]
    response = as_(world.teacher).post(f"/journal/{world.maths_5a.id}", data={_cell(lesson, world.a2): "5"})
    assert response.status_code == 400
    with app.app_context():
        assert Mark.select().where(Mark.student_id == world.a2.id).count() == 0


def test_the_lesson_page_shows_entry_times_in_the_regions_time_zone(app, world, as_):
    import datetime as dt

    from plugins.gradebook import journal

    lesson = world.maths_lessons[-1]
    entered = dt.datetime.combine(lesson.date, dt.time(21, 30))  # UTC: past midnight in Moscow
    with app.app_context():
        journal.set_mark(lesson, world.a2.id, "4", world.teacher.user_id, now=entered)
    page = as_(world.teacher).get(f"/journal/{world.maths_5a.id}/lesson/{lesson.id}").get_data(as_text=True)
    assert (lesson.date + dt.timedelta(days=1)).strftime("%d.%m.%Y") + " 00:30" in page
    assert "UTC" not in page
