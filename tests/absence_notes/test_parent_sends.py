"""A parent tells the school their child is or was absent; wrong input is explained and nothing is written."""

import datetime as dt
import io
from pathlib import Path

import pytest

from core.models import AuditRecord
from plugins.absence_notes.models import AbsenceNote
from tests.absence_notes.conftest import MONDAY, PLUGINS, form, png_bytes

pytestmark = pytest.mark.plugins(*PLUGINS)
TODAY = dt.date(2026, 11, 25)


def test_parent_sends_a_notice_with_a_photo_of_the_medical_note_and_sees_it_pending(app, world, as_):
    client = as_(world.other_parent)
    page = client.get("/absence-notes/new").get_data(as_text=True)
    assert "Сообщить об отсутствии" in page and "Петров Сергей" in page
    assert "Иванов Пётр" not in page and "Сидоров" not in page  # only the parent's own child
    data = form(world.a2, comment="Температура, справка из поликлиники")
    data["attachment"] = (io.BytesIO(png_bytes()), "справка.png")
    response = client.post("/absence-notes/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302 and response.headers["Location"].endswith("/absence-notes/")
    with app.app_context():
        note = AbsenceNote.get()
        assert (note.student_id, note.school_id, note.class_id) == (world.a2.id, world.school.id, world.class_5a.id)
        assert (note.starts_on, note.ends_on, note.reason, note.status) == (
            MONDAY, MONDAY + dt.timedelta(days=3), "illness", "pending")
        assert note.parent_user_id == world.other_parent.user_id
        assert note.comment == "Температура, справка из поликлиники"
        assert note.file_name == "справка.png" and note.file_type == "image/png"
        stored = Path(app.instance_path) / "absence_notes" / note.file_stored
        assert stored.read_bytes() == png_bytes() and "справка" not in note.file_stored
        assert AuditRecord.get(AuditRecord.action == "absence_note.create").object_id == str(note.id)
    listing = client.get("/absence-notes/").get_data(as_text=True)
    assert "на рассмотрении" in listing and "09.11.2026" in listing and "болезнь" in listing
    detail = client.get(f"/absence-notes/{note.id}").get_data(as_text=True)
    assert "справка.png" in detail and "Температура" in detail
    attachment = client.get(f"/absence-notes/{note.id}/file")
    assert attachment.status_code == 200 and attachment.data == png_bytes()
    assert attachment.mimetype == "image/png"


def test_a_notice_for_days_ahead_without_a_file_is_accepted(app, world, as_):
    ahead = TODAY + dt.timedelta(days=5)
    response = as_(world.parent).post("/absence-notes/new", data=form(world.a1, ahead, ahead, "family"))
    assert response.status_code == 302
    with app.app_context():
        note = AbsenceNote.get()
        assert (note.student_id, note.reason, note.file_stored) == (world.a1.id, "family", "")


BAD_FORMS = [
    ({"starts_on": ""}, "starts_on", "Заполните это поле."),
    ({"starts_on": "31.02.2026"}, "starts_on", "Введите дату"),
    ({"ends_on": "2026-11-08"}, "ends_on", "Дата окончания не может быть раньше даты начала."),
    ({"ends_on": "2026-11-23"}, "ends_on", "Не больше 14 дней подряд"),
    ({"starts_on": "2026-10-20", "ends_on": "2026-10-21"}, "starts_on", "не более чем за 30 дней назад"),
    ({"starts_on": "2027-03-01", "ends_on": "2027-03-02"}, "starts_on", "не более чем на 60 дней вперёд"),
    ({"reason": "holiday"}, "reason", "Выберите причину из списка."),
    ({"reason": ""}, "reason", "Выберите причину."),
    ({"comment": "я" * 501}, "comment", "Комментарий не длиннее 500 знаков."),
    ({"student_id": ""}, "student_id", "Выберите ребёнка."),
]


@pytest.mark.parametrize("change,field,message", BAD_FORMS, ids=[b[1] + "-" + b[2][:20] for b in BAD_FORMS])
def test_a_wrong_field_is_explained_in_russian_next_to_it_and_nothing_is_written(app, world, as_, change, field,
                                                                                 message):
    data = {**form(world.a2), **change}
    page = as_(world.other_parent).post("/absence-notes/new", data=data).get_data(as_text=True)
    assert f'id="{field}-error">' in page
    error = page.split(f'id="{field}-error">', 1)[1].split("</p>", 1)[0]
    assert message in error
    with app.app_context():
        assert AbsenceNote.select().count() == 0


@pytest.mark.parametrize("name,content,message", [
    ("note.gif", b"GIF89a....", "Приложите файл PNG, JPG или PDF."),
    ("note.exe", b"MZ....", "Приложите файл PNG, JPG или PDF."),
    ("note.png", b"%PDF-1.4 not a png", "Файл не похож на PNG"),
    ("big.pdf", b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024), "Файл больше 5 МБ."),
])
def test_a_wrong_or_too_big_file_is_refused_and_nothing_is_stored(app, world, as_, name, content, message):
    data = form(world.a2)
    data["attachment"] = (io.BytesIO(content), name)
    page = as_(world.other_parent).post("/absence-notes/new", data=data,
                                        content_type="multipart/form-data").get_data(as_text=True)
    assert message in page.split('id="attachment-error">', 1)[1].split("</p>", 1)[0]
    with app.app_context():
        assert AbsenceNote.select().count() == 0
    folder = Path(app.instance_path) / "absence_notes"
    assert not folder.exists() or not any(folder.iterdir())


def test_the_limits_come_from_the_region_config(make_app, login):
    from tests.gradebook.factories import build_world, user_of

    app = make_app(list(PLUGINS), sections={"absence_notes": {"max_days": 2, "max_days_back": 60}})
    world = build_world(app)
    client = app.test_client()
    with app.app_context():
        login(client, user_of(world.other_parent))
    long = client.post("/absence-notes/new", data=form(world.a2)).get_data(as_text=True)
    assert "Не больше 2 дней подряд" in long
    old = dt.date(2026, 10, 20)
    assert client.post("/absence-notes/new", data=form(world.a2, old, old)).status_code == 302


def test_a_parent_cannot_send_for_another_parents_child(app, world, as_):
    response = as_(world.parent).post("/absence-notes/new", data=form(world.a2))
    assert response.status_code == 403
    with app.app_context():
        assert AbsenceNote.select().count() == 0
        denied = AuditRecord.get(AuditRecord.action == "absence_note.create")
        assert (denied.result, denied.object_type, denied.object_id) == ("denied", "student", str(world.a2.id))


def test_a_parent_without_consent_cannot_send_and_sees_no_child(app, world, as_):
    client = as_(world.parent_no_consent)
    assert "Петров" not in client.get("/absence-notes/new").get_data(as_text=True)
    assert "Здесь пока нет ни одного ребёнка." in client.get("/absence-notes/new").get_data(as_text=True)
    assert client.post("/absence-notes/new", data=form(world.a3)).status_code == 403
    assert client.post("/absence-notes/new", data={**form(world.a3), "student_id": "999999"}).status_code == 403
    with app.app_context():
        assert AbsenceNote.select().count() == 0


def test_staff_and_students_have_no_form(world, as_):
    for person in (world.class_teacher, world.admin, world.a1):
        assert as_(person).get("/absence-notes/new").status_code == 403


def test_a_parent_withdraws_a_pending_notice_and_its_file_is_deleted(app, world, as_, sent):
    stored = Path(app.instance_path) / "absence_notes" / sent.file_stored
    assert stored.exists()
    client = as_(world.other_parent)
    assert "Отозвать сообщение" in client.get(f"/absence-notes/{sent.id}").get_data(as_text=True)
    response = client.post(f"/absence-notes/{sent.id}/withdraw", follow_redirects=True)
    assert "Сообщение отозвано." in response.get_data(as_text=True)
    assert "отозвано" in client.get("/absence-notes/").get_data(as_text=True)
    with app.app_context():
        assert AbsenceNote.get_by_id(sent.id).status == "withdrawn"
    assert not stored.exists()
    assert client.get(f"/absence-notes/{sent.id}/file").status_code == 404
    again = client.post(f"/absence-notes/{sent.id}/withdraw", follow_redirects=True).get_data(as_text=True)
    assert "уже есть решение («отозвано»)" in again
    # the class teacher can no longer accept it
    teacher = as_(world.class_teacher)
    teacher.post(f"/absence-notes/{sent.id}/accept")
    with app.app_context():
        assert AbsenceNote.get_by_id(sent.id).status == "withdrawn"


def test_only_the_sender_withdraws(app, world, as_, sent):
    assert as_(world.parent).post(f"/absence-notes/{sent.id}/withdraw").status_code == 403
    assert as_(world.class_teacher).post(f"/absence-notes/{sent.id}/withdraw").status_code == 403
    with app.app_context():
        assert AbsenceNote.get_by_id(sent.id).status == "pending"
