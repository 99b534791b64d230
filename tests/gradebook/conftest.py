"""Fixtures of the gradebook tests: the world of ``factories.build_world`` and a logged-in client per person."""

import pytest

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
