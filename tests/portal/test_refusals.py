"""Each ground for refusal of the regulation, answered with its code, the Adapter's RejectCode and a Russian text;
a student's own application under both example regions' age rules."""

import datetime as dt

import pytest

from core.api import User
from core.models import AuditRecord
from plugins.portal import payload as p
from plugins.portal.decision import REFUSALS
from plugins.portal.models import PortalApplication
from tests.gradebook.factories import make_student
from tests.portal.conftest import region_age_policy
from tests.support import registry_tables


def refused(stand, application):
    client_id = stand.apply(application)
    stand.cycle()
    answer = stand.final(client_id)
    assert isinstance(answer, p.RefusalAnswer), answer
    assert (answer.reject_code, answer.reason) == (REFUSALS[answer.code][0], str(REFUSALS[answer.code][1]))
    assert "Отказ" in answer.reason or "не удалось" in answer.reason
    return answer.code


def test_applicant_not_in_the_registry(stand):
    w = stand.world
    app = stand.application(w.parent, w.a1, snils="99988877766")
    assert refused(stand, app) == "APPLICANT_NOT_FOUND"
    with stand.app.app_context():
        row = AuditRecord.get(AuditRecord.action == "portal.application")
        assert row.result == "refused" and row.user_id is None and "99988877766" not in row.details


def test_not_a_representative_of_that_child(stand):
    w = stand.world
    assert refused(stand, stand.application(w.other_parent, w.a1)) == "NOT_REPRESENTATIVE"


def test_no_consent(stand):
    w = stand.world
    assert refused(stand, stand.application(w.parent_no_consent, w.a3)) == "NO_CONSENT"


def test_child_not_found(stand):
    w = stand.world
    app = stand.application(w.parent, w.a1)
    app.child = p.Person("Несуществующий", "Ребёнок")
    assert refused(stand, app) == "CHILD_NOT_FOUND"


def test_child_ambiguous_unless_school_and_class_tell(stand):
    w = stand.world
    with stand.app.app_context():
        twin = make_student(w.school_b, w.class_b, "Иванов", "Пётр")  # same name and birth date as a1
        assert twin.birth_date == w.a1.birth_date
    assert refused(stand, stand.application(w.parent, w.a1)) == "CHILD_AMBIGUOUS"
    told = stand.application(w.parent, w.a1, number="RPGU-2", child_school="Школа № 1", child_class="5А")
    client_id = stand.apply(told)
    stand.cycle()
    assert isinstance(stand.final(client_id), p.ProgressAnswer)


def test_incomplete_application_without_the_child(stand):
    w = stand.world
    app = stand.application(w.parent, None)
    assert refused(stand, app) == "INCOMPLETE_APPLICATION"


def test_a_payload_that_fails_the_schema_is_rejected_as_unknown_request(stand):
    """A malformed portal payload: the Adapter's rejects branch, as no answer payload can refer to it."""
    from lxml import etree

    from plugins.portal import soap

    bad = etree.Element(f"{{{stand.emulator.spec.namespace}}}ProgressInfoRequest")
    etree.SubElement(bad, f"{{{stand.emulator.spec.namespace}}}ApplicationNumber").text = "X-1"
    message = soap.request_message("RPGU", soap.new_client_id(), bad)
    stored = stand.emulator._store_request(message, "RPGU")  # as if a portal skipped its own validation
    stand.cycle()
    [rejects] = [a.rejects for a in stand.answers(stored.client_id) if a.rejects]
    assert rejects == [("UNKNOWN_REQUEST_DESCRIPTION", str(REFUSALS["INCOMPLETE_APPLICATION"][1]))]
    with stand.app.app_context():
        assert PortalApplication.get().refusal_code == "INCOMPLETE_APPLICATION"


def test_no_data_for_the_period(stand):
    w = stand.world
    app = stand.application(w.parent, w.a1, period_from=dt.date(2019, 1, 1), period_to=dt.date(2019, 2, 1))
    assert refused(stand, app) == "NO_DATA_FOR_PERIOD"


def test_the_operator_page_lists_refusals_with_filters_and_the_deadline_count(stand, login):
    w = stand.world
    stand.apply(stand.application(w.parent, w.a1))
    stand.apply(stand.application(w.other_parent, w.a1, oid="7000002"))
    stand.cycle()
    with stand.app.app_context():
        operator = User.create(display_name="Оператор", role="operator")
        parent = User.get_by_id(w.parent.user_id)
    client = stand.app.test_client()
    login(client, operator)
    page = client.get("/portal/applications").get_data(as_text=True)
    assert 'id="total">2<' in page and 'id="in-time">2<' in page
    only = client.get("/portal/applications?code=NOT_REPRESENTATIVE").get_data(as_text=True)
    assert 'id="total">1<' in only and "NOT_REPRESENTATIVE" in only and "Иванова" not in only
    other = stand.app.test_client()
    login(other, parent)
    assert other.get("/portal/applications").status_code == 403


def _teen(stand, born):
    with stand.app.app_context():
        user = User.create(display_name="Подросток", role="student")
        teen = make_student(stand.world.school, stand.world.class_5a, "Старшеклассников", "Глеб", birth_date=born)
        reg = registry_tables()
        reg.Student.update(user=user.id, snils="10120230344").where(reg.Student.id == teen.id).execute()
        reg.Consent.create(subject_student=teen, purpose="progress", text_version="2025-09",
                           given_on=dt.date(2025, 9, 1), channel="paper")
        return reg.Student.get_by_id(teen.id)


@pytest.mark.parametrize("region", ["example-gosuslugi-only", "example-school-logins"])
def test_a_student_of_14_applies_for_themself_in_both_example_regions(make_stand, region):
    stand = make_stand(age_policy=region_age_policy(region))
    teen = _teen(stand, dt.date(2012, 3, 1))  # 14 on the suite's school day (25.11.2026)
    client_id = stand.apply(stand.application(teen, None, role="student", oid="7000100"))
    stand.cycle()
    answer = stand.final(client_id)
    assert isinstance(answer, p.ProgressAnswer)
    assert answer.student.last_name == "Старшеклассников"


@pytest.mark.parametrize("region", ["example-gosuslugi-only", "example-school-logins"])
def test_a_student_under_14_is_refused_in_both_example_regions(make_stand, region):
    stand = make_stand(age_policy=region_age_policy(region))
    young = _teen(stand, dt.date(2012, 11, 26))  # turns 14 tomorrow
    assert refused(stand, stand.application(young, None, role="student", oid="7000101")) == "STUDENT_TOO_YOUNG"


def test_a_request_that_keeps_failing_is_answered_with_the_failure_refusal(make_stand, monkeypatch, caplog):
    from plugins.portal import decision
    from plugins.portal.models import PortalInbox

    stand = make_stand(portal={"max_attempts": 2})
    w = stand.world

    def broken(application, today):
        raise RuntimeError("the registry is being rebuilt")

    monkeypatch.setattr(decision, "decide", broken)
    client_id = stand.apply(stand.application(w.parent, w.a1))
    stand.cycle()
    assert stand.answers(client_id) == []
    with stand.app.app_context():
        row = PortalInbox.get()
        assert (row.status, row.attempts) == ("received", 1) and "being rebuilt" in row.last_error
    assert "processing inbox" in caplog.text
    stand.cycle()
    answer = stand.final(client_id)
    assert (answer.code, answer.reject_code) == ("FAILURE", "FAILURE")
    with stand.app.app_context():
        assert PortalInbox.get().status == "failed"
        assert PortalApplication.get().refusal_code == "FAILURE"
