"""Import and export: whole-file validation, one transaction, idempotence, formulas neutralised."""

import io
import json
import re

import openpyxl
import pytest

from core.models import AuditRecord
from plugins.registries import models as m
from plugins.registries.snils import format_snils, make_valid
from tests.support import finish_job

pytestmark = pytest.mark.plugins("registries")

STUDENT_HEADER = "Фамилия;Имя;Отчество;Дата рождения;Пол;СНИЛС;Класс;Статус"
PARENT_HEADER = "Фамилия;Имя;Отчество;СНИЛС;Дата рождения;Телефон;Эл. почта"
LINK_HEADER = ("СНИЛС родителя;Фамилия ребёнка;Имя ребёнка;Отчество ребёнка;Дата рождения ребёнка;СНИЛС ребёнка;"
               "Кем приходится")


def students_csv(n, bad_last=False):
    lines = [STUDENT_HEADER]
    for i in range(n):
        lines.append(f"Ученик{chr(1072 + i % 32)};Имя;;{1 + i % 28:02d}.0{1 + i % 9}.{2008 + i % 10};М;"
                     f"{format_snils(make_valid(300_000_000 + i))};{1 + i % 11}А;обучается")
    if bad_last:
        lines[-1] = lines[-1].replace(";М;", ";Х;")
    return ("\n".join(lines) + "\n").encode("utf-8")


@pytest.fixture(autouse=True)
def classes(app, world):
    """The classes the files below name exist in the school (a class a file names is never made silently)."""
    from plugins.registries.importer import academic_year

    with app.app_context():
        for grade in range(1, 12):
            for letter in "АБ":
                m.SchoolClass.create(school=world.school, year=academic_year(), grade=grade, letter=letter)


def upload(client, data, name="file.csv", valid_only=False):
    form = {"file": (io.BytesIO(data), name)}
    if valid_only:
        form["valid_only"] = "1"
    # the form starts a job and sends the admin to it; its result is the report page
    return finish_job(client, client.post("/registries/import", data=form, content_type="multipart/form-data"))


def report_text(page):
    """The page text with table cells reduced to bare ``<td>`` (attributes are layout, not content)."""
    return re.sub(r"<td[^>]*>", "<td>", page.get_data(as_text=True))


def counts(app):
    with app.app_context():
        return (m.Student.select().count(), m.Parent.select().count(), m.ParentLink.select().count(),
                m.EnrolmentEvent.select().count())


def test_1000_row_import_whose_last_row_is_bad_writes_nothing(app, world, client, login):
    login(client, world.admin)
    page = upload(client, students_csv(1000, bad_last=True))
    text = report_text(page)
    assert page.status_code == 422
    assert "Ничего не записано" in text
    assert "<td>1001</td><td>Пол</td><td>Пол: «М» или «Ж».</td>" in text
    assert counts(app) == (0, 0, 0, 0)


def test_valid_rows_only_writes_the_good_rows_when_the_admin_chooses_it(app, world, client, login):
    login(client, world.admin)
    page = upload(client, students_csv(20, bad_last=True), valid_only=True)
    assert page.status_code == 200
    assert "Пропущено строк с ошибками: 1" in page.get_data(as_text=True)
    assert counts(app)[0] == 19


def test_report_lists_every_bad_row_with_column_and_reason(app, world, client, login):
    login(client, world.admin)
    data = "\n".join([STUDENT_HEADER, "Иванов;Пётр;;01.02.2012;М;;5А;", ";Анна;;2012-13-01;Ж;123;5А;",
                      "Иванов;Пётр;;01.02.2012;М;;5А;"]).encode()
    text = report_text(upload(client, data))
    assert "<td>3</td><td>Фамилия</td><td>Обязательное поле.</td>" in text
    assert "<td>3</td><td>Дата рождения</td>" in text
    assert "<td>3</td><td>СНИЛС</td><td>СНИЛС должен состоять из 11 цифр" in text
    assert "<td>4</td><td>Фамилия</td><td>Этот обучающийся (ФИО и дата рождения) уже указан в строке 2.</td>" in text
    assert counts(app) == (0, 0, 0, 0)


def family_workbook():
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Обучающиеся"
    ws.append(STUDENT_HEADER.split(";"))
    ws.append(["Соколов", "Илья", "Андреевич", __import__("datetime").date(2013, 2, 3), "М", None, "5Б", None])
    ws.append(["Соколова", "Мила", None, "04.05.2015", "Ж", None, "3А", "обучается"])
    ws2 = book.create_sheet("Родители")
    ws2.append(PARENT_HEADER.split(";"))
    ws2.append(["Соколова", "Ирина", None, make_valid(400_000_001), None, "+7 911 000-00-00", "=cmd|'/c calc'!A1"])
    ws2.append(["Соколов", "Андрей", None, format_snils(make_valid(400_000_002)), None, None, None])
    ws3 = book.create_sheet("Связи")
    ws3.append(LINK_HEADER.split(";"))
    for parent, relation in ((400_000_001, "мать"), (400_000_002, "отец")):
        ws3.append([make_valid(parent), "Соколов", "Илья", "Андреевич", "03.02.2013", None, relation])
        ws3.append([make_valid(parent), "Соколова", "Мила", None, "04.05.2015", None, relation])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_family_import_then_same_file_again_changes_nothing(app, world, client, login):
    login(client, world.admin)
    data = family_workbook()
    first = upload(client, data, "family.xlsx")
    assert first.status_code == 200
    assert counts(app) == (2, 2, 4, 2)
    second = upload(client, data, "family.xlsx")
    assert "новых 0, изменено 0, без изменений 2" in second.get_data(as_text=True)
    assert counts(app) == (2, 2, 4, 2)
    with app.app_context():
        imports = [json.loads(r.details) for r in AuditRecord.select().where(AuditRecord.action == "registry.import")]
    assert imports[-1]["created"] == {"students": 0, "parents": 0, "links": 0}
    assert imports[-1]["updated"] == {"students": 0, "parents": 0, "links": 0}


def test_reimport_updates_only_what_changed_and_audits_it(app, world, client, login):
    login(client, world.admin)
    upload(client, family_workbook(), "family.xlsx")
    changed = "\n".join([STUDENT_HEADER, "Соколов;Илья;Андреевич;03.02.2013;М;;5Б;выбыл"]).encode()
    upload(client, changed)
    with app.app_context():
        student = m.Student.get(m.Student.first_name == "Илья")
        assert student.status == "left"
        assert [e.status for e in student.enrolment_history.order_by(m.EnrolmentEvent.id)] == ["enrolled", "left"]
        update = json.loads(AuditRecord.get(AuditRecord.action == "student.update").details)
    assert update["old"] == {"status": "enrolled"} and update["new"] == {"status": "left"}


def test_every_created_row_is_audited_with_its_values_and_no_snils(app, world, client, login):
    """The final step writes one record per created student, parent and link, its values made in SQL."""
    login(client, world.admin)
    child, mother = format_snils(make_valid(300_000_101)), make_valid(400_000_102)
    typed_into_the_phone = format_snils(make_valid(400_000_103))
    data = "\n".join([STUDENT_HEADER, f"Орлова;Вера;Ильинична;03.02.2013;Ж;{child};5Б;"]).encode()
    assert upload(client, data).status_code == 200
    data = "\n".join([PARENT_HEADER, f"Орлова;Анна;;{mother};;{typed_into_the_phone};anna@example.ru",
                      f"Орлов;Илья;;{make_valid(400_000_104)};02.03.1980;;"]).encode()
    assert upload(client, data).status_code == 200
    data = "\n".join([LINK_HEADER, f"{mother};Орлова;Вера;Ильинична;03.02.2013;;мать"]).encode()
    assert upload(client, data).status_code == 200
    with app.app_context():
        student = m.Student.get(m.Student.last_name == "Орлова")
        anna, ilya = m.Parent.get(m.Parent.first_name == "Анна"), m.Parent.get(m.Parent.first_name == "Илья")
        link = m.ParentLink.get(m.ParentLink.student == student)
        records = {(r.action, r.object_id): r.details for r in AuditRecord.select().where(
            AuditRecord.action.in_(["student.create", "parent.create", "parent_link.create"]))}
    assert set(records) == {("student.create", str(student.id)), ("parent.create", str(anna.id)),
                            ("parent.create", str(ilya.id)), ("parent_link.create", str(link.id))}
    assert json.loads(records["student.create", str(student.id)]) == {"old": None, "source": "import", "new": {
        "last_name": "Орлова", "first_name": "Вера", "middle_name": "Ильинична", "birth_date": "2013-02-03",
        "gender": "f", "snils": f"***-***-*** {child[-2:]}", "status": "enrolled", "school_class": "5Б"}}
    assert json.loads(records["parent.create", str(anna.id)]) == {"old": None, "source": "import", "new": {
        "last_name": "Орлова", "first_name": "Анна", "middle_name": "", "snils": f"***-***-*** {mother[-2:]}",
        "birth_date": None, "phone": f"***-***-*** {typed_into_the_phone[-2:]}", "email": "anna@example.ru"}}
    assert json.loads(records["parent.create", str(ilya.id)])["new"] == {
        "last_name": "Орлов", "first_name": "Илья", "middle_name": "", "snils": f"***-***-*** {ilya.snils[-2:]}",
        "birth_date": "1980-03-02", "phone": "", "email": ""}
    assert json.loads(records["parent_link.create", str(link.id)])["new"] == {
        "parent": anna.id, "student": student.id, "relation": "mother"}
    assert not any(number in text for text in records.values()
                   for number in (make_valid(300_000_101), mother, make_valid(400_000_103), ilya.snils))


def test_link_to_an_unknown_child_or_parent_is_a_bad_row(app, world, client, login):
    login(client, world.admin)
    data = "\n".join([LINK_HEADER, f"{make_valid(400_000_009)};Нет;Такого;;01.01.2012;;мать"]).encode()
    text = upload(client, data).get_data(as_text=True)
    assert "Такого обучающегося нет ни в школе, ни среди правильных строк файла." in text


def test_export_neutralises_formulas_and_reimports_with_no_change(app, world, client, login):
    login(client, world.admin)
    upload(client, family_workbook(), "family.xlsx")
    with app.app_context():
        m.Parent.update(phone="=cmd|'/c calc'!A1").where(m.Parent.first_name == "Ирина").execute()
        m.Parent.update(phone="@SUM(1+1)").where(m.Parent.first_name == "Андрей").execute()
    csv_text = client.get("/registries/export/parents.csv").get_data().decode("utf-8-sig")
    assert "'=cmd|'/c calc'!A1" in csv_text and "'@SUM(1+1)" in csv_text
    assert ";=" not in csv_text and ";@" not in csv_text

    book = openpyxl.load_workbook(io.BytesIO(client.get("/registries/export/all.xlsx").get_data()))
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert "'=cmd|'/c calc'!A1" in texts and "'@SUM(1+1)" in texts
    assert not any(v.startswith(("=", "+", "-", "@", "\t", "\r")) for v in texts)
    assert all(c.data_type != "f" for c in cells)

    before = counts(app)
    again = upload(client, client.get("/registries/export/all.xlsx").get_data(), "export.xlsx")
    assert again.get_data(as_text=True).count("новых 0, изменено 0") == 3
    assert counts(app) == before
    with app.app_context():
        assert m.Parent.get(m.Parent.first_name == "Ирина").phone == "=cmd|'/c calc'!A1"


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r", "\0"])
def test_every_dangerous_first_character_is_neutralised(start):
    from core.spreadsheets import neutralise_cell, unquote_cell

    assert neutralise_cell(start + "1+1") == "'" + start + "1+1"
    assert unquote_cell(neutralise_cell(start + "1+1")) == start + "1+1"
    assert neutralise_cell("Иванов") == "Иванов"


def test_templates_hold_the_header_row_only(app, world, client, login):
    login(client, world.admin)
    csv_text = client.get("/registries/template/links.csv").get_data().decode("utf-8-sig")
    assert csv_text.strip() == LINK_HEADER
    book = openpyxl.load_workbook(io.BytesIO(client.get("/registries/template/all.xlsx").get_data()))
    assert book.sheetnames == ["Обучающиеся", "Родители", "Связи родитель–ребёнок"]


def test_file_that_is_not_a_table_is_refused_with_a_reason(app, world, client, login):
    login(client, world.admin)
    page = upload(client, b"PK\x03\x04garbage", "x.xlsx")
    assert page.status_code == 422 and "Файл XLSX повреждён." in page.get_data(as_text=True)
    page = upload(client, "Кличка;Порода\nБобик;дворняга\n".encode(), "dogs.csv")
    assert "Не удалось понять, что в таблице" in page.get_data(as_text=True)


def test_cli_import_and_export(app, world, runner, tmp_path):
    path = tmp_path / "students.csv"
    path.write_bytes(students_csv(30))
    result = runner.invoke(args=["registries", "import", str(path), "--school", "0101"])
    assert result.exit_code == 0, result.output
    assert "students: created 30, updated 0, unchanged 0" in result.output
    again = runner.invoke(args=["registries", "import", str(path), "--school", "0101"])
    assert "students: created 0, updated 0, unchanged 30" in again.output

    bad = tmp_path / "bad.csv"
    bad.write_bytes(students_csv(5, bad_last=True))
    refused = runner.invoke(args=["registries", "import", str(bad), "--school", "0102"])
    assert refused.exit_code == 1
    assert "строка 6, столбец «Пол»" in refused.output and "Ничего не записано" in refused.output

    out = tmp_path / "out.xlsx"
    exported = runner.invoke(args=["registries", "export", "--school", "0101", "-o", str(out)])
    assert exported.exit_code == 0 and out.exists()
    assert openpyxl.load_workbook(out).worksheets[0].max_row == 31
