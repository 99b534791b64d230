"""The API's rate limit: per token and per address, 429 with Retry-After, counted in the shared database."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from core.api import create_api_token
from tests.gradebook.factories import build_world, user_of

LIMITS = {"api_rate_per_token": 3, "api_rate_per_address": 5}
# 20 s into a minute, the clock standing still: every request of a test falls into the same window
MOMENT = dt.datetime(2026, 11, 25, 7, 30, 20, tzinfo=dt.UTC)


@pytest.fixture
def two_workers(make_app):
    """Two apps on one database, as two gunicorn workers (or two app servers) of a region are."""
    first = make_app(core=LIMITS)
    world = build_world(first)
    second = make_app(core=LIMITS, share_with=first)
    with first.test_request_context():
        tokens = [create_api_token(user_of(world.parent), f"t{n}")[1] for n in range(2)]
    return first, second, world, [{"Authorization": f"Bearer {t}"} for t in tokens]


def test_a_token_over_its_limit_gets_429_with_retry_after_across_workers(two_workers):
    first, second, world, (token, _other) = two_workers
    url = "/api/v1/children"
    with time_machine.travel(MOMENT, tick=False):
        answers = [app.test_client().get(url, headers=token) for app in (first, second, first, second)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert refused.headers["Retry-After"] == "40"
    assert refused.get_json()["error"] == "too_many_requests"
    assert "Слишком много запросов" in refused.get_json()["message"]
    with time_machine.travel(MOMENT + dt.timedelta(seconds=40), tick=False):  # the next minute
        assert second.test_client().get(url, headers=token).status_code == 200


def test_an_address_over_its_limit_is_refused_whatever_token_or_none_it_uses(two_workers):
    first, second, world, (token, other) = two_workers
    url = "/api/v1/children"
    with time_machine.travel(MOMENT, tick=False):
        statuses = [first.test_client().get(url, headers=token).status_code for _ in range(2)]
        statuses += [second.test_client().get(url, headers=other).status_code for _ in range(2)]
        statuses.append(first.test_client().get(url).status_code)  # no token: 401, but counted
        statuses.append(second.test_client().get(url, headers=other).status_code)
        elsewhere = first.test_client().get(url, headers=token, environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert statuses == [200, 200, 200, 200, 401, 429]
    assert elsewhere.status_code == 200  # the same token from another address: its own limit is not reached


def test_pages_outside_the_api_are_not_counted(two_workers):
    first, _second, _world, _tokens = two_workers
    with time_machine.travel(MOMENT, tick=False):
        assert {first.test_client().get("/login").status_code for _ in range(8)} == {200}
