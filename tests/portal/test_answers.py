"""A parent's application, answered through the Adapter emulator with what the parent sees in the cabinet."""

import datetime as dt
from decimal import Decimal

import pytest

from core.models import AuditRecord
from plugins.portal import payload as p
from plugins.portal.models import PortalApplication, PortalInbox, PortalOutbox
from tests.gradebook.factories import user_of


def _cabinet_progress(stand, person, student):
    client = stand.app.test_client()
    with stand.app.test_request_context():
        from core.auth import open_session

        token = open_session(user_of(person), "test")
    with client.session_transaction() as sess:
        sess["_user_id"] = token
    api = client.get(f"/api/v1/students/{student.id}/progress")
    page = client.get(f"/progress/{student.id}")
    assert api.status_code == 200 and page.status_code == 200
    return api.get_json(), page.get_data(as_text=True)


def test_parent_is_answered_with_exactly_what_the_cabinet_shows(stand):
    w = stand.world
    client_id = stand.apply(stand.application(w.parent, w.a1))
    stats = stand.cycle()
    assert (stats.received, stats.processed, stats.sent, stats.error) == (1, 1, 2, "")

    answer = stand.final(client_id)
    assert isinstance(answer, p.ProgressAnswer)
    api, page = _cabinet_progress(stand, w.parent, w.a1)
    [period] = answer.periods
    assert period.starts_on.isoformat() == api["period"]["starts_on"]
    assert period.ends_on.isoformat() == api["period"]["ends_on"]
    assert api["period"]["name"] in period.name
    assert [s.name for s in period.subjects] == [s["subject"] for s in api["subjects"]]
    for mine, theirs in zip(period.subjects, api["subjects"], strict=True):
        assert [(m.date.isoformat(), m.value, m.work_type, m.weight) for m in mine.marks] == [
            (m["date"], m["value"], m["work_type"], Decimal(m["weight"])) for m in theirs["marks"]]
        assert mine.average == (Decimal(theirs["average"]) if theirs["average"] else None)
        assert mine.period_grade == theirs["period_grade"]
        assert mine.missed == theirs["absences"]
        assert mine.name in page
    assert period.attendance == api["attendance"]
    maths = next(s for s in period.subjects if s.name == "Математика")
    assert [m.value for m in maths.marks] == ["5", "4", "5"]  # the world's marks of a1
    assert maths.average is not None and str(maths.average) in page.replace(",", ".")
    assert answer.student.last_name == "Иванов" and answer.class_name == "5А"


def test_a_status_goes_before_the_answer_and_both_are_recorded(stand):
    w = stand.world
    client_id = stand.apply(stand.application(w.parent, w.a1))
    stand.cycle()
    first, second = stand.answers(client_id)
    assert first.status == ("1", "Заявление зарегистрировано в электронной школе и принято к рассмотрению")
    assert second.status is None and second.payload is not None
    assert second.reply_to_client_id == client_id
    with stand.app.app_context():
        row = PortalApplication.get()
        assert (row.outcome, row.refusal_code, row.number) == ("answered", "", f"RPGU-7000001-{w.a1.id}")
        assert row.answered_at is not None and row.answered_at <= row.deadline_at
        assert row.applicant_snils_masked.startswith("***")
        assert PortalOutbox.select().where(PortalOutbox.status == "sent").count() == 2
        assert PortalInbox.get().status == "processed"


def test_the_read_is_audited_with_the_applicant_as_actor(stand):
    w = stand.world
    stand.apply(stand.application(w.parent, w.a1))
    stand.cycle()
    with stand.app.app_context():
        read = AuditRecord.get((AuditRecord.action == "progress.read") & (AuditRecord.object_id == str(w.a1.id)))
        assert read.user_id == w.parent.user_id and read.role == "parent"
        assert '"page": "portal"' in read.details
        decided = AuditRecord.get(AuditRecord.action == "portal.application")
        assert decided.user_id == w.parent.user_id and decided.result == "ok"


def test_the_applicant_path_leaves_no_login_link_behind(stand):
    from core.models import LoginIdentity

    w = stand.world
    stand.apply(stand.application(w.parent, w.a1))
    stand.cycle()
    with stand.app.app_context():
        assert LoginIdentity.select().count() == 0


def test_dates_cover_every_period_they_overlap(stand):
    w = stand.world
    with stand.app.app_context():
        from core.api import service

        periods = service("gradebook").periods(service("registries").students([w.a1.id])[w.a1.id])
    first, second = periods[0], periods[1]
    app = stand.application(w.parent, w.a1, period_from=first.ends_on - dt.timedelta(days=3),
                            period_to=second.starts_on + dt.timedelta(days=3))
    client_id = stand.apply(app)
    stand.cycle()
    answer = stand.final(client_id)
    assert [x.starts_on for x in answer.periods] == [first.starts_on, second.starts_on]


@pytest.mark.covers_hook("health_checks")
def test_health_shows_queue_depth_and_last_exchange(stand):
    client = stand.app.test_client()
    before = client.get("/health").get_json()
    assert before["checks"]["portal"]["last_exchange_at"] is None
    stand.apply(stand.application(stand.world.parent, stand.world.a1))
    stand.emulator.make_trouble("SystemFault", 1)  # the first Get fails: nothing exchanged yet
    stand.cycle()
    failed = client.get("/health").get_json()["checks"]["portal"]
    assert failed["last_exchange_at"] is None
    assert failed["get_windows_open"] == 1  # the Get may have handed something out: Find will tell
    stand.cycle()
    after = client.get("/health").get_json()["checks"]["portal"]
    assert after["inbox_pending"] == 0 and after["outbox_pending"] == 0 and after["get_windows_open"] == 0
    assert after["last_send_at"] is not None and after["last_get_at"] is not None
