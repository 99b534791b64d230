"""The pages in Debian's Chromium over real HTTP, CSRF on, no JavaScript: a parent sends, the class teacher accepts."""

import os

import pytest

from plugins.absence_notes.models import AbsenceNote
from plugins.gradebook.models import Attendance
from tests.absence_notes.conftest import MONDAY, PLUGINS, png_bytes
from tests.gradebook.factories import user_of
from tests.support import live_server

pytestmark = pytest.mark.plugins(*PLUGINS)
SHOTS = os.environ.get("ABSENCE_NOTES_SHOTS")  # a folder to keep screenshots in, for a person to look at


def browser_page(browser, app, base, login, person):
    """A Chromium page (JavaScript off) carrying a live session of ``person``."""
    client = app.test_client()
    with app.app_context():
        login(client, user_of(person))
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    context.add_cookies([{"name": "eschool_session", "value": client.get_cookie("eschool_session").value,
                          "url": base}])
    page = context.new_page()
    page.set_default_timeout(10000)
    return page


def shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def test_a_parent_sends_and_the_class_teacher_accepts_in_a_real_browser(app, world, browser, login, tmp_path):
    app.config["WTF_CSRF_ENABLED"] = True
    photo = tmp_path / "spravka.png"
    photo.write_bytes(png_bytes())
    with live_server(app) as base:
        parent = browser_page(browser, app, base, login, world.other_parent)
        parent.goto(f"{base}/")
        parent.click("text=Сообщить об отсутствии")
        parent.fill("#starts_on", MONDAY.isoformat())
        parent.fill("#ends_on", "2026-11-30")
        parent.select_option("#reason", "illness")
        parent.click("text=Отправить классному руководителю")
        assert "Не больше 14 дней подряд" in parent.inner_text("#ends_on-error")
        shot(parent, "1-parent-form-error")
        parent.fill("#ends_on", "2026-11-12")
        parent.fill("#comment", "Температура")
        parent.set_input_files("#attachment", str(photo))
        parent.click("text=Отправить классному руководителю")
        assert "отправлено классному руководителю" in parent.inner_text("main")
        assert "на рассмотрении" in parent.inner_text("table")
        shot(parent, "2-parent-list")

        teacher = browser_page(browser, app, base, login, world.class_teacher)
        teacher.goto(f"{base}/")
        teacher.click("text=Объяснительные")
        teacher.click("text=Петров Сергей")
        assert "Отсутствовал" in teacher.inner_text("main")
        shot(teacher, "3-teacher-detail")
        teacher.click("text=Принять")
        assert "изменено уроков: 5" in teacher.inner_text("main")
        shot(teacher, "4-teacher-accepted")

        parent.goto(f"{base}/absence-notes/")
        assert "принято" in parent.inner_text("table")
    with app.app_context():
        assert AbsenceNote.get().status == "accepted"
        assert Attendance.get((Attendance.student_id == world.a2.id)
                              & (Attendance.lesson == world.maths_lessons[1].id)).code == "Б"
