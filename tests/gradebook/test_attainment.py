"""The attainment report: excellent, good, one «3», failing, «н/а»; success and quality rates per class and school."""

import io

from openpyxl import load_workbook

from plugins.gradebook import journal
from plugins.gradebook.attainment import classify
from plugins.gradebook.models import Period
from tests.gradebook.factories import make_municipality, make_school


def test_each_student_counts_once_in_the_right_column():
    assert classify(["5", "5", "зач"]) == "excellent"
    assert classify(["5", "4"]) == "good"
    assert classify(["5", "3", "4"]) == "one_three"
    assert classify(["3", "3"]) == "threes"
    assert classify(["3", "н/а"]) == "not_assessed"
    assert classify(["2", "н/а"]) == "failing"
    assert classify(["5", "незач"]) == "failing"
    assert classify(["зач"]) == ""


def _grades(app, world):
    """5А: a1 excellent, a2 good, a3 one «3»; 5Б: b1 failing; school № 2: c1 not assessed."""
    with app.app_context():
        by = world.teacher.user_id
        period = Period.get_by_id(world.period.id)
        for assignment, student, value in ((world.maths_5a, world.a1, "5"), (world.russian_5a, world.a1, "5"),
                                           (world.maths_5a, world.a2, "4"), (world.russian_5a, world.a2, "5"),
                                           (world.maths_5a, world.a3, "3"), (world.russian_5a, world.a3, "4"),
                                           (world.maths_5b, world.b1, "2")):
            journal.set_period_grade(assignment, student.id, period, value, by)
        period_b = Period.get((Period.year == world.year_b.id) & (Period.number == period.number))
        journal.set_period_grade(world.maths_b5a, world.c1.id, period_b, "н/а", world.teacher_b.user_id)
    return f"year={world.year.start_year}&period={world.period.number}"


def test_the_deputy_sees_each_class_with_success_and_quality_rates(app, world, as_):
    query = _grades(app, world)
    page = as_(world.deputy).get(f"/attainment?{query}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Качество знаний, %" in text
    xlsx = as_(world.deputy).get(f"/attainment?{query}&format=xlsx")
    rows = [[c.value for c in row] for row in load_workbook(io.BytesIO(xlsx.data)).active.iter_rows()]
    lines = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert (lines["5А"]["Аттестовано учащихся"], lines["5А"]["Отличники"], lines["5А"]["Хорошисты"],
            lines["5А"]["С одной «3»"]) == (3, 1, 1, 1)
    assert (float(lines["5А"]["Успеваемость, %"]), float(lines["5А"]["Качество знаний, %"])) == (100.0, 66.7)
    assert (lines["5Б"]["Неуспевающие («2»)"], float(lines["5Б"]["Успеваемость, %"])) == (1, 0.0)
    assert (lines["Итого"]["Аттестовано учащихся"], float(lines["Итого"]["Успеваемость, %"]),
            float(lines["Итого"]["Качество знаний, %"])) == (4, 75.0, 50.0)
    assert "Иванов" not in text and "Петров" not in text and "5А" in text  # counts only, no child named


def test_the_municipality_sees_schools_and_opens_its_own_per_class(app, world, as_):
    query = _grades(app, world)
    with app.app_context():
        elsewhere = make_school(make_municipality("Соседний район"), "Школа № 9")
    client = as_(world.municipal)
    text = client.get(f"/attainment/municipality?{query}").get_data(as_text=True)
    assert "Школа № 1" in text and "Школа № 2" in text and "5А" not in text
    xlsx = client.get(f"/attainment/municipality?{query}&format=xlsx")
    rows = [[c.value for c in row] for row in load_workbook(io.BytesIO(xlsx.data)).active.iter_rows()]
    second = next(dict(zip(rows[0], r, strict=True)) for r in rows[1:] if r[0] == "Школа № 2")
    assert (second["Не аттестованы («н/а»)"], float(second["Успеваемость, %"])) == (1, 0.0)
    detail = client.get(f"/attainment/municipality?school={world.school.id}&{query}").get_data(as_text=True)
    assert "5А" in detail and "5Б" in detail and "Все школы" in detail
    assert client.get(f"/attainment/municipality?school={elsewhere.id}&{query}").status_code == 403


def test_teachers_and_families_do_not_see_the_attainment_report(world, as_):
    assert as_(world.teacher).get("/attainment").status_code == 403
    assert as_(world.parent).get("/attainment/municipality").status_code == 403
    assert as_(world.admin_b).get("/attainment").status_code == 200  # their own school only


def test_a_school_without_an_academic_year_gets_an_empty_report_not_an_error(app, world, as_):
    from tests.gradebook.factories import make_staff

    with app.app_context():
        newcomer = make_school(world.municipality, "Школа № 7")
        deputy = make_staff("deputy", school=newcomer, last_name="Новикова")
    page = as_(deputy).get("/attainment")
    assert page.status_code == 200 and "Отметок за этот период ещё нет." in page.get_data(as_text=True)
