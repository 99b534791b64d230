"""The access log a person can read: Russian labels and names, scoped readers, filters, the family's view."""

import ast
import re
from pathlib import Path

import pytest
from lxml import html

from core import create_app
from core.api import AuditVocabulary, hookimpl
from core.models import AuditRecord
from tests.gradebook.factories import build_world, user_of
from tests.support import finish_job

ROOT = Path(__file__).resolve().parents[2]
BUILTINS = ["registries", "auth_local", "auth_esia", "age_policy", "gradebook", "infographic", "absence_notes"]
AUDIT_CALLS = {"audit", "record", "audit_many"}
POLICY_CALLS = {"require", "can", "get_or_deny", "explain", "scope"}
ENGLISH_KEY = re.compile(r"\b[a-z]+(?:[._][a-z]+)+\b|\b(?:ok|denied|not_found|refused|failed)\b")


@pytest.fixture
def world(app):
    return build_world(app)


@pytest.fixture
def as_(app, login):
    def do(person):
        client = app.test_client()
        with app.app_context():
            login(client, user_of(person))
        return client

    return do


def written_keys():
    """Every action and object type the code writes to the log or asks the policy about, as literals."""
    actions, objects = set(), set()
    for path in list((ROOT / "core").rglob("*.py")) + list((ROOT / "plugins").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            literals = [a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None
                        for a in node.args]
            if name in AUDIT_CALLS and literals and literals[0]:
                actions.add(literals[0])
                if len(literals) > 1 and literals[1]:
                    objects.add(literals[1])
            elif name in POLICY_CALLS and len(literals) > 1 and literals[1] and re.fullmatch(r"[a-z_]+\.[a-z_.]+",
                                                                                        literals[1]):
                actions.add(literals[1])
                if name == "get_or_deny" and len(node.args) > 2 and isinstance(node.args[2], ast.Attribute | ast.Name):
                    model = getattr(node.args[2], "attr", None) or node.args[2].id
                    objects.add(model.lower())
    return actions, objects


def test_every_action_and_object_the_code_writes_has_a_russian_label(make_app):
    from core.plugins import installed_plugins

    vocabulary = make_app(sorted(installed_plugins())).extensions["eschool_audit_vocabulary"]
    actions, objects = written_keys()
    assert len(actions) > 50 and "progress.read" in actions and "absence_note.accept" in actions
    assert sorted(actions - set(vocabulary.actions)) == []
    assert sorted(objects - set(vocabulary.objects)) == []
    for label in [*vocabulary.actions.values(), *vocabulary.objects.values(), *vocabulary.roles.values()]:
        assert re.search("[а-яё]", str(label)), label


def activity(world, as_):
    """A morning at school: a teacher opens the journal, the admin a child's card, a parent the progress page."""
    assert as_(world.teacher).get(f"/journal/{world.maths_5a.id}").status_code == 200
    assert as_(world.admin).get(f"/registries/students/{world.a1.id}").status_code == 200
    assert as_(world.admin_b).get(f"/registries/students/{world.c1.id}").status_code == 200
    assert as_(world.parent).get(f"/progress/{world.a1.id}").status_code == 200
    assert as_(world.parent2).get(f"/progress/{world.a1.id}").status_code == 200
    assert as_(world.other_parent).get(f"/progress/{world.a1.id}").status_code in (403, 404)


def cells(page: str) -> list[str]:
    tree = html.fromstring(page)
    return [" ".join(td.text_content().split()) for td in tree.xpath("//table[contains(@class, 'access-log')]//td")]


@pytest.mark.covers_hook("audit_vocabulary")
@pytest.mark.covers_hook("audit_names")
def test_the_school_admin_reads_who_did_what_about_whom_in_russian_without_keys_or_ids(app, world, as_):
    activity(world, as_)
    page = as_(world.admin).get("/admin/audit")
    assert page.status_code == 200
    text = cells(page.get_data(as_text=True))
    joined = " | ".join(text)
    assert "Математикова" in joined and "просмотр журнала" in joined and "Математика, 5А" in joined
    assert "Иванова Мария" in joined and "просмотр успеваемости" in joined and "Иванов Пётр" in joined
    assert "просмотр карточки обучающегося" in joined and "отказано в доступе" in joined  # the other parent
    with app.app_context():
        ids = {str(r.user_id) for r in AuditRecord.select() if r.user_id} | {
            r.object_id for r in AuditRecord.select() if r.object_id}
    for cell in text:
        assert not ENGLISH_KEY.search(cell), cell
        words = set(re.findall(r"\b\d+\b", cell.split("127.0.0.1")[0]))
        assert not [w for w in words if w in ids and not re.search(rf"\d\d\.\d\d\.\d{{4}}|{w}[А-Я]|№ {w}", cell)], cell


def test_each_reader_sees_only_the_records_of_their_schools(app, world, as_):
    activity(world, as_)
    mine = " ".join(cells(as_(world.admin).get("/admin/audit").get_data(as_text=True)))
    theirs = " ".join(cells(as_(world.admin_b).get("/admin/audit").get_data(as_text=True)))
    district = " ".join(cells(as_(world.municipal).get("/admin/audit").get_data(as_text=True)))
    assert "Цветков" not in mine and "Админова-Вторая" not in mine
    assert "Цветков Антон" in theirs and "Математикова" not in theirs and "Иванова Мария" not in theirs
    # the municipality sees both schools, and children without their names
    assert "Админова-Вторая" in district and "Математикова" in district
    assert "Иванов Пётр" not in district and "обучающийся, 5А, Школа № 1" in district
    for person in (world.teacher, world.deputy, world.parent):
        assert as_(person).get("/admin/audit").status_code == 403


@pytest.mark.covers_hook("audit_about")
def test_filters_by_person_school_action_outcome_and_dates_and_pages_without_overlap(app, world, as_):
    activity(world, as_)
    operator = as_(world.municipal)
    teacher_user = world.teacher.user_id
    by_teacher = cells(operator.get(f"/admin/audit?who={teacher_user}").get_data(as_text=True))
    assert by_teacher and all("Математикова" in by_teacher[i] for i in range(1, len(by_teacher), 6))
    school_b = " ".join(cells(operator.get(f"/admin/audit?about=school:{world.school_b.id}").get_data(as_text=True)))
    assert "Цветков" in school_b or "обучающийся, 5А, Школа № 2" in school_b
    assert "Школа № 1" not in school_b
    reads = cells(operator.get("/admin/audit?action=progress.read").get_data(as_text=True))
    assert reads and all(reads[i] == "просмотр успеваемости" for i in range(2, len(reads), 6))
    assert "Записей нет." in operator.get("/admin/audit?to=2020-01-01").get_data(as_text=True)
    today = world.today.isoformat()
    assert cells(operator.get(f"/admin/audit?from={today}&to={today}").get_data(as_text=True)) != ["Записей нет."]


def test_keyset_pages_cover_the_log_once(app, world, as_, monkeypatch):
    from core import access_log

    monkeypatch.setattr(access_log, "PAGE_SIZE", 3)
    activity(world, as_)
    reader = as_(world.admin)
    ids, url = [], "/admin/audit?action=progress.read"
    while url:
        tree = html.fromstring(reader.get(url).get_data(as_text=True))
        rows = tree.xpath("//table[contains(@class,'access-log')]/tbody/tr")
        assert len(rows) <= 3
        ids += [row.get("data-record") for row in rows]
        older = tree.xpath("//nav[@class='pager']/a[contains(., 'Более ранние')]/@href")
        url = older[0] if older else None
    with app.app_context():
        expected = AuditRecord.select().where(AuditRecord.action == "progress.read").count()
    # the two parents' reads and the other parent's refused attempt, each once, newest first
    assert expected == 3 and len(set(ids)) == len(ids) == expected
    assert [int(i) for i in ids] == sorted((int(i) for i in ids), reverse=True)


def test_bad_filters_answer_422_with_a_russian_message_and_never_500(app, world, as_):
    reader = as_(world.admin)
    for query, message in [("who=9999999999999999999999", "Человек указан неверно"),
                           ("about=school:1;drop", "Объект указан неверно"),
                           ("action=nope", "Такого действия нет"),
                           ("result=maybe", "Такого результата нет"),
                           ("from=25.11.2026", "Дата указана неверно"),
                           ("from=2026-11-25&to=2026-11-01", "раньше даты"),
                           ("before=99999999999999999999999999", "Страница указана неверно")]:
        response = reader.get(f"/admin/audit?{query}")
        assert response.status_code == 422, query
        assert message in response.get_data(as_text=True), query


def test_a_parent_sees_who_read_their_childs_data_but_not_their_own_reads_or_other_children(app, world, as_):
    activity(world, as_)
    assert as_(world.admin).get(f"/registries/students/{world.a2.id}").status_code == 200
    parent = as_(world.parent)
    page = parent.get("/my/data-access")
    assert page.status_code == 200
    text = " | ".join(cells(page.get_data(as_text=True)))
    assert "Математикова Анна" in text  # the teacher opened the class's journal
    assert "учитель" in text and "администратор школы" in text and "просмотр карточки обучающегося" in text
    # the other parent read the child's progress, and a stranger tried: families appear by role, not by name
    assert "родитель (законный представитель) | просмотр успеваемости" in text and "отказано в доступе" in text
    assert "Иванов Андрей" not in text and "Петрова" not in text
    assert "Иванова Мария" not in text  # the reader's own reads are not listed
    assert "Петров" not in text  # another child's card
    assert "Кто смотрел данные" in parent.get("/").get_data(as_text=True)
    with app.app_context():
        assert AuditRecord.select().where((AuditRecord.action == "audit.read_own")
                                          & (AuditRecord.user_id == world.parent.user_id)).count() == 1


def test_a_teacher_has_no_family_page_entries_and_no_nav_item(app, world, as_):
    teacher = as_(world.teacher)
    assert "Записей нет." in teacher.get("/my/data-access").get_data(as_text=True)
    assert "Кто смотрел данные" not in teacher.get("/").get_data(as_text=True)


class Clashing:
    @hookimpl
    def audit_vocabulary(self):
        return AuditVocabulary(actions={"login": "что-то другое"})


def test_two_plugins_naming_one_action_differently_stop_start_up(tmp_path):
    with pytest.raises(ValueError, match="names action 'login' differently"):
        create_app({"eschool": {"plugins": ["clash"], "database_url": f"sqlite:///{tmp_path / 'c.sqlite3'}",
                                "instance_path": str(tmp_path)}}, plugins={"clash": Clashing()})


def xlsx_rows(data: bytes) -> list[list[str]]:
    import io

    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]


def test_the_filtered_view_exports_to_xlsx_in_russian_with_names_and_local_time_and_is_audited(app, world, as_):
    activity(world, as_)
    reader = as_(world.admin)
    page = cells(reader.get("/admin/audit?action=progress.read").get_data(as_text=True))
    link = html.fromstring(reader.get("/admin/audit?action=progress.read").get_data(as_text=True)).xpath(
        "//a[contains(., 'XLSX')]/@href")
    assert link == ["/admin/audit/export?action=progress.read"]
    response = finish_job(reader, reader.get(link[0]))  # a job: its page, then its kept file
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = xlsx_rows(response.data)
    assert rows[0] == ["Когда", "Кто", "Роль", "Что сделано", "О ком или о чём", "Результат", "Адрес"]
    body = rows[1:]
    assert len(body) == len(page) // 6 == 3  # the two parents' reads and the stranger's refused attempt
    assert {r[3] for r in body} == {"просмотр успеваемости"}
    assert {r[5] for r in body} == {"выполнено", "отказано в доступе"}
    assert "Иванова Мария" in {r[1] for r in body} and {r[2] for r in body} == {"родитель (законный представитель)"}
    assert {r[4] for r in body} == {"Иванов Пётр, 5А, Школа № 1"}
    with app.app_context():
        ids = {str(r.user_id) for r in AuditRecord.select() if r.user_id} | {
            r.object_id for r in AuditRecord.select() if r.object_id}
        from core.formatting import local_time

        newest = (AuditRecord.select().where(AuditRecord.action == "progress.read")
                  .order_by(AuditRecord.id.desc()).first())
        assert body[0][0] == local_time(newest.at, "%d.%m.%Y %H:%M:%S")  # the region's time, not UTC
        exports = list(AuditRecord.select().where(AuditRecord.action == "audit.export"))
    assert re.fullmatch(r"\d\d\.\d\d\.\d{4} \d\d:\d\d:\d\d", body[0][0])
    for row in body:
        for cell in row[1:6]:
            assert not ENGLISH_KEY.search(cell), cell
            assert not set(re.findall(r"\b\d+\b", re.sub(r"№ \d+", "", cell))) & ids, cell
    assert len(exports) == 1 and exports[0].user_id == world.admin.user_id
    assert '"action": "progress.read"' in exports[0].details and '"records": 3' in exports[0].details


def test_the_export_keeps_the_readers_scope_and_refuses_bad_filters_and_other_roles(app, world, as_):
    activity(world, as_)
    admin, admin_b = as_(world.admin), as_(world.admin_b)
    mine = " ".join(" ".join(r) for r in xlsx_rows(finish_job(admin, admin.get("/admin/audit/export")).data))
    theirs = " ".join(" ".join(r) for r in xlsx_rows(finish_job(admin_b, admin_b.get("/admin/audit/export")).data))
    assert "Математикова" in mine and "Цветков" not in mine
    assert "Цветков Антон" in theirs and "Математикова" not in theirs
    assert as_(world.admin).get("/admin/audit/export?result=maybe").status_code == 400
    for person in (world.teacher, world.parent):
        assert as_(person).get("/admin/audit/export").status_code == 403


def test_the_export_pages_through_the_log_in_batches_without_losing_or_repeating_records(app, world, as_,
                                                                                       monkeypatch):
    from core import access_log, policy
    from core.types import Actor

    activity(world, as_)
    with app.test_request_context():
        actor = Actor(user_of(world.municipal), None, "test")
        condition = policy.scope(actor, "audit.read", AuditRecord)
        whole = list(access_log.export_rows(actor, condition, access_log.Filters()))
        monkeypatch.setattr(access_log, "EXPORT_BATCH", 2)
        batched = list(access_log.export_rows(actor, condition, access_log.Filters()))
        limited = list(access_log.export_rows(actor, condition, access_log.Filters(), limit=3))
        total = AuditRecord.select().where(condition).count()
    assert len(whole) == total >= 5
    assert batched == whole and limited == whole[:3]
