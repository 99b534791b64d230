"""The school admin's registers: create, edit, link, statuses; SNILS masking; audit old→new; access."""

import json

import pytest

from core.models import AuditRecord
from plugins.registries import models as m
from plugins.registries.snils import format_snils

pytestmark = pytest.mark.plugins("registries")


def audits(app, action):
    with app.app_context():
        return [json.loads(r.details) for r in AuditRecord.select().where(AuditRecord.action == action)
                .order_by(AuditRecord.id)]


def test_new_student_form_shows_russian_errors_next_to_fields_and_writes_nothing(app, world, client, login):
    login(client, world.admin)
    page = client.post("/registries/students/new", data={
        "last_name": "", "first_name": "Пётр", "birth_date": "31.02.2012", "gender": "x", "snils": "112-233-445 96"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="e-last_name">Обязательное поле.' in text
    assert 'id="e-birth_date">Дата должна быть в виде ДД.ММ.ГГГГ' in text
    assert 'id="e-gender">Пол: «М» или «Ж».' in text
    assert 'id="e-snils">Контрольное число СНИЛС не совпадает' in text
    with app.app_context():
        assert m.Student.select().count() == 0


def test_created_student_is_enrolled_with_history_and_audit(app, world, client, login):
    login(client, world.admin)
    snils = world.new_snils()
    page = client.post("/registries/students/new", data={
        "last_name": "Смирнова", "first_name": "Ольга", "birth_date": "03.04.2013", "gender": "f",
        "snils": format_snils(snils), "school_class": "5а", "status": "enrolled"})
    assert page.status_code == 302
    with app.app_context():
        student = m.Student.get(m.Student.last_name == "Смирнова")
        assert student.school_id == world.school.id and student.snils == snils
        assert student.school_class.name == "5А"
        assert [e.status for e in student.enrolment_history] == ["enrolled"]
    created = audits(app, "student.create")[0]
    assert created["old"] is None and created["new"]["snils"] == f"***-***-*** {snils[-2:]}"


def test_snils_is_masked_on_the_card_and_lists_but_shown_on_the_admins_edit_form(app, world, client, login):
    snils = world.new_snils()
    student = world.student(snils=snils)
    parent = world.parent(student)
    login(client, world.admin)
    for url in (f"/registries/students/{student.id}", "/registries/students", f"/registries/parents/{parent.id}",
                "/registries/parents"):
        text = client.get(url).get_data(as_text=True)
        assert snils not in text and format_snils(snils) not in text
        assert parent.snils not in text and format_snils(parent.snils) not in text
    assert format_snils(snils) in client.get(f"/registries/students/{student.id}/edit").get_data(as_text=True)
    assert format_snils(parent.snils) in client.get(f"/registries/parents/{parent.id}/edit").get_data(as_text=True)


def test_edit_is_audited_with_old_and_new_values(app, world, client, login):
    student = world.student()
    login(client, world.admin)
    client.post(f"/registries/students/{student.id}/edit", data={
        "last_name": "Иванов", "first_name": "Павел", "birth_date": "01.05.2012", "gender": "m"})
    change = audits(app, "student.update")[-1]
    assert change["old"] == {"first_name": "Пётр"} and change["new"] == {"first_name": "Павел"}


def test_status_change_keeps_the_student_and_records_the_event(app, world, client, login):
    student = world.student()
    login(client, world.admin)
    client.post(f"/registries/students/{student.id}/status",
                data={"status": "left", "date": "15.01.2026", "note": "приказ № 5"})
    with app.app_context():
        kept = m.Student.get_by_id(student.id)
        events = list(m.EnrolmentEvent.select().where(m.EnrolmentEvent.student == student.id))
    assert kept.status == "left"
    assert [(e.status, e.note) for e in events] == [("left", "приказ № 5")]
    assert audits(app, "student.status")[-1]["old"] == {"status": "enrolled"}


def test_both_parents_are_linked_independently_by_snils(app, world, client, login):
    child = world.student()
    mother = world.parent(last_name="Петрова")
    login(client, world.admin)
    assert client.post(f"/registries/students/{child.id}/links",
                       data={"parent_snils": format_snils(mother.snils), "relation": "mother"}).status_code == 302
    father_snils = world.new_snils()
    client.post("/registries/parents/new", data={
        "student": child.id, "last_name": "Петров", "first_name": "Иван", "snils": father_snils,
        "relation": "father"})
    with app.app_context():
        links = {(li.parent.snils, li.relation) for li in m.ParentLink.select().where(m.ParentLink.student == child.id)}
    assert links == {(mother.snils, "mother"), (father_snils, "father")}


def test_parent_snils_is_required_checked_and_unique(app, world, client, login):
    existing = world.parent()
    login(client, world.admin)
    missing = client.post("/registries/parents/new", data={"last_name": "А", "first_name": "Б"})
    assert 'id="e-snils">Обязательное поле.' in missing.get_data(as_text=True)
    duplicate = client.post("/registries/parents/new", data={
        "last_name": "Новая", "first_name": "Мать", "snils": format_snils(existing.snils)})
    assert "Родитель с этим СНИЛС уже есть в реестре" in duplicate.get_data(as_text=True)
    with app.app_context():
        assert m.Parent.select().count() == 1


def test_admin_of_another_school_cannot_open_or_change_the_child(app, world, client, login):
    student = world.student()
    login(client, world.other_admin)
    assert client.get(f"/registries/students/{student.id}").status_code == 403
    assert client.post(f"/registries/students/{student.id}/status",
                       data={"status": "left", "date": "01.01.2026"}).status_code == 403
    assert "Иванов Пётр" not in client.get("/registries/students?status=all").get_data(as_text=True)
    with app.app_context():
        assert m.Student.get_by_id(student.id).status == "enrolled"
        denied = AuditRecord.get(AuditRecord.result == "denied")
    assert denied.object_id == str(student.id)


def test_municipality_cannot_open_a_single_childs_card(app, world, client, login):
    student = world.student()
    login(client, world.municipal)
    assert client.get(f"/registries/students/{student.id}").status_code == 403
    assert client.get("/registries/readiness/students_consent").status_code == 403
    with app.test_request_context():
        from core.api import Actor, explain

        decision = explain(Actor(world.municipal, None, ""), "student.read", m.Student.get_by_id(student.id))
    assert decision.allowed is False and "aggregates only" in decision.reason


def test_deputy_and_family_roles_do_not_reach_the_registers(app, world, client, login):
    login(client, world.deputy)
    assert client.get("/registries/students").status_code == 403
    assert client.get("/registries/readiness").status_code == 200


def test_post_without_csrf_token_is_refused(app, world, client, login):
    student = world.student()
    login(client, world.admin)
    app.config["WTF_CSRF_ENABLED"] = True
    refused = client.post(f"/registries/students/{student.id}/status", data={"status": "left", "date": "01.01.2026"})
    assert refused.status_code == 400
    with app.app_context():
        assert m.Student.get_by_id(student.id).status == "enrolled"


def test_every_registries_view_is_marked(app):
    from core.auth import access_of

    endpoints = [rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("registries.")]
    assert endpoints and all(access_of(app, e) for e in endpoints)


def test_search_finds_by_name_start_and_by_full_snils(app, world, client, login):
    snils = world.new_snils()
    world.student(last_name="Кузнецова", first_name="Вера", snils=snils)
    world.student(last_name="Орлов", first_name="Дмитрий")
    login(client, world.admin)
    by_name = client.get("/registries/students?q=кузн").get_data(as_text=True)
    assert "Кузнецова" in by_name and "Орлов" not in by_name
    by_snils = client.get(f"/registries/students?q={format_snils(snils)}").get_data(as_text=True)
    assert "Кузнецова" in by_snils and "Орлов" not in by_snils
