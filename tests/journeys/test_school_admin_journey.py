"""Journey 3: a school admin imports a class from XLSX, issues logins, prints the slips; readiness moves.

Headless Chromium against the app on loopback. The first file has one bad row:
the page names its row and reason and nothing is written; the fixed file is
imported. Every child of the new class gets exactly one slip, and a slip's
login works.
"""

from __future__ import annotations

import io
import re

import openpyxl

from plugins.registries.snils import format_snils, make_valid
from tests.gradebook.factories import reg
from tests.journeys.conftest import login_with_password

CLASS = "7В"
STUDENT_HEADER = ["Фамилия", "Имя", "Отчество", "Дата рождения", "Пол", "СНИЛС", "Класс", "Статус"]
PARENT_HEADER = ["Фамилия", "Имя", "Отчество", "СНИЛС", "Дата рождения", "Телефон", "Эл. почта"]
LINK_HEADER = ["СНИЛС родителя", "Фамилия ребёнка", "Имя ребёнка", "Отчество ребёнка", "Дата рождения ребёнка",
               "СНИЛС ребёнка", "Кем приходится"]
BAD_ROW, BAD_DATE, GOOD_DATE = 4, "31.02.2013", "28.02.2013"
ONE_PARENT = "У ребёнка внесён хотя бы один родитель со СНИЛС"


def class_file(birth_date_of_row_4: str) -> bytes:
    """A workbook like the school's template: students of 7В, two parents, their links."""
    mother, father = format_snils(make_valid(501502503)), format_snils(make_valid(601602603))
    book = openpyxl.Workbook()
    students = book.active
    students.title = "Обучающиеся"
    students.append(STUDENT_HEADER)
    students.append(["Орлова", "Анна", "Игоревна", "14.03.2013", "Ж", format_snils(make_valid(701702703)), CLASS,
                     "обучается"])
    students.append(["Соколов", "Максим", "Андреевич", "02.11.2012", "М", "", CLASS, "обучается"])
    students.append(["Лебедева", "Дарья", "Павловна", birth_date_of_row_4, "Ж", "", CLASS, "обучается"])
    students.append(["Козлов", "Егор", "Денисович", "20.07.2013", "М", "", CLASS, "обучается"])
    parents = book.create_sheet("Родители")
    parents.append(PARENT_HEADER)
    parents.append(["Орлова", "Елена", "Викторовна", mother, "", "+7 911 000-00-01", ""])
    parents.append(["Соколов", "Андрей", "Петрович", father, "", "", "a.sokolov@example.ru"])
    links = book.create_sheet("Связи")
    links.append(LINK_HEADER)
    links.append([mother, "Орлова", "Анна", "Игоревна", "14.03.2013", "", "мать"])
    links.append([father, "Соколов", "Максим", "Андреевич", "02.11.2012", "", "отец"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


PUPILS = ["Козлов Егор Денисович", "Лебедева Дарья Павловна", "Орлова Анна Игоревна", "Соколов Максим Андреевич"]


def readiness_figures(page) -> dict[str, tuple[int, int]]:
    """Each readiness step's «done из total» from the readiness page."""
    figures = {}
    for step in page.locator("ul.reg-steps li").all():
        label = step.locator(".reg-step-label").inner_text()
        done, total = re.search(r"(\d+) из (\d+)", step.inner_text()).groups()
        figures[label] = (int(done), int(total))
    return figures


def upload(page, folder, name: str, data: bytes):
    path = folder / name
    path.write_bytes(data)
    page.locator("#file").set_input_files(path)
    # the file is checked by a job: its page follows the progress, then opens the report
    with page.expect_navigation(url="**/jobs/*/result") as sent:
        page.get_by_role("button", name="Проверить и загрузить").click()
    return sent.value


def imported_pupils(region) -> list[str]:
    with region.context():
        registries = reg()
        found = (registries.Student.select().join(registries.SchoolClass)
                 .where((registries.SchoolClass.grade == 7) & (registries.SchoolClass.letter == "В")))
        return sorted(s.full_name for s in found)


def imported_parents(region) -> int:
    with region.context():
        registries = reg()
        return registries.Parent.select().where(registries.Parent.last_name.in_(["Орлова", "Соколов"])).count()


def test_school_admin_imports_a_class_issues_logins_prints_slips_and_readiness_moves(region, camera):
    cam = camera("admin")
    page = cam.page
    login_with_password(cam, region, region.logins["admin"])
    nav = page.locator(".main-nav")

    nav.get_by_role("link", name="Готовность к услуге").click()
    page.wait_for_url("**/registries/readiness")
    before = readiness_figures(page)
    cam.look("readiness-before")

    nav.get_by_role("link", name="Импорт и экспорт").click()
    page.wait_for_url("**/registries/import")
    cam.look("import")
    refused = upload(page, cam.folder, "7v-with-error.xlsx", class_file(BAD_DATE))
    assert refused.status == 422
    assert "Ничего не записано" in page.locator("[role=alert]").first.inner_text()
    errors = [row.locator("td").all_inner_texts() for row in page.locator("table.data").first.locator("tbody tr").all()]
    assert errors == [["Обучающиеся", str(BAD_ROW), "Дата рождения",
                       "Дата должна быть в виде ДД.ММ.ГГГГ, например 01.09.2015."]]
    assert imported_pupils(region) == [] and imported_parents(region) == 0
    cam.look("import-refused")

    staged = upload(page, cam.folder, "7v-fixed.xlsx", class_file(GOOD_DATE))
    # the class is new to the school: nothing is written until the admin confirms it is not a typo
    assert staged.status == 422
    assert page.locator("ul.reg-new-classes li").all_inner_texts() == [f"«{CLASS}» — строк: 4"]
    assert imported_pupils(region) == []
    cam.look("import-confirm-class")
    with page.expect_navigation() as confirmed:
        page.get_by_role("button", name="Подтвердить и записать").click()
    assert confirmed.value.status == 200
    result = page.locator("section.card", has=page.locator("h2", has_text="Результат загрузки")).inner_text()
    assert "Загружено. Строк в файле: 8." in result
    assert "Обучающиеся: новых 4" in result and "Родители: новых 2" in result
    assert imported_pupils(region) == PUPILS and imported_parents(region) == 2
    cam.look("import-done")

    nav.get_by_role("link", name="Логины учащихся").click()
    page.wait_for_url("**/local/classes")
    cam.look("credential-classes")
    page.locator("a.tile", has_text=CLASS).click()
    page.wait_for_url("**/local/classes/*")
    assert page.locator("tbody tr").count() == len(PUPILS)
    cam.look("credential-class")
    with page.expect_navigation(url="**/jobs/*/result"):  # a job: its progress page, then the slips
        page.get_by_role("button", name="Выдать и показать листки").click()
    names = page.locator(".slip .slip-name").all_inner_texts()
    assert sorted(names) == PUPILS  # every child, once
    logins = page.locator(".slip .slip-login").all_inner_texts()
    passwords = page.locator(".slip .slip-password").all_inner_texts()
    assert len(set(logins)) == len(PUPILS) and all(len(p) >= 8 for p in passwords)
    assert page.locator("#auth-local-print").is_visible()  # the print button, shown by the plugin's script
    cam.look("slips")

    page.emulate_media(media="print")
    page.screenshot(path=cam.folder / "admin-slips-print.png", full_page=True)
    assert not page.locator(".no-print").first.is_visible() and not page.locator(".site-header").is_visible()
    pdf = page.pdf(path=cam.folder / "admin-slips.pdf", format="A4")
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") >= 1
    page.emulate_media(media="screen")
    first_slip = (logins[0], passwords[0])

    nav.get_by_role("link", name="Готовность к услуге").click()
    page.wait_for_url("**/registries/readiness")
    after = readiness_figures(page)
    cam.look("readiness-after")
    done, total = before[ONE_PARENT]
    assert after[ONE_PARENT] == (done + 2, total + 4)  # four children, two of them with a parent

    pupil = camera("pupil")
    pupil.page.goto(region.url + "/login")
    pupil.page.locator("#auth-local-login").fill(first_slip[0])
    pupil.page.locator("#auth-local-password").fill(first_slip[1])
    with pupil.page.expect_navigation():
        pupil.page.locator("#auth-local-password").press("Enter")
    assert pupil.page.url.startswith(region.url + "/local/password")  # a temporary password must be changed
    pupil.look("first-login")
