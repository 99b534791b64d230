"""The portal emulator's page, driven over HTTP as a tester does: log in as a Gosuslugi person, apply for a child,
see the statuses and the result; and the plugin's settings are validated like every plugin's."""

import re

import pytest
import requests

from core import ConfigError, create_app
from plugins.portal.emulator.app import create_emulator_app
from tests.support import serve


def _persons(stand):
    w = stand.world
    with stand.app.app_context():
        parent = w.parent.__class__.get_by_id(w.parent.id)
        kid = w.a1.__class__.get_by_id(w.a1.id)
        return [{"oid": "1000000001", "last_name": parent.last_name, "first_name": parent.first_name,
                 "snils": parent.snils, "note": "мать Пети",
                 "kids": [{"last_name": kid.last_name, "first_name": kid.first_name,
                           "birth_date": kid.birth_date.isoformat()}]}]


def _csrf(html):
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def test_a_tester_applies_on_the_portal_page_and_sees_statuses_and_the_result(stand):
    server, url = serve(create_emulator_app(stand.emulator, _persons(stand)))
    try:
        browser = requests.Session()
        start = browser.get(url + "/portal/")
        assert "Вход через Госуслуги" in start.text and "мать Пети" in start.text
        browser.post(url + "/portal/login", data={"csrf": _csrf(start.text), "oid": "1000000001"})
        form = browser.get(url + "/portal/")
        assert 'value="Пётр"' in form.text  # the child comes pre-filled from the person's children
        with stand.app.app_context():
            kid = stand.world.a1.__class__.get_by_id(stand.world.a1.id)
        filed = browser.post(url + "/portal/apply", data={
            "csrf": _csrf(form.text), "role": "parent", "child_last_name": kid.last_name,
            "child_first_name": kid.first_name, "child_birth_date": kid.birth_date.isoformat(), "period": "current"})
        assert filed.status_code == 200 and "Ответ ещё не получен" in filed.text
        assert "Заявление отправлено в ведомство" in filed.text
        stand.cycle()
        done = browser.get(filed.url)
        assert "Заявление зарегистрировано в электронной школе" in done.text
        assert "Услуга оказана" in done.text and "Математика" in done.text and "5А класс" in done.text
        listing = browser.get(url + "/portal/")
        assert "Услуга оказана" in listing.text
        # without the page's token a form is refused
        assert browser.post(url + "/portal/apply", data={"role": "parent"}).status_code == 400
        # another person cannot open this application
        stranger = requests.Session()
        assert stranger.get(filed.url).status_code == 404
    finally:
        server.shutdown()
        server.server_close()


def test_an_incomplete_form_is_not_sent(stand):
    server, url = serve(create_emulator_app(stand.emulator, _persons(stand)))
    try:
        browser = requests.Session()
        start = browser.get(url + "/portal/")
        browser.post(url + "/portal/login", data={"csrf": _csrf(start.text), "oid": "1000000001"})
        form = browser.get(url + "/portal/")
        refused = browser.post(url + "/portal/apply", data={"csrf": _csrf(form.text), "role": "parent",
                                                            "child_last_name": "", "child_first_name": "",
                                                            "child_birth_date": ""})
        assert refused.status_code == 400 and "форма заполнена не полностью" in refused.text
        assert stand.emulator.store.all("ESCHOOL") == []
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("section,key", [
    ({"it_system": "ЭШКОЛА"}, "it_system"),
    ({"adapter_url": "ftp://adapter"}, "adapter_url"),
    ({"schema_version": "9.9"}, "schema_version"),
    ({"namespace": "http://not-a-urn"}, "namespace"),
    ({"backoff_seconds": 600, "max_backoff_seconds": 60}, "backoff_seconds"),
    ({"polling": 3}, "polling"),
])
def test_bad_settings_stop_start_up_naming_the_key(tmp_path, section, key):
    config = {"eschool": {"region_name": "x", "plugins": ["registries", "gradebook", "portal"],
                          "database_url": f"sqlite:///{tmp_path / 'x.sqlite3'}", "instance_path": str(tmp_path)},
              "portal": section}
    with pytest.raises(ConfigError) as error:
        create_app(config)
    assert key in str(error.value)


def test_a_region_namespace_replaces_the_shipped_one_in_the_schema(make_stand):
    from lxml import etree

    from plugins.portal import payload as p

    spec = p.Spec("1.0.0", "urn://x-artefacts-demo-region/progress-info/1.0.1")
    application = p.Application("N-1", p.parse_datetime("2026-11-25T07:00:00Z"), p.Person("Иванова", "Мария"),
                                "1", "12345678901", "parent", p.Person("Иванов", "Пётр"),
                                p.parse_datetime("2014-03-01T00:00:00").date())
    element = p.build_request(application, spec)
    assert etree.QName(element).namespace == spec.namespace
    with pytest.raises(p.PayloadError):  # the shipped namespace is not the region's
        p.validate(element, "1.0.0", p.default_namespace("1.0.0"))
    assert p.read_request(element, spec).child.first_name == "Пётр"


def test_the_demo_region_links_way_one_of_the_infographic_to_the_portal_page():
    import tomllib
    from pathlib import Path

    demo = tomllib.loads((Path(__file__).resolve().parents[2] / "regions" / "demo.toml").read_text(encoding="utf-8"))
    assert "portal" in demo["eschool"]["plugins"]
    assert demo["infographic"]["portal_url"] == demo["portal"]["adapter_url"] + "portal/"
