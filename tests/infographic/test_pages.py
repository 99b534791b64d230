"""The public page, the poster and the snippet say what the region's config says."""

import re

import pytest

from core import ConfigError, create_app
from tests.infographic.conftest import read_region
from tests.support import registry_tables

INFOGRAPHIC_ENDPOINTS = {"infographic.page", "infographic.poster", "infographic.embed", "infographic.checklist"}


def test_demo_and_north_regions_show_their_own_links_and_age_rules(region_app):
    demo = region_app("demo.toml").test_client().get("/service").get_data(as_text=True)
    north = region_app("example-north.toml").test_client().get("/service").get_data(as_text=True)
    demo_conf, north_conf = read_region("demo.toml")["infographic"], read_region("example-north.toml")["infographic"]

    for html, conf, other in ((demo, demo_conf, north_conf), (north, north_conf, demo_conf)):
        assert f'href="{conf["portal_url"]}"' in html
        assert f'href="{conf["cabinet_url"]}"' in html
        for app_link in conf["mobile_apps"]:
            assert f'href="{app_link["url"]}"' in html
        assert other["portal_url"] not in html and other["cabinet_url"] not in html

    assert "Учащиеся с 14 лет" in demo and "Учащиеся младше 14 лет" in demo
    assert "Учащиеся с 14 лет и 6 месяцев" in north and "Учащиеся младше 14 лет и 6 месяцев" in north
    assert "14,5+" in north and "14+" in demo
    assert "Демонстрационный регион" in demo and "Северная область (пример)" in north
    assert "Сетевой город. Образование" in north and "Центр поддержки министерства образования" in north


@pytest.mark.plugins("infographic")
def test_without_age_policy_the_page_states_the_letters_rule_of_14(client):
    html = client.get("/service").get_data(as_text=True)
    assert "Учащиеся с 14 лет" in html
    assert "Только через личный кабинет — по логину и паролю" in html


@pytest.mark.plugins("infographic")
def test_page_is_public_and_names_both_parents_the_gosuslugi_button_and_the_four_needs(client):
    page = client.get("/service")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Оба родителя" in html
    assert "Войти через Госуслуги" in html
    assert "подтверждённую учётную запись на Госуслугах" in html
    assert "с вашим СНИЛС и связывает с ребёнком" in html
    assert "реестре «Пользователи»" in html
    # With no portal configured only the cabinet is offered, and it defaults to this site's login page.
    assert "Два способа войти" not in html
    assert 'href="http://localhost/login"' in html


@pytest.mark.plugins("infographic")
def test_page_has_headings_in_order_and_labelled_pictures_and_no_inline_styles(client):
    html = client.get("/service").get_data(as_text=True)
    levels = [int(n) for n in re.findall(r"<h([1-6])[ >]", html)]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False)), levels
    for svg in re.findall(r"<svg[^>]*>", html):
        assert 'aria-hidden="true"' in svg or ('role="img"' in svg and "aria-labelledby=" in svg), svg
    for label_id in re.findall(r'role="img" aria-labelledby="([^"]+)"', html):
        assert f'<title id="{label_id}">' in html
    assert "style=" not in html and "<style" not in html and "<script>" not in html


def test_a_younger_student_rule_follows_the_age_policy_settings(make_app):
    app = make_app(
        ["registries", "age_policy", "infographic"],
        sections={"age_policy": {"min_age_esia": 14.0, "gosuslugi_only": True}},
    )
    html = app.test_client().get("/service").get_data(as_text=True)
    assert "с детской учётной записью" in html
    assert "по логину и паролю" not in html


def test_a_child_account_besides_school_logins_is_stated_when_the_region_allows_both(make_app):
    app = make_app(["registries", "age_policy", "infographic"],
                   sections={"age_policy": {"min_age_esia": 14.0, "child_account_for_younger": True}})
    html = app.test_client().get("/service").get_data(as_text=True)
    assert "по логину и паролю" in html and "с детской учётной записью, которую создаёт родитель" in html
    assert "Только через личный кабинет" not in html


def test_younger_students_who_may_not_log_in_are_told_their_parents_receive_the_information(make_app):
    app = make_app(["registries", "age_policy", "infographic"],
                   sections={"age_policy": {"school_login_for_younger": False}})
    assert "Сами не входят" in app.test_client().get("/service").get_data(as_text=True)


def test_a_school_named_in_the_address_shows_its_own_contacts(make_app):
    app = make_app(["registries", "infographic"])
    with app.app_context():

        with app.test_request_context():
            reg = registry_tables()
            town = reg.Municipality.create(code="M1", name="Город")
            school = reg.School.create(
                municipality=town, code="S1", name="Средняя школа № 7", short_name="Школа № 7",
                phone="+7 (815) 111-22-33", email="school7@example.ru", service_contact="Иванова А. П., каб. 12",
            )
    client = app.test_client()
    for path in ("/service", "/service/poster", "/service/embed"):
        html = client.get(f"{path}?school={school.id}").get_data(as_text=True)
        assert "Школа № 7" in html and "Иванова А. П., каб. 12" in html and "+7 (815) 111-22-33" in html
    assert client.get("/service?school=999").status_code == 404
    assert client.get("/service?school=abc").status_code == 404


@pytest.mark.plugins("infographic")
def test_embed_may_be_framed_by_any_site_by_default_while_other_pages_may_not(client):
    embed = client.get("/service/embed")
    assert embed.status_code == 200
    csp = embed.headers["Content-Security-Policy"]
    # scripts: only its own, which reports the page's height to the embedding site
    assert "frame-ancestors *" in csp and "style-src 'self'" in csp and "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in client.get("/service").headers["Content-Security-Policy"]


def test_embed_frame_ancestors_come_from_the_region(region_app):
    csp = region_app("example-north.toml").test_client().get("/service/embed").headers["Content-Security-Policy"]
    assert csp.endswith("frame-ancestors https://*.north.example 'self'")


@pytest.mark.plugins("infographic")
def test_everyone_gets_the_how_to_entry_and_only_a_school_admin_the_checklist(app, client, make_user, login):
    assert 'href="/service"' in client.get("/").get_data(as_text=True)
    assert client.get("/service/checklist").status_code == 302
    parent = make_user("parent")
    login(client, parent)
    html = client.get("/").get_data(as_text=True)
    assert 'href="/service"' in html and 'href="/service/checklist"' not in html
    assert client.get("/service/checklist").status_code == 403
    admin_client = app.test_client()
    login(admin_client, make_user("school_admin"))
    assert 'href="/service/checklist"' in admin_client.get("/").get_data(as_text=True)


def test_disabling_the_plugin_removes_its_pages(make_app):
    app = make_app(["registries", "age_policy"])
    assert not INFOGRAPHIC_ENDPOINTS & {rule.endpoint for rule in app.url_map.iter_rules()}
    client = app.test_client()
    for path in ("/service", "/service/poster", "/service/embed", "/service/checklist"):
        assert client.get(path).status_code == 404
    assert "Как получить услугу" not in client.get("/").get_data(as_text=True)


def test_enabled_plugin_has_all_its_pages(make_app):
    app = make_app(["infographic"])
    assert INFOGRAPHIC_ENDPOINTS <= {rule.endpoint for rule in app.url_map.iter_rules()}


@pytest.mark.parametrize(
    "section, message",
    [
        ({"portal_url": "javascript:alert(1)"}, "portal_url"),
        ({"cabinet_url": "school.example.ru"}, "cabinet_url"),
        ({"mobile_apps": [{"name": "Android"}]}, "mobile_apps.0.url"),
        ({"mobile_apps": [{"name": "Android", "url": "ftp://files.example.ru/app.apk"}]}, "mobile_apps.0.url"),
        ({"help_contacts": [{"name": "Поддержка", "email": "not-an-email"}]}, "help_contacts.0.email"),
        ({"embed_frame_ancestors": ["https://a.example; script-src *"]}, "embed_frame_ancestors"),
        ({"portal_adress": "https://portal.example.ru/"}, "portal_adress"),
    ],
)
def test_a_wrong_infographic_section_stops_start_up_naming_the_key(tmp_path, section, message):
    config = {"eschool": {"plugins": ["infographic"], "instance_path": str(tmp_path)}, "infographic": section}
    with pytest.raises(ConfigError) as error:
        create_app(config)
    assert "[infographic]" in str(error.value) and message in str(error.value)
