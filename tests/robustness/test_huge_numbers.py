"""Numbers too big for the database, in every route and every query argument, never answer 500.

The walk goes over ``app.url_map`` itself, so a route added tomorrow is walked too,
and the query arguments are every name the code reads from ``request.args``.
"""

from __future__ import annotations

import pathlib
import re

import pytest

from core.api import User
from tests.gradebook.factories import build_world, user_of

# too big for SQLite's 64-bit integers; too big for PostgreSQL's ``integer`` only
HUGE_NUMBERS = ("99999999999999999999999", "9999999999")
ROOT = pathlib.Path(__file__).resolve().parents[2]
ARG_RE = re.compile(r"(?:args|form|values)\.get(?:list)?\(\s*[\"']([a-z_]+)[\"']")
FIELD_RE = re.compile(r"^\s+([a-z_]+) = (?:fields\.Integer|fields\.List|RecordId)\(", re.M)


def query_argument_names() -> list[str]:
    names = set()
    for source in [*ROOT.joinpath("core").rglob("*.py"), *ROOT.joinpath("plugins").rglob("*.py")]:
        text = source.read_text(encoding="utf-8")
        names.update(ARG_RE.findall(text))
        names.update(FIELD_RE.findall(text))
    return sorted(names)


def huge_urls(app, huge: str) -> list[tuple[str, str]]:
    """(method, url) for every rule, each of its arguments replaced by ``huge``."""
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue
        url = re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?([a-z_]+)>", huge, rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            out.append((method, url))
    return out


@pytest.fixture
def eschool_plugins():
    """Every built-in plugin, so every route of the distribution is walked."""
    from core.testing import builtin_plugins

    return builtin_plugins()


@pytest.fixture
def people(app):
    world = build_world(app)
    with app.app_context():
        users = {name: user_of(getattr(world, name)) for name in ("admin", "teacher", "deputy", "municipal", "parent")}
        users["operator"] = User.create(display_name="Оператор", role="operator")
    return users


def test_query_argument_names_are_found():
    names = query_argument_names()
    assert {"page", "school", "year", "period"} <= set(names)


@pytest.mark.parametrize("huge", HUGE_NUMBERS)
def test_every_route_answers_4xx_to_numbers_too_big_for_the_database(app, people, login, huge):
    names = query_argument_names()
    query = "&".join(f"{name}={huge}" for name in names)
    failures = []
    walked = 0
    for who in [None, *people]:
        client = app.test_client()
        if who:
            login(client, people[who])
        for method, url in huge_urls(app, huge):
            for target in (url, f"{url}?{query}"):
                if method == "GET":
                    response = client.get(target)
                else:
                    response = client.open(target, method=method, data={n: huge for n in names})
                walked += 1
                provider_down = response.status_code == 503 and target.startswith("/auth/esia/")  # no emulator
                if response.status_code >= 500 and not provider_down:
                    failures.append(f"{who or 'anonymous'} {method} {target[:120]} → {response.status_code}")
    print(f"\n{walked} requests with {huge}; {len(failures)} answered 5xx")
    assert walked > 300
    assert failures == [], "\n".join(failures)
