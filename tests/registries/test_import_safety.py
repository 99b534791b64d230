"""Imports never rewrite a person's identity silently, never invent classes, and refuse hostile files early."""

import io
import tracemalloc
import zipfile

import pytest

from plugins.registries import models as m
from plugins.registries.importer import academic_year
from plugins.registries.snils import format_snils, make_valid
from plugins.registries.tabular import FileError, read_file
from tests.registries.test_import_export import STUDENT_HEADER, counts, report_text, upload

pytestmark = pytest.mark.plugins("registries")


@pytest.fixture
def enrolled(app, world):
    """Пётр Иванов, 4А, with a SNILS, in the admin's school; and class 4А."""
    with app.app_context():
        klass = m.SchoolClass.create(school=world.school, year=academic_year(), grade=4, letter="А")
    snils = make_valid(123_456_789)
    return world.student(snils=snils, school_class=klass.id), snils


def test_a_row_with_another_childs_snils_changes_nothing_until_the_admin_confirms(app, world, client, login,
                                                                                 enrolled):
    student, snils = enrolled
    login(client, world.admin)
    data = f"{STUDENT_HEADER}\nЧужов;Пётр;;01.02.2015;М;{format_snils(snils)};4А;\n".encode()
    page = upload(client, data)
    text = report_text(page)
    assert page.status_code == 422
    assert "Ничего не записано" in text and "изменено 1" not in text
    assert "Фамилия: Иванов; Дата рождения: 01.05.2012" in text  # old
    assert "Фамилия: Чужов; Дата рождения: 01.02.2015" in text  # → new
    with app.app_context():
        kept = m.Student.get_by_id(student.id)
        assert (kept.last_name, str(kept.birth_date)) == ("Иванов", "2012-05-01")
        batch = m.ImportBatch.get(m.ImportBatch.state == "confirm")

    cancelled = client.post(f"/registries/import/{batch.id}", data={"action": "cancel"})
    assert cancelled.status_code == 302
    with app.app_context():
        assert m.Student.get_by_id(student.id).last_name == "Иванов"
        assert m.ImportBatch.select().count() == m.StagedStudent.select().count() == 0

    upload(client, data)
    with app.app_context():
        batch = m.ImportBatch.get(m.ImportBatch.state == "confirm")
    other = client.application.test_client()
    login(other, world.other_admin)
    assert other.post(f"/registries/import/{batch.id}", data={"action": "confirm"}).status_code == 422
    confirmed = client.post(f"/registries/import/{batch.id}", data={"action": "confirm"})
    assert confirmed.status_code == 200 and "изменено 1" in confirmed.get_data(as_text=True)
    with app.app_context():
        changed = m.Student.get_by_id(student.id)
        assert (changed.last_name, str(changed.birth_date)) == ("Чужов", "2015-02-01")


def test_another_schools_childs_snils_is_a_row_error_that_reveals_nothing(app, world, client, login):
    with app.app_context():
        m.SchoolClass.create(school=world.school, year=academic_year(), grade=4, letter="А")
    snils = make_valid(123_456_700)
    world.student(school=world.other_school, snils=snils, last_name="Тайнов", first_name="Секрет")
    login(client, world.admin)
    text = report_text(upload(client, f"{STUDENT_HEADER}\nЧужов;Пётр;;01.02.2015;М;{snils};4А;\n".encode()))
    assert "<td>2</td><td>СНИЛС</td>" in text
    assert "Тайнов" not in text and "Секрет" not in text and "01.05.2012" not in text
    assert counts(app)[0] == 1


def test_a_parents_snils_of_someone_else_elsewhere_is_a_row_error(app, world, client, login):
    stranger = world.parent(registered_school=world.other_school, last_name="Далёкая", first_name="Анна")
    login(client, world.admin)
    header = "Фамилия;Имя;Отчество;СНИЛС;Дата рождения;Телефон;Эл. почта"
    text = report_text(upload(client, f"{header}\nЧужова;Мария;;{stranger.snils};;;\n".encode()))
    assert "другими фамилией, именем или датой рождения" in text and "Далёкая" not in text


def test_a_class_typo_is_listed_for_confirmation_and_no_class_is_made_without_it(app, world, client, login,
                                                                                  enrolled):
    login(client, world.admin)
    data = f"{STUDENT_HEADER}\nНовиков;Иван;;01.02.2012;М;;8Я;\nНовикова;Анна;;01.02.2013;Ж;;4А;\n".encode()
    page = upload(client, data)
    text = report_text(page)
    assert page.status_code == 422 and "«8Я» — строк: 1" in text
    with app.app_context():
        assert [c.name for c in m.SchoolClass.select()] == ["4А"]
        assert m.Student.select().count() == 1
        batch = m.ImportBatch.get(m.ImportBatch.state == "confirm")
    assert client.post(f"/registries/import/{batch.id}", data={"action": "confirm"}).status_code == 200
    with app.app_context():
        assert sorted(c.name for c in m.SchoolClass.select()) == ["4А", "8Я"]
        assert m.Student.get(m.Student.first_name == "Иван").school_class.name == "8Я"


def test_an_enrolled_row_without_a_class_is_a_row_error(app, world, client, login, enrolled):
    login(client, world.admin)
    text = report_text(upload(client, f"{STUDENT_HEADER}\nНовиков;Иван;;01.02.2012;М;;;обучается\n".encode()))
    assert "<td>2</td><td>Класс</td><td>Укажите класс" in text
    assert counts(app)[0] == 1


def test_cli_lists_identity_changes_and_new_classes_and_writes_nothing_without_the_flags(app, world, runner,
                                                                                        tmp_path, enrolled):
    student, snils = enrolled
    path = tmp_path / "s.csv"
    path.write_text(f"{STUDENT_HEADER}\nЧужов;Пётр;;01.02.2015;М;{snils};8Я;\n", encoding="utf-8")
    refused = runner.invoke(args=["registries", "import", str(path), "--school", "0101"])
    assert refused.exit_code == 1
    assert "Фамилия: Иванов" in refused.output and "класса «8Я» в школе нет" in refused.output
    with app.app_context():
        assert m.Student.get_by_id(student.id).last_name == "Иванов" and m.SchoolClass.select().count() == 1
        assert m.ImportBatch.select().count() == 0
    done = runner.invoke(args=["registries", "import", str(path), "--school", "0101", "--confirm-identity",
                               "--create-classes"])
    assert done.exit_code == 0, done.output
    with app.app_context():
        assert m.Student.get_by_id(student.id).school_class.name == "8Я"


def row_bomb(rows: int) -> bytes:
    """A real XLSX whose one sheet has ``rows`` one-cell rows (about 10 MB for 2,000,000), written as a stream."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", (
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="'
            'application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'))
        z.writestr("_rels/.rels", (
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'))
        z.writestr("xl/workbook.xml", (
            '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            '<sheet name="Обучающиеся" sheetId="1" r:id="rId1"/></sheets></workbook>'))
        z.writestr("xl/_rels/workbook.xml.rels", (
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'))
        with z.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
                        b'2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>\xd0\x9a\xd0\xbb\xd0'
                        b'\xb0\xd1\x81\xd1\x81</t></is></c></row>')
            step = 10_000
            for start in range(2, rows + 2, step):
                sheet.write("".join(f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>5А</t></is></c></row>'
                                    for n in range(start, min(start + step, rows + 2))).encode())
            sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


def test_xlsx_row_bomb_is_refused_before_any_row_is_parsed_in_flat_memory():
    bomb = row_bomb(2_000_000)
    assert len(bomb) < 20 * 1024 * 1024
    tracemalloc.start()
    try:
        with pytest.raises(FileError, match="больше 100000 строк"):
            read_file("bomb.xlsx", bomb, max_rows=100_000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    print(f"\nrow bomb of {len(bomb) / 2**20:.1f} MiB refused; peak Python memory {peak / 2**20:.1f} MiB")
    assert peak < 30 * 2**20  # the rows are counted on the decompressed stream, never held


def test_xlsx_row_bomb_upload_answers_422_with_a_reason(app, world, client, login):
    login(client, world.admin)
    page = upload(client, row_bomb(120_000), "bomb.xlsx")
    assert page.status_code == 422 and "больше 100000 строк" in page.get_data(as_text=True)
    assert counts(app) == (0, 0, 0, 0)


def test_csv_field_over_128_kib_is_a_clear_file_error_not_a_500(app, world, client, login):
    login(client, world.admin)
    data = f"{STUDENT_HEADER}\nИванов;Пётр;;01.02.2012;М;;5А;\nИванов;{'Ы' * 140_000};;01.02.2012;М;;5А;\n"
    page = upload(client, data.encode())
    assert page.status_code == 422
    assert "Строка 3: поле длиннее 128 КБ" in page.get_data(as_text=True)
    assert counts(app) == (0, 0, 0, 0)


@pytest.mark.parametrize("raw", [
    {"last_name": " Иванов ", "first_name": "Пётр", "birth_date": "01.02.2012", "gender": "м", "school_class": "5а"},
    {"last_name": "", "first_name": "Пётр1", "birth_date": "31.02.2012", "gender": "x", "snils": "123"},
    {"last_name": "'=Иванов", "first_name": "Анна", "birth_date": "2012-02-01", "gender": "Ж", "status": "выбыл",
     "snils": format_snils(make_valid(300_000_001)), "school_class": 5.0},
    {"last_name": "Иванов", "first_name": "Анна", "birth_date": "01.02.2099", "gender": "Ж", "school_class": "13Б"},
])
def test_the_import_row_loader_gives_what_the_schema_gives(app, raw):
    from marshmallow import ValidationError

    from plugins.registries.importer import RowLoader
    from plugins.registries.schemas import StudentSchema, errors_in_russian

    with app.test_request_context():
        try:
            expected = (StudentSchema().load(dict(raw)), {})
        except ValidationError as exc:
            expected = (None, errors_in_russian(exc.messages))
        values, errors = RowLoader(StudentSchema).load(dict(raw))
        assert (None if errors else values, errors) == expected


def test_the_row_loader_remembers_repeating_cells_and_forgets_distinct_ones(app, monkeypatch):
    """A remembered cell gives the same values and Russian reasons as its first check; memory stays bounded."""
    from plugins.registries.importer import RowLoader
    from plugins.registries.schemas import StudentSchema

    monkeypatch.setattr(RowLoader, "REMEMBERED", 10)
    with app.test_request_context():
        loader = RowLoader(StudentSchema)
        rows = [{"last_name": f"Иванов-{chr(1072 + i % 32)}{chr(1072 + i // 32)}", "first_name": "Пётр1" if i % 3
                 else "Пётр", "birth_date": f"{1 + i % 5:02d}.02.2012", "gender": "м", "school_class": "5а",
                 "snils": "123" if i % 7 == 0 else None} for i in range(60)]
        first = [loader.load(dict(raw)) for raw in rows]
        again = [loader.load(dict(raw)) for raw in rows]
        fresh = [RowLoader(StudentSchema).load(dict(raw)) for raw in rows]
        columns = {c.name: c.seen for c in loader.columns}
    assert first == again == fresh
    assert first[1][1] == {"first_name": "Только буквы, пробел, дефис и апостроф, до 100 знаков."}
    assert first[0][1]["snils"] == "СНИЛС должен состоять из 11 цифр, например 112-233-445 95."
    assert columns["last_name"] is None  # 60 distinct surnames: not worth remembering
    assert set(columns["first_name"]) == {"Пётр1", "Пётр"} and len(columns["birth_date"]) == 5
