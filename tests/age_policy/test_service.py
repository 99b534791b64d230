"""The age_policy service is how other plugins learn the age rules; none reads age_policy's settings."""

from pathlib import Path

import pytest

from core.api import service

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("section", "min_age", "younger"), [
    ({}, 14.0, "school_login"),
    ({"min_age_esia": 14.5, "child_account_for_younger": True}, 14.5, "school_login_or_child_account"),
    ({"gosuslugi_only": True, "school_login_for_younger": False}, 14.0, "child_account"),
    ({"school_login_for_younger": False, "child_account_for_younger": True}, 14.0, "child_account"),
    ({"school_login_for_younger": False}, 14.0, "parents_only"),
])
def test_the_service_answers_from_the_regions_section(make_app, section, min_age, younger):
    app = make_app(["registries", "age_policy", "infographic"], sections={"age_policy": section})
    with app.test_request_context():
        rules = service("age_policy")
        assert (rules.min_age_esia(), rules.younger_students()) == (min_age, younger)
    page = app.test_client().get("/service").get_data(as_text=True)
    assert ("14 лет и 6 месяцев" in page) == (min_age == 14.5)


def test_without_age_policy_there_is_no_service(make_app):
    app = make_app(["registries", "infographic"])
    with app.test_request_context():
        assert service("age_policy") is None


def test_no_other_plugin_reads_age_policys_settings():
    readers = [str(p.relative_to(ROOT)) for p in (ROOT / "plugins").rglob("*.py")
               if "age_policy" not in p.parts and 'settings("age_policy")' in p.read_text(encoding="utf-8")]
    assert readers == []
