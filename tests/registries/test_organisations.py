"""Organisations and staff accounts on the web: the operator, the municipality and the school admin."""

import json

import pytest

from core.models import AuditRecord, User
from plugins.registries import models as m
from plugins.registries.importer import academic_year

pytestmark = pytest.mark.plugins("registries")

SCHOOL = {"code": "0103", "name": "МБОУ СОШ № 3", "short_name": "Школа № 3", "address": "ул. Мира, 1",
          "phone": "+7 815 000-00-00", "email": "school3@example.ru", "website": "https://school3.example.ru",
          "service_contact": "Петрова А. А., каб. 12"}


def audits(app, action):
    with app.app_context():
        return [json.loads(r.details) for r in AuditRecord.select().where(
            (AuditRecord.action == action) & (AuditRecord.result == "ok")).order_by(AuditRecord.id)]


@pytest.fixture
def operator(world):
    return world.staff("operator")


def test_operator_creates_a_municipality_and_a_school_in_it(app, world, client, login, operator):
    login(client, operator)
    assert client.post("/registries/municipalities/new",
                       data={"code": "02", "name": "Печенгский округ"}).status_code == 302
    with app.app_context():
        municipality = m.Municipality.get(m.Municipality.code == "02")
    created = client.post("/registries/schools/new", data={**SCHOOL, "municipality": municipality.id})
    assert created.status_code == 302
    with app.app_context():
        school = m.School.get(m.School.code == "0103")
    assert created.headers["Location"].endswith(f"/registries/schools/{school.id}")
    assert (school.municipality_id, school.short_name, school.email) == (municipality.id, "Школа № 3",
                                                                         "school3@example.ru")
    listed = client.get(f"/registries/schools?municipality={municipality.id}").get_data(as_text=True)
    assert "Школа № 3" in listed and "Школа № 1" not in listed
    assert audits(app, "municipality.create")[-1] == {"old": None, "new": {"code": "02", "name": "Печенгский округ"}}
    assert audits(app, "school.create")[-1]["new"]["website"] == "https://school3.example.ru"


def test_bad_organisation_input_gives_russian_field_errors_and_writes_nothing(app, world, client, login, operator):
    login(client, operator)
    duplicate = client.post("/registries/municipalities/new", data={"code": "01", "name": "Ещё один"})
    assert 'id="e-code">Муниципалитет с этим кодом уже есть.' in duplicate.get_data(as_text=True)
    empty = client.post("/registries/municipalities/new", data={"code": "09", "name": "  "})
    assert 'id="e-name">Обязательное поле.' in empty.get_data(as_text=True)
    bad = client.post("/registries/schools/new", data={**SCHOOL, "code": "0101", "name": "", "email": "школа@",
                                                      "website": "school", "municipality": world.municipality.id})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 200
    assert 'id="e-name">Обязательное поле.' in text
    assert 'id="e-email">Адрес электронной почты указан неверно.' in text
    assert 'id="e-website">Адрес сайта пишется полностью' in text
    taken = client.post("/registries/schools/new",
                        data={**SCHOOL, "code": "0101", "municipality": world.municipality.id})
    assert 'id="e-code">Школа с этим кодом уже есть.' in taken.get_data(as_text=True)
    with app.app_context():
        assert m.Municipality.select().count() == 1
        assert m.School.select().count() == 2
    assert audits(app, "municipality.create") == [] and audits(app, "school.create") == []


def test_operator_edits_a_school_and_the_change_is_audited_old_to_new(app, world, client, login, operator):
    login(client, operator)
    page = client.get(f"/registries/schools/{world.school.id}/edit").get_data(as_text=True)
    assert 'value="Школа № 1"' in page
    client.post(f"/registries/schools/{world.school.id}/edit", data={
        "code": "0101", "name": "Школа № 1", "short_name": "Школа № 1", "phone": "8-800",
        "municipality": world.municipality.id})
    assert audits(app, "school.update")[-1] == {"old": {"phone": ""}, "new": {"phone": "8-800"}}
    client.post(f"/registries/municipalities/{world.municipality.id}/edit",
                data={"code": "01", "name": "Североморский округ"})
    assert audits(app, "municipality.update")[-1] == {"old": {"name": "Североморский район"},
                                                      "new": {"name": "Североморский округ"}}


def test_operator_creates_municipal_and_school_admin_accounts(app, world, client, login, operator):
    login(client, operator)
    made = client.post(f"/registries/municipalities/{world.municipality.id}/staff/new",
                       data={"last_name": "Орлов", "first_name": "Игорь", "position": "специалист"},
                       follow_redirects=True)
    assert "Учётная запись №" in made.get_data(as_text=True)
    client.post(f"/registries/schools/{world.school.id}/admins/new",
                data={"last_name": "Петрова", "first_name": "Анна", "middle_name": "Ивановна"})
    with app.app_context():
        orlov = m.Staff.get(m.Staff.last_name == "Орлов")
        petrova = m.Staff.get(m.Staff.last_name == "Петрова")
        assert (orlov.user.role, orlov.municipality_id, orlov.school_id) == ("municipality", world.municipality.id,
                                                                             None)
        assert (petrova.user.role, petrova.school_id) == ("school_admin", world.school.id)
        assert petrova.user.display_name == "Петрова Анна Ивановна"
    assert "Петрова Анна Ивановна" in client.get(f"/registries/schools/{world.school.id}").get_data(as_text=True)
    assert audits(app, "staff.create")[-1]["new"]["role"] == "school_admin"


def test_municipality_sees_only_its_schools_and_creates_admins_only_there(app, world, client, login):
    with app.app_context():
        far = m.Municipality.create(code="02", name="Дальний район")
        far_school = m.School.create(municipality=far, code="0201", name="Дальняя школа", short_name="Дальняя школа")
    login(client, world.municipal)
    listed = client.get("/registries/schools").get_data(as_text=True)
    assert "Школа № 1" in listed and "Школа № 2" in listed and "Дальняя школа" not in listed
    assert client.get(f"/registries/schools/{far_school.id}").status_code == 403
    assert client.post(f"/registries/schools/{far_school.id}/admins/new",
                       data={"last_name": "Чужой", "first_name": "Админ"}).status_code == 403
    assert client.post(f"/registries/schools/{world.school.id}/admins/new",
                       data={"last_name": "Свой", "first_name": "Админ"}).status_code == 302
    assert client.post("/registries/schools/new", data={**SCHOOL, "municipality": world.municipality.id}
                       ).status_code == 403
    assert client.get("/registries/municipalities").status_code == 403
    with app.app_context():
        assert m.Staff.get(m.Staff.last_name == "Свой").user.role == "school_admin"
        assert m.Staff.select().where(m.Staff.last_name == "Чужой").count() == 0
        assert AuditRecord.select().where((AuditRecord.action == "staff.create.school_admin")
                                          & (AuditRecord.result == "denied")).count() == 1


def test_school_admin_creates_a_teacher_in_their_school_only(app, world, client, login):
    login(client, world.admin)
    page = client.post("/registries/staff/new", data={
        "role": "teacher", "last_name": "Смирнова", "first_name": "Ольга", "position": "учитель математики"})
    assert page.status_code == 302
    with app.app_context():
        teacher = m.Staff.get(m.Staff.last_name == "Смирнова")
        assert (teacher.user.role, teacher.school_id) == ("teacher", world.school.id)
    assert "Смирнова Ольга" in client.get("/registries/staff").get_data(as_text=True)
    # another school: neither its admin page nor a school admin account
    assert client.post(f"/registries/schools/{world.other_school.id}/admins/new",
                       data={"last_name": "Х", "first_name": "У"}).status_code == 403
    assert client.post("/registries/staff/new", data={
        "role": "school_admin", "last_name": "Новый", "first_name": "Админ"}).status_code == 200
    with app.app_context():
        assert m.Staff.select().where(m.Staff.last_name.in_(["Х", "Новый"])).count() == 0
    login(client, world.other_admin)
    assert "Смирнова" not in client.get("/registries/staff").get_data(as_text=True)
    assert client.post(f"/registries/staff/{teacher.id}/edit",
                       data={"last_name": "Иная", "first_name": "Ольга"}).status_code == 403
    assert client.post(f"/registries/staff/{teacher.id}/block").status_code == 403


def test_school_admin_edits_a_teacher_with_audit_and_cannot_edit_another_admin(app, world, client, login):
    teacher = world.staff("teacher", school=world.school)
    login(client, world.admin)
    with app.app_context():
        staff = m.Staff.get(m.Staff.user == teacher.id)
        admin_staff = m.Staff.get(m.Staff.user == world.admin.id)
    client.post(f"/registries/staff/{staff.id}/edit",
                data={"last_name": "Сотрудник", "first_name": "Мария", "position": "учитель физики"})
    change = audits(app, "staff.update")[-1]
    assert change == {"old": {"first_name": "teacher", "position": ""},
                      "new": {"first_name": "Мария", "position": "учитель физики"}}
    with app.app_context():
        assert User.get_by_id(teacher.id).display_name == "Сотрудник Мария"
    assert audits(app, "user.update")[-1]["new"] == {"display_name": "Сотрудник Мария"}
    assert client.post(f"/registries/staff/{admin_staff.id}/edit",
                       data={"last_name": "А", "first_name": "Б"}).status_code == 403


def test_blocking_a_staff_account_ends_its_live_session_at_once(app, world, login):
    teacher = world.staff("teacher", school=world.school)
    with app.app_context():
        staff = m.Staff.get(m.Staff.user == teacher.id)
    session = app.test_client()
    login(session, teacher)
    assert session.get("/").status_code == 200
    assert session.get("/registries/readiness").status_code == 403  # logged in, but not a reader
    admin = app.test_client()
    login(admin, world.admin)
    assert admin.post(f"/registries/staff/{staff.id}/block", data={"reason": "уволен"}).status_code == 302
    refused = session.get("/registries/readiness")
    assert refused.status_code == 302 and "/login" in refused.headers["Location"]
    assert audits(app, "user.update")[-1] == {"old": {"is_blocked": False}, "new": {"is_blocked": True}}
    admin.post(f"/registries/staff/{staff.id}/unblock")
    with app.app_context():
        assert not User.get_by_id(teacher.id).is_blocked


def _staff_of(app, user):
    with app.app_context():
        return m.Staff.get(m.Staff.user == user.id)


def test_municipality_edits_and_blocks_the_school_admins_of_its_schools_only(app, world, login):
    with app.app_context():
        far = m.Municipality.create(code="02", name="Дальний район")
        far_school = m.School.create(municipality=far, code="0201", name="Дальняя школа", short_name="Дальняя")
    far_admin = _staff_of(app, world.staff("school_admin", school=far_school))
    own_admin = _staff_of(app, world.admin)
    teacher = _staff_of(app, world.staff("teacher", school=world.school))
    admin_session = app.test_client()
    login(admin_session, world.admin)
    assert admin_session.get("/").status_code == 200
    district = app.test_client()
    login(district, world.municipal)
    page = district.get(f"/registries/schools/{world.school.id}").get_data(as_text=True)
    assert f"/registries/staff/{own_admin.id}/edit" in page and f"/registries/staff/{own_admin.id}/block" in page
    edited = district.post(f"/registries/staff/{own_admin.id}/edit",
                           data={"last_name": "Админова", "first_name": "Елена", "position": "директор"})
    assert edited.status_code == 302 and edited.headers["Location"].endswith(f"/registries/schools/{world.school.id}")
    assert audits(app, "staff.update")[-1]["new"] == {"last_name": "Админова", "first_name": "Елена",
                                                      "position": "директор"}
    assert district.post(f"/registries/staff/{own_admin.id}/block", data={"reason": "увольнение"}).status_code == 302
    refused = admin_session.get("/registries/staff")
    assert refused.status_code == 302 and "/login" in refused.headers["Location"]  # the live session ended
    assert "заблокирована" in district.get(f"/registries/schools/{world.school.id}").get_data(as_text=True)
    assert district.post(f"/registries/staff/{own_admin.id}/unblock").status_code == 302
    with app.app_context():
        assert not User.get_by_id(world.admin.id).is_blocked
    # one level down only, and only in its own municipality
    for target in (far_admin, teacher, _staff_of(app, world.municipal)):
        assert district.post(f"/registries/staff/{target.id}/block").status_code == 403
        assert district.get(f"/registries/staff/{target.id}/edit").status_code == 403
    with app.app_context():
        assert not User.get_by_id(far_admin.user_id).is_blocked and not User.get_by_id(teacher.user_id).is_blocked


def test_operator_keeps_school_admins_and_municipality_specialists_but_not_teachers(app, world, login, operator):
    specialist = _staff_of(app, world.municipal)
    teacher = _staff_of(app, world.staff("teacher", school=world.school))
    client = app.test_client()
    login(client, operator)
    page = client.get("/registries/municipalities").get_data(as_text=True)
    assert f"/registries/staff/{specialist.id}/block" in page
    blocked = client.post(f"/registries/staff/{specialist.id}/block", data={"reason": "перевод"})
    assert blocked.status_code == 302 and blocked.headers["Location"].endswith("/registries/municipalities")
    with app.app_context():
        assert User.get_by_id(world.municipal.id).is_blocked
    assert client.post(f"/registries/staff/{_staff_of(app, world.other_admin).id}/edit",
                       data={"last_name": "Другая", "first_name": "Анна"}).status_code == 302
    assert client.post(f"/registries/staff/{teacher.id}/block").status_code == 403
    assert client.post(f"/registries/staff/{_staff_of(app, operator).id}/block").status_code == 403


def test_class_is_created_with_a_class_teacher_and_the_teacher_changed(app, world, client, login):
    first = world.staff("teacher", school=world.school)
    second = world.staff("teacher", school=world.school)
    foreign = world.staff("teacher", school=world.other_school)
    with app.app_context():
        first_id, second_id, foreign_id = (m.Staff.get(m.Staff.user == u.id).id for u in (first, second, foreign))
    login(client, world.admin)
    assert client.post("/registries/classes", data={"name": "5а", "class_teacher": first_id}).status_code == 302
    with app.app_context():
        school_class = m.SchoolClass.get((m.SchoolClass.school == world.school.id) & (m.SchoolClass.grade == 5))
        year = academic_year()  # the region's school year
    assert (school_class.name, school_class.year, school_class.class_teacher_id) == ("5А", year, first_id)
    assert audits(app, "class.create")[-1]["new"] == {"name": "5А", "year": year, "class_teacher": first_id}

    client.post(f"/registries/classes/{school_class.id}/teacher", data={"class_teacher": second_id})
    assert audits(app, "class.update")[-1] == {"old": {"class_teacher": first_id},
                                               "new": {"class_teacher": second_id}}
    refused = client.post(f"/registries/classes/{school_class.id}/teacher", data={"class_teacher": foreign_id},
                          follow_redirects=True)
    assert "из учителей школы" in refused.get_data(as_text=True)
    again = client.post("/registries/classes", data={"name": "5А"})
    assert 'id="e-name">Такой класс в этом учебном году уже есть.' in again.get_data(as_text=True)
    with app.app_context():
        assert m.SchoolClass.get_by_id(school_class.id).class_teacher_id == second_id
    login(client, world.other_admin)
    assert client.post(f"/registries/classes/{school_class.id}/teacher",
                       data={"class_teacher": ""}).status_code == 403


def test_a_post_without_csrf_token_is_refused(app, world, client, login, operator):
    app.config["WTF_CSRF_ENABLED"] = True
    login(client, operator)
    refused = client.post("/registries/municipalities/new", data={"code": "05", "name": "Без токена"})
    assert refused.status_code == 400
    with app.app_context():
        assert m.Municipality.select().where(m.Municipality.code == "05").count() == 0


@pytest.mark.parametrize("url", ["/registries/municipalities", "/registries/schools", "/registries/staff",
                                 "/registries/schools/new", "/registries/staff/new"])
def test_anonymous_visitor_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_menus_name_the_new_pages_in_russian(world, client, login, operator):
    login(client, operator)
    home = client.get("/").get_data(as_text=True)
    assert "Муниципалитеты" in home and "Школы" in home
    login(client, world.municipal)
    assert "Школы" in client.get("/").get_data(as_text=True)
    login(client, world.admin)
    assert "Сотрудники" in client.get("/").get_data(as_text=True)


def test_every_new_page_opens_for_its_role(app, world, client, login, operator):
    teacher = world.staff("teacher", school=world.school)
    with app.app_context():
        staff_id = m.Staff.get(m.Staff.user == teacher.id).id
    login(client, operator)
    for url in ("/registries/municipalities", "/registries/municipalities/new",
                f"/registries/municipalities/{world.municipality.id}/edit",
                f"/registries/municipalities/{world.municipality.id}/staff/new", "/registries/schools",
                "/registries/schools/new", f"/registries/schools/{world.school.id}",
                f"/registries/schools/{world.school.id}/edit", f"/registries/schools/{world.school.id}/admins/new"):
        assert client.get(url).status_code == 200, url
    login(client, world.admin)
    for url in ("/registries/staff", "/registries/staff/new", f"/registries/staff/{staff_id}/edit",
                "/registries/classes"):
        page = client.get(url)
        assert page.status_code == 200, url
        assert 'style="' not in page.get_data(as_text=True)
    assert "Сотрудник teacher" in client.get("/registries/classes").get_data(as_text=True)
