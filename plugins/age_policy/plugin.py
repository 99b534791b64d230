"""Hook implementations of the age_policy plugin."""

from __future__ import annotations

from core.api import Refusal, _, hookimpl, region_today, service, settings
from plugins.age_policy import rules
from plugins.age_policy.schemas import Settings
from plugins.age_policy.service import make_service

PLUGIN = "age_policy"


@hookimpl
def config_schema():
    return Settings


@hookimpl
def services():
    return {"age_policy": make_service()}


@hookimpl
def plugin_requires():
    return ["registries"]


def login_kind(section, provider: str) -> str | None:
    if provider in section["esia_providers"]:
        return "esia"
    if provider in section["school_login_providers"]:
        return "school"
    return None


@hookimpl
def login_rules(identity, user):
    """Students only: the way in depends on their age (from the registry) on the login day.

    Parents and staff are not age-restricted; a provider that is neither
    Gosuslugi nor a school login is "not mine".
    """
    if user.role != "student":
        return None
    section = settings(PLUGIN)
    kind = login_kind(section, identity.provider)
    if kind is None:
        return None
    person = service("registries").person_of(user)
    if person is None or person.birth_date is None:
        return Refusal(
            _("Вход не выполнен: в реестре школы нет вашей даты рождения, поэтому нельзя проверить, каким "
              "способом вам можно входить. Обратитесь к администратору школы."),
            "age_unknown",
        )
    return rules.decide(section, kind, identity.level, person.birth_date, region_today())
