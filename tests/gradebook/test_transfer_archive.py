"""A transferred child's record comes along: the family still reads the marks and grades of the earlier school."""

from plugins.gradebook import journal, queries
from plugins.gradebook.models import Lesson
from plugins.registries import models as m
from plugins.registries import people


def _moved_from_school_b(app, world):
    """«Цветков Антон» has marks and a quarter grade at «Школа № 2», then moves to «Школа № 1», 5Б."""
    with app.app_context():
        lessons = [lesson for lesson in world.maths_b5a.lessons.order_by(Lesson.date) if lesson.date <= world.today]
        by = world.teacher_b.user_id
        journal.set_mark(lessons[0], world.c1.id, "4", by)
        journal.set_mark(lessons[-1], world.c1.id, "3", by)
        period_b = queries.period_on(world.year_b, world.today)
        journal.set_period_grade(world.maths_b5a, world.c1.id, period_b, "4", by)
        child = m.Student.get_by_id(world.c1.id)
        people.change_status(child, "transferred", world.today, "по заявлению", None)
        data = {"last_name": child.last_name, "first_name": child.first_name, "middle_name": child.middle_name,
                "birth_date": child.birth_date, "gender": child.gender, "snils": child.snils, "school_class": "5Б"}
        people.transfer_in(m.Student.get_by_id(child.id), world.school.id, data, None)
        # the new school records its own consent before the family uses the service there
        m.Consent.create(subject_student=child.id, giver_parent=world.parent_c.id, purpose="progress",
                         text_version="2025-09", given_on=world.today, channel="paper")
        return period_b


def test_the_family_reads_the_earlier_schools_marks_and_grades_after_a_transfer(app, world, as_):
    period_b = _moved_from_school_b(app, world)
    client = as_(world.parent_c)
    page = client.get(f"/progress/{world.c1.id}").get_data(as_text=True)
    assert "Школа № 2" in page  # the chooser offers the earlier school's year, named by its school
    assert f'value="{period_b.id}"' in page
    earlier = client.get(f"/progress/{world.c1.id}?period={period_b.id}")
    assert earlier.status_code == 200
    text = earlier.get_data(as_text=True)
    assert "Математика" in text and "— Школа № 2" in text
    assert text.count('<td class="mark mark-4">') == 1 and text.count('<td class="mark mark-3">') == 1
    card = client.get(f"/progress/{world.c1.id}/report-card?year={world.year_b.id}")
    assert card.status_code == 200
    card_text = card.get_data(as_text=True)
    assert "Школа № 2" in card_text and "<td>Математика</td>" in card_text and "<td>4</td>" in card_text


def test_the_api_lists_the_earlier_schools_year_with_its_school(app, world, client, bearer):
    period_b = _moved_from_school_b(app, world)
    headers = bearer(world.parent_c)
    years = client.get(f"/api/v1/students/{world.c1.id}/periods", headers=headers).get_json()["years"]
    named = {(y["id"], y["school_id"], y["school_name"]) for y in years}
    assert named == {(world.year.id, world.school.id, "Школа № 1"), (world.year_b.id, world.school_b.id, "Школа № 2")}
    progress = client.get(f"/api/v1/students/{world.c1.id}/progress?period={period_b.id}", headers=headers)
    assert progress.status_code == 200
    maths = [s for s in progress.get_json()["subjects"] if s["subject"] == "Математика"]
    assert [mark["value"] for mark in maths[0]["marks"]] == ["4", "3"] and maths[0]["period_grade"] == "4"
    card = client.get(f"/api/v1/students/{world.c1.id}/report-card?year={world.year_b.id}", headers=headers)
    assert card.status_code == 200 and card.get_json()["rows"][0]["grades"] == {str(period_b.id): "4"}


def test_a_year_of_a_school_the_child_never_attended_stays_out_of_reach(app, world, as_, client, bearer):
    period_b = _moved_from_school_b(app, world)
    parent = as_(world.parent)  # «Иванов Пётр» has always been at «Школа № 1»
    assert "Школа № 2" not in parent.get(f"/progress/{world.a1.id}").get_data(as_text=True)
    assert parent.get(f"/progress/{world.a1.id}?period={period_b.id}").status_code == 404
    assert parent.get(f"/progress/{world.a1.id}/report-card?year={world.year_b.id}").status_code == 404
    assert parent.get(f"/progress/{world.a1.id}/calculator?period={period_b.id}").status_code == 404
    headers = bearer(world.parent)
    assert client.get(f"/api/v1/students/{world.a1.id}/progress?period={period_b.id}",
                      headers=headers).status_code == 404
    assert client.get(f"/api/v1/students/{world.a1.id}/report-card?year={world.year_b.id}",
                      headers=headers).status_code == 404


def test_the_school_the_child_left_no_longer_reads_the_child(app, world, as_):
    _moved_from_school_b(app, world)
    assert as_(world.admin_b).get(f"/progress/{world.c1.id}").status_code in (403, 404)
