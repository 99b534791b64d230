"""Issue 16 item 3 in Chromium: issuing a class's slips shows its progress, survives a reload, and finishes.

The job is held after its first password (an event the test sets), so the browser is seen mid-way without
waiting for any clock: the progress bar has moved, the stage is named, a reload shows the same, «Мои задания»
lists the job; then the job goes on and the page opens the slips by itself.
"""

from __future__ import annotations

import threading

from playwright.sync_api import expect

from plugins.auth_local import credentials
from tests.journeys.conftest import login_with_password

WAIT = 30  # seconds: only a guard against a hung test


def test_class_slips_show_progress_across_a_reload_and_finish_with_the_slips(region, camera, monkeypatch):
    reached, go = threading.Event(), threading.Event()
    real = credentials.hash_many

    def held_after_the_first(passwords, progress=None):
        def report(done, total):
            progress(done, total)
            if done == 1:
                reached.set()
                assert go.wait(WAIT)

        return real(passwords, report)

    monkeypatch.setattr(credentials, "hash_many", held_after_the_first)
    cam = camera("admin-slips")
    page = cam.page
    login_with_password(cam, region, region.logins["admin"])
    klass = region.world.class_5a
    page.goto(f"{region.url}/local/classes/{klass.id}")
    pupils = page.locator("table.data tbody tr").count()
    assert pupils >= 2
    page.get_by_label("всем учащимся класса (старые пароли перестанут действовать)").check()
    try:
        page.get_by_role("button", name="Выдать и показать листки").click()
        page.wait_for_url("**/jobs/*", timeout=WAIT * 1000)
        assert reached.wait(WAIT)
        bar = page.locator("progress.job-bar")
        expect(bar).not_to_have_attribute("value", "0", timeout=WAIT * 1000)  # moved by jobs.js polling
        assert "Создание временных паролей" in page.locator(".job-stage").inner_text()
        assert page.locator(".job-state").inner_text() == "Выполняется…"
        cam.look("slips-progress")
        page.reload()  # the progress is stored: a reload shows where the job is, not an empty page
        assert float(bar.get_attribute("value")) > 0
        assert "Создание временных паролей" in page.locator(".job-stage").inner_text()
        job_url = page.url
        page.goto(f"{region.url}/jobs")  # leave the page...
        assert "Выдача логинов классу" in page.locator("table.jobs").inner_text()
        page.goto(job_url)  # ...and come back
        with page.expect_navigation(url="**/jobs/*/result", timeout=WAIT * 1000):
            go.set()
    finally:
        go.set()
    names = page.locator(".slip .slip-name").all_inner_texts()
    assert len(names) == pupils and len(set(page.locator(".slip .slip-login").all_inner_texts())) == pupils
    assert page.locator("#auth-local-print").is_visible()
    cam.look("slips-done")
