"""Issue 15 item 1 on the server: «Что нового» keyed on entry time, the summary table, a flat statement count."""

from __future__ import annotations

import re

import pytest

from core.api import utcnow
from plugins.gradebook import journal
from plugins.gradebook.models import Lesson
from tests.gradebook.factories import make_assignment, make_subject


@pytest.fixture
def counted(app, monkeypatch):
    """Statements the app runs while ``on``."""
    found = {"on": False, "sql": []}
    db_class = type(app.extensions["eschool_db"])
    original = db_class.execute_sql

    def recording(self, sql, params=None, *args, **kwargs):
        if found["on"]:
            found["sql"].append(sql)
        return original(self, sql, params, *args, **kwargs)

    monkeypatch.setattr(db_class, "execute_sql", recording)
    return found


def _page(client, counted, url) -> tuple[str, int]:
    counted["sql"].clear()
    counted["on"] = True
    answer = client.get(url)
    counted["on"] = False
    assert answer.status_code == 200
    return answer.get_data(as_text=True), len(counted["sql"])


def test_whats_new_lists_marks_absences_and_homework_entered_since_the_last_visit(app, world, as_):
    url = f"/progress/{world.a1.id}?period={world.period.id}"
    client = as_(world.parent)
    first = client.get(url).get_data(as_text=True)
    assert "Это первый просмотр" in first
    lesson = world.maths_lessons[-1]
    with app.app_context():
        journal.set_mark(lesson, world.a1.id, "3", world.teacher.user_id)  # a new mark
        journal.set_mark(world.maths_lessons[1], world.a1.id, "5", world.teacher.user_id)  # 4 → 5: changed
        journal.set_attendance(world.maths_lessons[0], world.a1.id, "Н", world.teacher.user_id)  # an old lesson
        journal.set_lesson_text(Lesson.get_by_id(lesson.id), world.teacher.user_id, homework="Выучить стих")
    page = client.get(url).get_data(as_text=True)
    news = page[page.index('class="whats-new"'):page.index('class="progress-summary"')]
    assert "2 новые или изменённые отметки:" in news  # Russian plural: 2 → «новые … отметки»
    assert "Математика <b class=\"mark mark-3\">3</b>" in news and "(изменена)" in news
    assert "Математика 4 → <b class=\"mark mark-5\">5</b> (изменена)" in news  # a corrected mark: old → new
    assert "1 пропуск:" in news and "Математика" in news  # an absence entered now at an earlier lesson
    assert "1 новое домашнее задание:" in news
    summary = page[page.index('class="data summary-table"'):page.index("</table>", page.index("summary-table"))]
    assert "+2 новые" in summary  # the count of new marks in the subject's row
    # nothing new on the next visit
    again = client.get(url).get_data(as_text=True)
    assert "Ничего нового." in again


def test_summary_shows_average_period_grade_or_the_rules_grade_and_absences(app, world, as_):
    url = f"/progress/{world.a1.id}?period={world.period.id}"
    page = as_(world.parent).get(url).get_data(as_text=True)
    row = re.search(rf'<tr id="row-{world.maths.id}">(.*?)</tr>', page, re.S).group(1)
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
    assert cells[0] == "Математика" and cells[1] == "4,75" and cells[2] == "≈5" and cells[3] == "0"
    assert f'<details class="card subject" id="s-{world.maths.id}">' in page  # the details, closed by default
    assert re.search(r"\d\.\d", cells[1]) is None


def test_the_pages_statement_count_does_not_grow_with_subjects(app, world, as_, counted):
    url = f"/progress/{world.a1.id}?period={world.period.id}"
    client = as_(world.parent)
    client.get(url)  # the previous visit
    _, before = _page(client, counted, url)
    with app.app_context():
        day = world.maths_lessons[-1].date
        for n in range(5):
            subject = make_subject(world.school, f"Предмет {n}")  # i18n: data
            assignment = make_assignment(world.year, world.class_5a, subject, world.teacher)
            lesson = Lesson.create(assignment=assignment, date=day, number=5 + n, created_at=utcnow())
            journal.set_mark(lesson, world.a1.id, "4", world.teacher.user_id)
            journal.set_attendance(lesson, world.a1.id, "Н", world.teacher.user_id)
            journal.set_lesson_text(lesson, world.teacher.user_id, homework="Упражнение")
    page, after = _page(client, counted, url)
    assert page.count('class="card subject"') >= 8 and "Предмет 4" in page
    print(f"progress page: {before} statements with 3 subjects, {after} with 8")
    assert after == before, f"{before} statements with 3 subjects, {after} with 8"
