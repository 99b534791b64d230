"""Fixtures of the gradebook tests: the world of ``factories.build_world`` and a logged-in client per person."""

import pytest

from core.api import create_api_token
from tests.gradebook.factories import build_world, user_of


@pytest.fixture
def world(app):
    return build_world(app)


@pytest.fixture
def as_(app, client, login):
    """``as_(person)`` logs the test client in as a registry person (staff, parent or student)."""

    def do(person):
        with app.app_context():
            user = user_of(person)
        login(client, user)
        return client

    return do


@pytest.fixture
def bearer(app):
    """``bearer(person)`` → headers with a fresh API token of that registry person's user."""

    def make(person, days=None):
        with app.test_request_context():
            _, token = create_api_token(user_of(person), "test", days=days)
        return {"Authorization": f"Bearer {token}"}

    return make
