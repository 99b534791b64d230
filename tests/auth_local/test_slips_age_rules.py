"""The slips page follows the region's age rules (issue 16, item 4), tested in both example regions.

Per student it says what the rules (service ``"age_policy"``) make of a school login: allowed, allowed but
Gosuslugi is the better way (14+), or refused at the door; it issues only what the rules allow unless the
admin deliberately ticks «Всё равно выдать»; and what it says matches what the login then does.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from lxml import html

from core.models import AuditRecord
from tests.age_policy.support import (
    FAST_HASHING,
    PLUGINS,
    School,
    fake_esia,
    local_login,
    logged_in,
    region_today,
    years_ago,
)
from tests.support import finish_job

ROOT = Path(__file__).resolve().parents[2]


def region_rules(name: str) -> dict:
    return tomllib.loads((ROOT / "regions" / name).read_text(encoding="utf-8"))["age_policy"]


def slips_of(text: str) -> list[tuple[str, str, str]]:
    return re.findall(r'<p class="slip-name">(.*?)</p>.*?<dd class="slip-login">(.*?)</dd>.*?'
                      r'<dd class="slip-password">(.*?)</dd>', text, re.S)


@pytest.fixture
def region(make_app, login):
    def build(name: str):
        app = make_app(PLUGINS, sections={"auth_local": FAST_HASHING, "age_policy": region_rules(name)},
                       extra={"fake_esia": fake_esia})
        school = School(app)
        klass = school.school_class(9, "А")
        today = region_today(app)
        younger = school.student(years_ago(today, 13, 11), klass, last="Младшев", first="Илья")
        older = school.student(years_ago(today, 15), klass, last="Старшева", first="Анна")
        admin = app.test_client()
        login(admin, school.admin())
        return app, klass, younger, older, admin

    return build


def age_cells(admin, klass) -> dict[str, str]:
    tree = html.fromstring(admin.get(f"/local/classes/{klass.id}").get_data(as_text=True))
    return {" ".join(tr.xpath("string(td[1])").split()): " ".join(tr.xpath("string(td[4])").split())
            for tr in tree.xpath("//table[@class='data']/tbody/tr")}


def test_school_logins_region_issues_to_all_and_says_14_plus_should_rather_use_gosuslugi(region):
    app, klass, younger, older, admin = region("example-school-logins.toml")
    cells = age_cells(admin, klass)
    assert cells[younger.full_name] == "вход по логину разрешён"
    assert "лучше входить через Госуслуги" in cells[older.full_name]
    page = admin.get(f"/local/classes/{klass.id}").get_data(as_text=True)
    assert "despite_age_rules" not in page  # nobody is refused, so there is nothing to override
    assert "1 учащемуся уже можно входить через Госуслуги" in page
    issued = finish_job(admin, admin.post(f"/local/classes/{klass.id}/issue", data={"mode": "new"}))
    assert issued.status_code == 200
    slips = slips_of(issued.get_data(as_text=True))
    assert sorted(s[0] for s in slips) == sorted([younger.full_name, older.full_name])
    for _name, login_name, password in slips:  # both logins work, as the page said
        client = app.test_client()
        local_login(client, login_name, password)
        assert logged_in(client)


def test_gosuslugi_only_region_issues_nothing_unless_the_admin_deliberately_chooses_to(region):
    app, klass, younger, older, admin = region("example-gosuslugi-only.toml")
    cells = age_cells(admin, klass)
    assert all("будет отклонён" in cells[s.full_name] for s in (younger, older))
    page = admin.get(f"/local/classes/{klass.id}").get_data(as_text=True)
    assert "2 учащимся из класса вход по школьному логину не разрешён" in page and "despite_age_rules" in page
    held = admin.post(f"/local/classes/{klass.id}/issue", data={"mode": "new"})
    assert held.status_code == 302
    with app.app_context():
        assert AuditRecord.select().where(AuditRecord.action == "credentials.issue").count() == 0
    assert "2 учащимся логины не выданы" in admin.get(held.headers["Location"]).get_data(as_text=True)
    chosen = finish_job(admin, admin.post(f"/local/classes/{klass.id}/issue",
                                          data={"mode": "new", "despite_age_rules": "1"}))
    slips = slips_of(chosen.get_data(as_text=True))
    assert len(slips) == 2
    with app.app_context():
        records = list(AuditRecord.select().where(AuditRecord.action == "credentials.issue"))
    assert len(records) == 2 and all('"despite_age_rules": true' in r.details for r in records)
    for _name, login_name, password in slips:  # and the door refuses them, as the page warned
        client = app.test_client()
        local_login(client, login_name, password)
        assert not logged_in(client)


def test_a_mixed_class_gets_slips_only_for_those_the_rules_allow(region, make_app, login):
    app = make_app(PLUGINS, sections={"auth_local": FAST_HASHING,
                                      "age_policy": {"school_login_for_older": False}},
                   extra={"fake_esia": fake_esia})
    school = School(app)
    klass = school.school_class(9, "Б")
    today = region_today(app)
    younger = school.student(years_ago(today, 13, 11), klass, last="Младшев", first="Илья")
    older = school.student(years_ago(today, 14), klass, last="Старшева", first="Анна")
    admin = app.test_client()
    login(admin, school.admin())
    cells = age_cells(admin, klass)
    assert cells[younger.full_name] == "вход по логину разрешён" and "будет отклонён" in cells[older.full_name]
    response = finish_job(admin, admin.post(f"/local/classes/{klass.id}/issue", data={"mode": "new"}))
    text = response.get_data(as_text=True)
    assert [s[0] for s in slips_of(text)] == [younger.full_name]
    assert "1 учащемуся логин не выдан" in text


def reset_records(app) -> list[AuditRecord]:
    with app.app_context():
        return list(AuditRecord.select().where(AuditRecord.action == "credentials.reset").order_by(AuditRecord.id))


def test_a_single_reset_follows_the_gosuslugi_only_rules_unless_deliberately_overridden(region):
    app, klass, younger, older, admin = region("example-gosuslugi-only.toml")
    finish_job(admin, admin.post(f"/local/classes/{klass.id}/issue", data={"mode": "new", "despite_age_rules": "1"}))
    page = admin.get(f"/local/classes/{klass.id}").get_data(as_text=True)
    forms = html.fromstring(page).xpath("//form[contains(@action, '/reset')]")
    assert len(forms) == 2 and all(f.xpath(".//input[@name='despite_age_rules']") for f in forms)
    refused = admin.post(f"/local/students/{older.id}/reset")
    assert refused.status_code == 302 and refused.headers["Location"] == f"/local/classes/{klass.id}"
    told = admin.get(refused.headers["Location"]).get_data(as_text=True)
    assert "Старшева Анна: новый пароль не выдан" in told and "будет отклонён" in told
    assert slips_of(told) == []
    [record] = reset_records(app)
    assert record.result == "refused" and '"age_rules": "refused"' in record.details
    chosen = admin.post(f"/local/students/{older.id}/reset", data={"despite_age_rules": "1"})
    assert chosen.status_code == 200
    [(name, _login, _password)] = slips_of(chosen.get_data(as_text=True))
    assert name == older.full_name
    second = reset_records(app)[-1]
    assert second.result == "ok" and '"despite_age_rules": true' in second.details


def test_a_single_reset_in_the_school_logins_region_is_given_and_not_marked_as_an_override(region):
    app, klass, younger, older, admin = region("example-school-logins.toml")
    finish_job(admin, admin.post(f"/local/classes/{klass.id}/issue", data={"mode": "new"}))
    page = admin.get(f"/local/classes/{klass.id}").get_data(as_text=True)
    assert "despite_age_rules" not in page  # nobody is refused: no override is offered, not even per student
    for student, verdict in ((younger, "allowed"), (older, "prefer_gosuslugi")):
        reset = admin.post(f"/local/students/{student.id}/reset")
        assert reset.status_code == 200
        [(name, login_name, password)] = slips_of(reset.get_data(as_text=True))
        assert name == student.full_name
        record = reset_records(app)[-1]
        assert record.result == "ok" and f'"age_rules": "{verdict}"' in record.details
        assert "despite_age_rules" not in record.details
        client = app.test_client()
        local_login(client, login_name, password)
        assert logged_in(client)
