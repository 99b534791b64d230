"""Schemathesis against /api/v1/openapi.json: no server errors, answers match the document, auth enforced.

The schema is loaded from the running app (``from_wsgi``) and every operation
is fuzzed with a real parent's bearer token: positive cases (valid by the
document, with random ids and with the parent's own child) and negative ones
(invalid parameters, which must be refused with a 4xx). All of Schemathesis'
built-in checks run, including ``ignored_auth`` (the call repeated without
and with invalid credentials must be refused). Separately, every operation
that declares security is called without credentials and must answer 401.
"""

import time

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings

from core.api import create_api_token
from tests.gradebook.factories import user_of

EXAMPLES = 12  # per operation and mode; about 400 requests, well under a minute


@pytest.fixture
def app(make_app):
    """The fuzzer sends some 400 requests a minute with one token: the rate limit (tests/robustness) is off."""
    return make_app(core={"api_rate_per_token": 0, "api_rate_per_address": 0})


def _run(operation, strategy, headers, counter):
    @given(case=strategy)
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def check(case):
        counter["requests"] += 1
        response = case.call_and_validate(headers=headers)
        assert response.status_code < 500, f"{operation.label}: {response.status_code}"
        counter[response.status_code] = counter.get(response.status_code, 0) + 1

    check()


def test_api_conforms_to_its_openapi_document(app, world):
    with app.test_request_context():
        _, token = create_api_token(user_of(world.parent), "schemathesis")
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    started, counter = time.monotonic(), {"requests": 0}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 7  # me, children, mark changes and four per student
    for operation in operations:
        takes_student = any(p.name == "student_id" for p in operation.path_parameters)
        strategies = [operation.as_strategy(schemathesis.GenerationMode.POSITIVE),
                      operation.as_strategy(schemathesis.GenerationMode.NEGATIVE)]
        if takes_student:
            strategies.append(operation.as_strategy(schemathesis.GenerationMode.POSITIVE,
                                                    path_parameters={"student_id": world.a1.id}))
        for strategy in strategies:
            _run(operation, strategy, headers, counter)
    print(f"\nschemathesis: {len(operations)} operations, {counter['requests']} requests in "
          f"{time.monotonic() - started:.1f} s; statuses: "
          f"{ {k: v for k, v in sorted(counter.items(), key=str) if k != 'requests'} }")
    assert counter.get(200, 0) > 0 and not any(isinstance(k, int) and k >= 500 for k in counter)


def test_every_operation_that_needs_auth_answers_401_without_credentials(app, world):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    client = app.test_client()
    checked = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        needs_auth = operation.definition.raw.get("security", schema.raw_schema.get("security", []))
        path = operation.path.replace("{student_id}", str(world.a1.id))
        answer = client.get(path)
        if needs_auth:
            checked += 1
            assert answer.status_code == 401, path
            assert answer.get_json()["error"] == "unauthorized"
        else:
            assert path == "/api/v1/openapi.json" and answer.status_code == 200
    assert checked >= 7
