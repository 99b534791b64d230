"""«Уведомления»: the form with Russian field errors, the push subscription, the worker script, unsubscribe."""

from __future__ import annotations

import datetime as dt

from core.api import User, database
from core.models import AuditRecord
from plugins.notifications import links
from plugins.notifications.models import Preference, PushSubscription
from tests.support import registry_tables


def test_a_parent_chooses_channels_kinds_and_hours(app, world, as_):
    client = as_(world.parent)
    page = client.get("/notifications/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Уведомления" in html and "Мессенджер региона" in html and "/static/notifications/subscribe.js" in html
    assert 'href="/notifications/"' in client.get("/progress").get_data(as_text=True)

    bad = client.post("/notifications/", data={"email_on": "1", "email": "не адрес", "kinds": ["marks"],
                                               "mode": "digest", "digest_hour": "25", "quiet_from": "22",
                                               "quiet_to": "7"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 200
    assert "Введите адрес электронной почты" in text and "Час — число от 0 до 23." in text
    with app.app_context():
        assert Preference.select().count() == 0

    empty = client.post("/notifications/", data={"email_on": "1", "email": "", "mode": "instant",
                                                 "digest_hour": "19", "quiet_from": "22", "quiet_to": "7"})
    assert "Укажите адрес, на который присылать письма." in empty.get_data(as_text=True)

    ok = client.post("/notifications/", data={"email_on": "1", "email": "mama@example.test", "webhook_on": "1",
                                              "webhook_handle": "tg-77", "kinds": ["marks", "absences"],
                                              "mode": "digest", "digest_hour": "20", "quiet_from": "23",
                                              "quiet_to": "6"})
    assert ok.status_code == 302
    with app.app_context():
        pref = Preference.get(Preference.user_id == world.parent.user_id)
        assert (pref.email, pref.kinds, pref.mode, pref.digest_hour, pref.quiet_from, pref.quiet_to) == (
            "mama@example.test", "marks,absences", "digest", 20, 23, 6)
        assert pref.channels() == ["email", "webhook"]
        assert AuditRecord.select().where(AuditRecord.action == "notifications.preferences").count() == 1


def test_the_page_is_for_parents_and_adult_students_only(app, world, as_):
    assert as_(world.teacher).get("/notifications/").status_code == 403
    assert as_(world.a1).get("/notifications/").status_code == 403  # born 2014: the parents are told
    with app.app_context(), database.connection_context():
        reg = registry_tables()
        user = User.create(display_name="Взрослова Анна", role="student")
        adult = reg.Student.create(last_name="Взрослова", first_name="Анна", birth_date=dt.date(2008, 1, 5),
                                   gender="f", school=world.school, school_class=world.class_5a, user=user)
    assert as_(adult).get("/notifications/").status_code == 200


def test_the_browser_subscription_is_stored_and_can_be_removed(app, world, as_, push_service):
    client = as_(world.parent)
    subscription = push_service.browser("phone").subscription()
    response = client.post("/notifications/push", json=subscription)
    assert response.status_code == 201
    with app.app_context():
        stored = PushSubscription.get()
        assert (stored.user_id, stored.endpoint, stored.p256dh) == (
            world.parent.user_id, subscription["endpoint"], subscription["keys"]["p256dh"])
        assert Preference.get(Preference.user_id == world.parent.user_id).push_on
    broken = client.post("/notifications/push", json={"endpoint": "not a url", "keys": {"auth": "x"}})
    assert broken.status_code == 422 and "endpoint" in broken.get_json()["errors"]
    other = as_(world.other_parent)
    assert other.post(f"/notifications/push/{stored.id}/delete").status_code == 302
    with app.app_context():
        assert PushSubscription.select().count() == 1  # not theirs: untouched
    assert client.post(f"/notifications/push/{stored.id}/delete").status_code == 302
    with app.app_context():
        assert PushSubscription.select().count() == 0


def test_the_service_worker_and_the_script_come_from_the_same_origin(app, world, as_):
    client = app.test_client()
    worker = client.get("/notifications/sw.js")
    assert worker.status_code == 200 and worker.mimetype == "text/javascript"
    assert "showNotification" in worker.get_data(as_text=True)
    script = client.get("/static/notifications/subscribe.js")
    assert script.status_code == 200 and "pushManager.subscribe" in script.get_data(as_text=True)
    page = as_(world.parent).get("/notifications/").get_data(as_text=True)
    with app.app_context():
        from plugins.notifications.worker import vapid_key

        assert f'data-key="{vapid_key().application_server_key}"' in page


def test_one_click_unsubscribe_needs_no_login_and_stops_the_emails(
        app, world, as_, subscribe, run_worker, smtp):
    app.config["WTF_CSRF_ENABLED"] = True  # as in production: the mail client has no form token
    subscribe(world.parent, email="mama@example.test")
    with app.test_request_context():
        url = links.unsubscribe_url(world.parent.user_id)
    path = url.removeprefix("http://school.test")
    client = app.test_client()
    page = client.get(path)
    assert page.status_code == 200 and "Отписаться" in page.get_data(as_text=True)
    assert client.post(path[:-3] + "xyz", data={"List-Unsubscribe": "One-Click"}).status_code == 404
    response = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 204
    with app.app_context():
        assert Preference.get(Preference.user_id == world.parent.user_id).email_on is False
        record = AuditRecord.get(AuditRecord.action == "notifications.unsubscribed")
        assert record.object_id == str(world.parent.user_id)
    assert "письма больше не придут" in client.get(path).get_data(as_text=True)
    teacher = as_(world.teacher)
    app.config["WTF_CSRF_ENABLED"] = False
    teacher.post(f"/journal/{world.maths_5a.id}?period={world.period.id}",
                 data={f"c-{world.maths_lessons[-1].id}-{world.a1.id}": "5"})
    assert run_worker().sent == 0
    assert smtp.messages == []


def test_the_preferences_form_still_needs_its_csrf_token(app, world, as_):
    app.config["WTF_CSRF_ENABLED"] = True
    response = as_(world.parent).post("/notifications/", data={"mode": "instant"})
    assert response.status_code == 400
