"""Who sees and decides a notice: the sender, the class teacher, the school's deputy and admin — nobody else."""

import pytest

from core.models import AuditRecord
from plugins.absence_notes.models import AbsenceNote
from tests.absence_notes.conftest import PLUGINS, form
from tests.gradebook.factories import make_staff
from tests.support import registry_tables

pytestmark = pytest.mark.plugins(*PLUGINS)

# person → (list, detail, file, reject, accept). A list of 200 shows the notice only where the detail is 200.
# Reject comes first: for the class teacher it succeeds (302), and the accept after it is refused (302, no change).
EXPECTED = {
    "other_parent": (200, 200, 200, 403, 403),  # the sender
    "class_teacher": (200, 200, 200, 302, 302),
    "deputy": (200, 200, 200, 403, 403),
    "admin": (200, 200, 200, 403, 403),
    "class_teacher_5b": (200, 403, 403, 403, 403),
    "teacher": (403, 403, 403, 403, 403),  # teaches 5А maths, leads no class
    "admin_b": (200, 403, 403, 403, 403),
    "municipal": (403, 403, 403, 403, 403),
    "parent": (200, 403, 403, 403, 403),  # a parent of another child of 5А
    "a1": (403, 403, 403, 403, 403),  # a student
}


@pytest.fixture
def class_teacher_5b(app, world):
    with app.app_context():
        staff = make_staff("teacher", school=world.school, last_name="Бэклассова")
        world.class_5b.class_teacher = staff
        world.class_5b.save()
    world.things["class_teacher_5b"] = staff
    return staff


@pytest.mark.parametrize("who", list(EXPECTED))
def test_each_role_sees_and_decides_exactly_what_it_should(app, world, as_, sent, class_teacher_5b, who):
    client = as_(getattr(world, who))
    base = f"/absence-notes/{sent.id}"
    got = (
        client.get("/absence-notes/").status_code,
        client.get(base).status_code,
        client.get(f"{base}/file").status_code,
        client.post(f"{base}/reject", data={"decision_note": "x"}).status_code,
        client.post(f"{base}/accept").status_code,
    )
    expected = EXPECTED[who]
    assert got == expected
    listing = client.get("/absence-notes/").get_data(as_text=True)
    shown = f'href="/absence-notes/{sent.id}"' in listing
    assert shown == (expected[1] == 200)
    with app.app_context():
        status = AbsenceNote.get_by_id(sent.id).status
        assert status == ("rejected" if who == "class_teacher" else "pending")


def test_anonymous_visitors_are_sent_to_the_login(world, app, sent):
    client = app.test_client()
    for url in ("/absence-notes/", "/absence-notes/new", f"/absence-notes/{sent.id}", f"/absence-notes/{sent.id}/file"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_every_read_and_decision_is_audited(app, world, as_, sent):
    teacher = as_(world.class_teacher)
    teacher.get("/absence-notes/")
    teacher.get(f"/absence-notes/{sent.id}")
    teacher.get(f"/absence-notes/{sent.id}/file")
    teacher.post(f"/absence-notes/{sent.id}/accept")
    as_(world.municipal).get(f"/absence-notes/{sent.id}")
    as_(world.admin_b).get(f"/absence-notes/{sent.id}/file")
    with app.app_context():
        rows = [(r.action, r.result, r.user_id, r.object_id) for r in AuditRecord.select().where(
            AuditRecord.action.startswith("absence_note.")).order_by(AuditRecord.id)]
        teacher_id = world.class_teacher.user_id
        note = str(sent.id)
        assert ("absence_note.create", "ok", world.other_parent.user_id, note) in rows
        assert ("absence_note.list", "ok", teacher_id, "") in rows
        assert ("absence_note.read", "ok", teacher_id, note) in rows
        assert ("absence_note.file", "ok", teacher_id, note) in rows
        assert ("absence_note.accept", "ok", teacher_id, note) in rows
        assert ("absence_note.read", "denied", world.municipal.user_id, note) in rows
        assert ("absence_note.read", "denied", world.admin_b.user_id, note) in rows
        listed = AuditRecord.get((AuditRecord.action == "absence_note.list") & (AuditRecord.user_id == teacher_id))
        assert str(sent.id) in listed.details


def test_a_parent_whose_consent_was_revoked_no_longer_sees_the_notice(app, world, as_, sent):
    from core.api import utcnow

    with app.app_context():
        Consent = registry_tables().Consent
        Consent.update(revoked_at=utcnow()).where(Consent.subject_student == world.a2.id).execute()
    client = as_(world.other_parent)
    assert f'/absence-notes/{sent.id}"' not in client.get("/absence-notes/").get_data(as_text=True)
    assert client.get(f"/absence-notes/{sent.id}").status_code == 403
    assert client.post("/absence-notes/new", data=form(world.a2)).status_code == 403


def test_navigation_offers_the_pages_to_whom_they_serve(world, as_, class_teacher_5b):
    assert "Сообщить об отсутствии" in as_(world.parent).get("/absence-notes/").get_data(as_text=True)
    for person in (world.class_teacher, world.deputy, world.admin):
        assert ">Объяснительные</a>" in as_(person).get("/absence-notes/").get_data(as_text=True)
    page = as_(world.teacher).get("/absence-notes/")
    assert page.status_code == 403
    assert "Объяснительные" not in as_(world.municipal).get("/").get_data(as_text=True)


def test_a_post_without_the_csrf_token_is_refused(app, world, as_, sent):
    app.config["WTF_CSRF_ENABLED"] = True
    assert as_(world.other_parent).post("/absence-notes/new", data=form(world.a2)).status_code == 400
    assert as_(world.class_teacher).post(f"/absence-notes/{sent.id}/accept").status_code == 400
    with app.app_context():
        assert AbsenceNote.select().count() == 1
        assert AbsenceNote.get_by_id(sent.id).status == "pending"


def test_without_the_plugin_its_pages_do_not_exist(make_app, make_user, login):
    app = make_app(["registries", "gradebook"])
    client = app.test_client()
    login(client, make_user("parent", app=app))
    assert client.get("/absence-notes/").status_code == 404
    assert client.get("/absence-notes/new").status_code == 404
    assert client.post("/absence-notes/1/accept").status_code == 404
    assert "Сообщить об отсутствии" not in client.get("/").get_data(as_text=True)


def test_the_plugin_needs_the_gradebook(make_app):
    from core.plugins import PluginError

    with pytest.raises(PluginError, match="gradebook"):
        make_app(["registries", "absence_notes"])


def test_every_route_of_the_plugin_is_guarded(app):
    from core.auth import access_of

    endpoints = [r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("absence_notes.")]
    assert len(endpoints) >= 7
    assert {e: access_of(app, e) for e in endpoints if access_of(app, e) not in ("login", "roles")} == {
        "absence_notes.static": "public"}


def test_a_teacher_account_without_a_staff_record_leads_no_class(app, world, sent, make_user, login):
    with app.app_context():
        world.class_5a.class_teacher = None  # a class without a class teacher must not fall to such an account
        world.class_5a.save()
    client = app.test_client()
    login(client, make_user("teacher", app=app))
    assert client.get("/absence-notes/").status_code == 403
    assert client.get(f"/absence-notes/{sent.id}").status_code == 403
    assert client.post(f"/absence-notes/{sent.id}/accept").status_code == 403
