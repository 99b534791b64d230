"""The municipality drills down its readiness table (issue 16, item 6): the region's or municipality's table →
one school by class → one class's list of what is missing (a parent, the child's SNILS, a consent, a parent's
user account). Policy-checked (a municipality reaches only its own schools) and audited."""

from __future__ import annotations

import pytest
from lxml import html

from core.models import AuditRecord
from plugins.registries.snils import make_valid
from tests.gradebook.factories import build_world, make_municipality, make_school, make_staff, reg, user_of


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


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return html.fromstring(response.get_data(as_text=True))


def table(tree, css):
    return [[" ".join(td.text_content().split()) for td in tr.xpath("td")]
            for tr in tree.xpath(f"//table[contains(@class,'{css}')]/tbody/tr")]


def test_the_municipality_reaches_one_classs_missing_items_from_its_table(app, world, as_):
    district = as_(world.municipal)
    top = page(district, "/registries/readiness")
    school_link = top.xpath(f"//a[@href='/registries/readiness/school/{world.school.id}']")
    assert school_link and school_link[0].text == "Школа № 1"
    assert top.xpath(f"//a[@href='/registries/readiness/school/{world.school_b.id}']")
    by_class = page(district, school_link[0].get("href"))
    rows = table(by_class, "readiness-classes")
    # 5А: Иванов (two parents, consent), Петров (a parent, consent), Сидоров (a parent, no consent); none has SNILS
    assert rows[0] == ["5А", "3", "3", "0", "3", "1", "0"]
    assert rows[1][:2] == ["5Б", "1"]
    headers = [" ".join(th.text_content().split()) for th in by_class.xpath("//thead//th")]
    assert headers[3:] == ["Нет: родитель", "Нет: СНИЛС ребёнка", "Нет: согласие", "Нет: пользователь у родителя"]
    class_link = by_class.xpath("//table[contains(@class,'readiness-classes')]//a[text()='5А']/@href")[0]
    missing = page(district, class_link)
    items = table(missing, "readiness-missing")
    assert items == [["обучающийся № 1 по списку класса", "СНИЛС ребёнка"],
                     ["обучающийся № 2 по списку класса", "СНИЛС ребёнка"],
                     ["обучающийся № 3 по списку класса", "СНИЛС ребёнка, согласие"]]
    text = missing.text_content()
    assert "Иванов" not in text and "Сидоров" not in text  # the municipality sees aggregates, not children
    with app.app_context():
        seen = {(r.action, r.object_type, r.object_id, r.result) for r in AuditRecord.select()
                .where(AuditRecord.user_id == world.municipal.user_id)}
    assert ("registry.readiness.school", "school", str(world.school.id), "ok") in seen
    assert ("registry.readiness.class", "school_class", class_link.rsplit("/", 1)[1], "ok") in seen


def test_the_school_admin_sees_names_and_fixing_a_gap_shows_at_once(app, world, as_):
    admin = as_(world.admin)
    top = page(admin, "/registries/readiness")
    assert top.xpath(f"//a[@href='/registries/readiness/school/{world.school.id}']")
    klass = world.a1.school_class_id
    items = table(page(admin, f"/registries/readiness/class/{klass}"), "readiness-missing")
    assert [row[0] for row in items] == ["Иванов Пётр", "Петров Сергей", "Сидоров Олег"]
    with app.app_context():
        for n, child in enumerate((world.a1, world.a2), start=1):
            reg().Student.update(snils=make_valid(554433000 + n)).where(reg().Student.id == child.id).execute()
    tree = page(admin, f"/registries/readiness/class/{klass}")
    assert table(tree, "readiness-missing") == [["Сидоров Олег", "СНИЛС ребёнка, согласие"]]
    assert tree.xpath("//a[text()='Сидоров Олег']/@href") == [f"/registries/students/{world.a3.id}"]


def test_a_municipality_reaches_only_its_own_schools_and_staff_or_families_none(app, world, as_):
    with app.app_context():
        elsewhere = make_municipality("Другой район")
        their_school = make_school(elsewhere, "Школа № 9")
        their_class = reg().SchoolClass.create(school=their_school, year=2026, grade=7, letter="В")
        stranger = make_staff("municipality", municipality=elsewhere, last_name="Чужова")
    other = as_(stranger)
    assert other.get(f"/registries/readiness/school/{world.school.id}").status_code == 403
    assert other.get(f"/registries/readiness/class/{world.a1.school_class_id}").status_code == 403
    assert other.get(f"/registries/readiness/school/{their_school.id}").status_code == 200
    assert as_(world.municipal).get(f"/registries/readiness/class/{their_class.id}").status_code == 403
    assert as_(world.admin_b).get(f"/registries/readiness/school/{world.school.id}").status_code == 403
    for person in (world.teacher, world.parent):
        assert as_(person).get(f"/registries/readiness/school/{world.school.id}").status_code == 403
    assert as_(world.municipal).get("/registries/readiness/school/999999").status_code == 404
    with app.app_context():
        denied = AuditRecord.select().where((AuditRecord.user_id == stranger.user_id)
                                            & (AuditRecord.result == "denied")).count()
    assert denied >= 2
