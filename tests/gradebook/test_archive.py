"""The journals' archive: a class's year as one XLSX workbook for the school's archive (АП-147/07)."""

import io
import json

from openpyxl import load_workbook

from core.models import AuditRecord
from plugins.gradebook import journal
from tests.gradebook.factories import make_staff
from tests.support import finish_job


def _prepare(app, world):
    """Quarter and year grades for a1 in maths; a topic that looks like a formula; homework."""
    with app.app_context():
        by = world.teacher.user_id
        journal.set_period_grade(world.maths_5a, world.a1.id, world.period, "5", by)
        journal.set_period_grade(world.maths_5a, world.a1.id, None, "5", by)
        first = world.maths_lessons[0]
        journal.set_lesson_text(first, by, topic='=HYPERLINK("http://127.0.0.1/","Дроби")', homework="№ 12, 14")
        return first


def _download(client, world):
    started = client.get(f"/journal/archive/class/{world.class_5a.id}?year={world.year.id}")
    answer = finish_job(client, started)  # a job: its page, then the kept workbook
    assert answer.status_code == 200, answer.status_code
    assert answer.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return load_workbook(io.BytesIO(answer.data))


def _rows(sheet):
    return [[c for c in row] for row in sheet.iter_rows(values_only=True)]


def test_the_deputy_downloads_a_classs_journal_with_the_summary_sheet_and_one_sheet_per_subject(app, world, as_):
    _prepare(app, world)
    with app.app_context():
        deputy = make_staff("deputy", school=world.school, last_name="Архивова")
    client = as_(deputy)
    page = client.get(f"/journal/archive?year={world.year.id}").get_data(as_text=True)
    assert "5А" in page and "5Б" in page and f"/journal/archive/class/{world.class_5a.id}" in page
    book = _download(client, world)
    assert book.sheetnames[0] == "Сводная ведомость"
    assert {"Математика", "Русский язык"} <= set(book.sheetnames)
    assert any(name.startswith("Английский язык (") for name in book.sheetnames)
    summary = _rows(book["Сводная ведомость"])
    assert "5А класс" in summary[0][0] and world.year.name in summary[0][0]
    header = summary[2]
    names = [row[1] for row in summary[3:]]
    assert names == ["Иванов Пётр", "Петров Сергей", "Сидоров Олег"]  # the class, by surname; one row each
    a1 = summary[3]
    assert a1[header.index(f"Математика: {world.period.name}")] == "5"
    assert a1[header.index("Математика: год")] == "5"


def test_the_subject_sheet_has_marks_attendance_topics_and_homework_and_no_formulas(app, world, as_):
    first = _prepare(app, world)
    book = _download(as_(world.admin), world)
    sheet = book["Математика"]
    rows = _rows(sheet)
    assert rows[0][0] == "Математика" and "Математикова" in rows[1][0]
    block = rows.index(next(r for r in rows if r[0] == world.period.name))  # this quarter's grid
    grid_header = rows[block + 1]
    assert grid_header[0] == "Обучающийся" and grid_header[1] == world.maths_lessons[0].date.strftime("%d.%m")
    a1 = next(r for r in rows[block:] if r[0] == "Иванов Пётр")
    a2 = next(r for r in rows[block:] if r[0] == "Петров Сергей")
    assert list(a1[1:4]) == ["5", "4", "5"]
    assert a2[2] == "Н"
    assert a1[grid_header.index("За период")] == "5"
    topics = next(i for i, r in enumerate(rows) if list(r[:4]) == ["Дата", "Урок", "Тема урока", "Домашнее задание"])
    line = rows[topics + 1]
    assert line[0] == first.date.strftime("%d.%m.%Y") and line[3] == "№ 12, 14"
    topic_cell = sheet.cell(row=topics + 2, column=3)
    assert topic_cell.value == "'" + '=HYPERLINK("http://127.0.0.1/","Дроби")' and topic_cell.data_type == "s"


def test_the_download_is_audited_with_the_students_it_names(app, world, as_):
    _download(as_(world.admin), world)
    with app.app_context():
        record = AuditRecord.get(AuditRecord.action == "journal.archive")
    assert (record.object_type, record.object_id) == ("school_class", str(world.class_5a.id))
    assert sorted(json.loads(record.details)["students"]) == sorted([world.a1.id, world.a2.id, world.a3.id])


def test_a_year_or_class_of_another_school_is_not_found(app, world, as_):
    client = as_(world.admin)
    assert client.get(f"/journal/archive?year={world.year_b.id}").status_code == 404
    assert client.get(f"/journal/archive/class/{world.class_b.id}?year={world.year.id}").status_code == 404
    assert client.get(f"/journal/archive/class/{world.class_5a.id}?year={world.year_b.id}").status_code == 404
