"""Screens that say where you are (issue 16, item 5): the header names the school and the municipality, the
school admin's home page is grouped by task, and blocking a staff account takes a confirmation step."""

from __future__ import annotations

import pytest
from lxml import html

from core.api import User
from tests.gradebook.factories import build_world, user_of

SECTIONS = ["Подготовка к услуге", "Люди", "Журнал", "Отчёты"]


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


def tree(response):
    assert response.status_code == 200
    return html.fromstring(response.get_data(as_text=True))


def where(page) -> str:
    return " ".join(" ".join(page.xpath("//header//*[@class='where']//text()")).split())


def test_the_header_names_the_school_and_municipality_of_staff_and_nothing_for_families(app, world, as_):
    for person in (world.admin, world.teacher, world.deputy):
        assert where(tree(as_(person).get("/"))) == "Школа № 1 · Тестовый район"
    assert where(tree(as_(world.admin_b).get("/registries/students"))) == "Школа № 2 · Тестовый район"
    assert where(tree(as_(world.municipal).get("/"))) == "Тестовый район"
    assert where(tree(as_(world.parent).get("/"))) == ""


def test_the_school_admins_home_is_grouped_by_task_with_readiness_first(app, world, as_):
    page = tree(as_(world.admin).get("/"))
    groups = page.xpath("//section[@class='home-group']")
    titles = [g.xpath("string(h2)") for g in groups]
    assert titles[:4] == SECTIONS and titles[4:] in ([], ["Ещё"])
    preparation, people, journal, reports = groups[:4]
    steps = preparation.xpath(".//ol[@class='home-steps']/li")
    assert len(steps) == 5 and all(s.xpath(".//progress") for s in steps)
    assert "Обучающиеся внесены с согласием" in steps[0].text_content()
    assert "Готовность к услуге" in preparation.text_content()
    assert {"Обучающиеся", "Родители", "Классы", "Сотрудники", "Логины учащихся"} <= set(
        people.xpath(".//a[@class='tile']/text()"))
    assert "Журнал" in journal.xpath(".//a[@class='tile']/text()")
    assert "Журнал доступа" in reports.xpath(".//a[@class='tile']/text()")
    # every navigation entry is on the page exactly once, and no flat tile list besides the groups
    nav = page.xpath("//nav[@class='main-nav']//a/@href")
    tiles = page.xpath("//main//a[@class='tile']/@href")
    assert sorted(tiles) == sorted(nav)
    assert page.xpath("//main/ul[@class='tiles']") == []


def test_other_roles_keep_their_plain_tiles(app, world, as_):
    for person in (world.teacher, world.parent, world.municipal):
        page = tree(as_(person).get("/"))
        assert page.xpath("//section[@class='home-group']") == []
        assert page.xpath("//main/ul[@class='tiles']/li")


def test_blocking_a_staff_account_takes_a_confirmation_step(app, world, as_):
    admin = as_(world.admin)
    listing = tree(admin.get("/registries/staff"))
    assert listing.xpath("//button[contains(@class,'danger')]") == []  # no red button on every card
    assert listing.xpath(f"//form[contains(@action,'/registries/staff/{world.teacher.id}/block')]") == []
    link = listing.xpath(f"//a[@href='/registries/staff/{world.teacher.id}/block']")
    assert link and link[0].text_content() == "Заблокировать…"
    confirm = tree(admin.get(f"/registries/staff/{world.teacher.id}/block"))
    with app.app_context():
        assert not User.get_by_id(world.teacher.user_id).is_blocked  # opening the step changes nothing
    assert "Заблокировать учётную запись?" in confirm.xpath("string(//h1)")
    assert "Математикова" in confirm.text_content() and "сеансы завершатся" in confirm.text_content()
    assert confirm.xpath("//a[text()='Отмена']/@href") == ["/registries/staff"]
    form = confirm.xpath("//section[contains(@class,'reg-confirm')]//form[@method='post']")[0]
    response = admin.post(form.get("action"), data={"reason": "уволена"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/registries/staff")
    with app.app_context():
        assert User.get_by_id(world.teacher.user_id).is_blocked
    # a blocked account offers «Разблокировать» on the card, and its confirmation page goes back to the list
    assert "Разблокировать" in admin.get("/registries/staff").get_data(as_text=True)
    assert admin.get(f"/registries/staff/{world.teacher.id}/block").status_code == 302


def test_the_confirmation_step_is_policy_checked(app, world, as_):
    assert as_(world.admin_b).get(f"/registries/staff/{world.teacher.id}/block").status_code in (403, 404)
    assert as_(world.teacher).get(f"/registries/staff/{world.teacher.id}/block").status_code == 403
