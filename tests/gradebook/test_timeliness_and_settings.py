"""Timeliness reports (deputy per teacher × class, municipality per school; HTML and XLSX) and school settings."""

import datetime as dt
import io

from openpyxl import load_workbook

from core.models import AuditRecord
from plugins.gradebook import journal
from plugins.gradebook.models import AcademicYear, Lesson, Subject
from tests.gradebook.factories import make_municipality, make_school


def _range(world):
    return f"from={world.period.starts_on.isoformat()}&to={world.today.isoformat()}"


def test_deputy_sees_late_entries_and_missing_topics_per_teacher_and_class(app, world, as_):
    with app.app_context():
        first = world.maths_lessons[0]
        journal.set_mark(first, world.a3.id, "3", world.teacher.user_id,
                         now=dt.datetime.combine(first.date + dt.timedelta(days=10), dt.time(9)))
        journal.set_lesson_text(first, world.teacher.user_id, topic="Тема",
                                now=dt.datetime.combine(first.date + dt.timedelta(days=2), dt.time(9)))
        held = Lesson.select().where((Lesson.assignment == world.maths_5a.id) & (Lesson.date <= world.today)).count()
    page = as_(world.deputy).get(f"/timeliness?{_range(world)}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Математикова" in text and "5А" in text and "Отметки с опозданием" in text
    xlsx = as_(world.deputy).get(f"/timeliness?{_range(world)}&format=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = rows[0]
    maths = next(r for r in rows[1:] if r[0].startswith("Математикова") and r[1] == "5А")
    line = dict(zip(header, maths, strict=True))
    assert line["Уроков проведено"] == held
    assert line["Отметки с опозданием"] == 1
    assert line["Тема внесена с опозданием"] == 1
    assert line["Без темы"] == held - 1


def test_municipality_sees_only_aggregates_per_school(world, as_):
    client = as_(world.municipal)
    page = client.get(f"/timeliness/municipality?{_range(world)}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Школа № 1" in text and "Школа № 2" in text
    assert "Математикова" not in text
    assert client.get("/timeliness").status_code == 403
    xlsx = client.get(f"/timeliness/municipality?{_range(world)}&format=xlsx")
    assert load_workbook(io.BytesIO(xlsx.data)).active["A1"].value == "Школа"


def test_municipality_opens_its_school_per_teacher_and_class_but_not_another_districts(app, world, as_):
    with app.app_context():
        first = world.maths_lessons[0]
        journal.set_mark(first, world.a3.id, "3", world.teacher.user_id,
                         now=dt.datetime.combine(first.date + dt.timedelta(days=10), dt.time(9)))
        elsewhere = make_school(make_municipality("Соседний район"), "Школа № 9")
    client = as_(world.municipal)
    overview = client.get(f"/timeliness/municipality?{_range(world)}").get_data(as_text=True)
    assert f"school={world.school.id}" in overview  # each school's row opens its details
    page = client.get(f"/timeliness/municipality?school={world.school.id}&{_range(world)}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Математикова" in text and "5А" in text and "Все школы" in text
    xlsx = client.get(f"/timeliness/municipality?school={world.school.id}&{_range(world)}&format=xlsx")
    rows = [[c.value for c in row] for row in load_workbook(io.BytesIO(xlsx.data)).active.iter_rows()]
    line = dict(zip(rows[0], next(r for r in rows[1:] if r[0].startswith("Математикова") and r[1] == "5А"),
                    strict=True))
    assert line["Отметки с опозданием"] == 1
    assert client.get(f"/timeliness/municipality?school={elsewhere.id}").status_code == 403
    with app.app_context():
        audited = AuditRecord.select().where((AuditRecord.action == "timeliness.read")
                                             & (AuditRecord.object_type == "school")
                                             & (AuditRecord.object_id == str(world.school.id))).count()
    assert audited == 2


def test_teachers_and_families_cannot_open_timeliness_reports(world, as_):
    assert as_(world.teacher).get("/timeliness").status_code == 403
    assert as_(world.parent).get("/timeliness/municipality").status_code == 403


def test_school_admin_adds_subject_and_year_and_sees_russian_errors(app, world, as_):
    client = as_(world.admin)
    assert client.get("/gradebook/admin").status_code == 200
    assert client.post("/gradebook/admin/subject", data={"name": "Информатика"}).status_code == 302
    bad = client.post("/gradebook/admin/year", data={"start_year": "2040", "starts_on": "2041-06-01",
                                                     "ends_on": "2040-09-01", "period_kind": "half"})
    assert bad.status_code == 422 and "Конец года должен быть позже начала" in bad.get_data(as_text=True)
    good = client.post("/gradebook/admin/year", data={"start_year": "2040", "starts_on": "2040-09-01",
                                                      "ends_on": "2041-05-31", "period_kind": "half"})
    assert good.status_code == 302
    with app.app_context():
        assert Subject.select().where(Subject.name == "Информатика").exists()
        year = AcademicYear.get(AcademicYear.start_year == 2040)
        assert [p.name for p in year.periods.order_by("number")] == ["I полугодие", "II полугодие"]


def test_local_act_thresholds_must_descend(world, as_):
    client = as_(world.admin)
    data = {"threshold_5": "3.5", "threshold_4": "4.5", "threshold_3": "2.5", "min_marks": "3",
            "attendance_days": "0", "topic_days": "0", "homework_days": "0", "mark_days": "3",
            "written_mark_days": "7"}
    bad = client.post("/gradebook/admin/local_act", data=data)
    assert bad.status_code == 422 and "Пороги должны убывать" in bad.get_data(as_text=True)


def test_another_schools_admin_cannot_use_this_schools_ids(app, world, as_):
    client = as_(world.admin_b)
    response = client.post("/gradebook/admin/assignment", data={
        "year_id": world.year.id, "class_id": world.class_5a.id, "subject_id": world.maths.id,
        "teacher_id": world.teacher.id, "scale": "five"})
    assert response.status_code == 422


def test_deputy_closes_the_year_into_the_archive(app, world, as_):
    response = as_(world.deputy).post(f"/gradebook/admin/year/{world.year.id}/close")
    assert response.status_code == 302
    with app.app_context():
        assert AcademicYear.get_by_id(world.year.id).is_closed
    assert as_(world.admin_b).post(f"/gradebook/admin/year/{world.year.id}/close").status_code == 404


def test_navigation_offers_each_role_its_pages(world, as_):
    assert "/progress" in as_(world.parent).get("/progress").get_data(as_text=True)
    page = as_(world.teacher).get("/journal").get_data(as_text=True)
    assert 'href="/journal"' in page and 'href="/timeliness"' not in page
    page = as_(world.admin).get("/journal").get_data(as_text=True)
    assert 'href="/gradebook/admin"' in page and 'href="/timeliness"' in page
