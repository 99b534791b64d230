"""registries decides the org.*/staff.* actions it owns and leaves other plugins' actions of those prefixes alone."""

import types

import pytest

from core.api import allow, can, hookimpl
from core.auth import load_actor, open_session
from core.models import User
from plugins.registries.access import ORG_ACTIONS


def timetable_plugin() -> types.ModuleType:
    """Another plugin that defines its own staff action and lets teachers do it."""
    plugin = types.ModuleType("timetable")

    @hookimpl
    def permission(actor, action, resource):
        if action == "staff.timetable.edit" and actor.role == "teacher":
            return allow("teachers edit their timetable")
        return None

    plugin.permission = permission
    return plugin


@pytest.fixture
def region(make_app):
    return make_app(["registries", "timetable"], extra={"timetable": timetable_plugin()})


def actor(app, role):
    user = User.create(display_name=f"Тест {role}", role=role)
    return load_actor(open_session(user, "test"))


def test_another_plugin_grants_a_staff_action_it_defines(region):
    with region.test_request_context():
        teacher, deputy = actor(region, "teacher"), actor(region, "deputy")
        assert can(teacher, "staff.timetable.edit", None)
        assert not can(deputy, "staff.timetable.edit", None)  # nobody allowed it: default deny


def test_registries_still_decides_the_actions_it_owns(region):
    with region.test_request_context():
        teacher, operator = actor(region, "teacher"), actor(region, "operator")
        assert set(ORG_ACTIONS) == {"org.read", "org.write", "staff.read", "staff.write"}
        assert not can(teacher, "org.write", None) and can(operator, "org.write", None)
        assert not can(teacher, "staff.create.teacher", None)
        assert not can(teacher, "staff.read", None)
