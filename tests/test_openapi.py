"""The OpenAPI description stays true to the routes, and random requests built from it never
make the server fail (a property-based run with Schemathesis)."""

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from server.api.openapi import build_spec
from tests.factories import PASSWORD
from tests.small_city import build_small_city
from tests.sync_client import pair


def api_routes(app) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        routes |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    return routes


def test_every_route_is_described_and_nothing_else(app):
    spec = build_spec()
    described = {(path, method) for path, ops in spec["paths"].items() for method in ops}
    assert described == api_routes(app)


def test_the_description_is_served(client):
    reply = client.get("/api/v1/openapi.json")
    assert reply.status_code == 200 and reply.get_json()["openapi"].startswith("3.")


@pytest.fixture
def paired(client, app_ctx):
    build_small_city()
    return pair(client, "insp_a", PASSWORD)


def test_random_requests_never_cause_a_server_error(app, paired):
    """Bodies, queries and headers drawn from the description, sent with a valid token."""
    api = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    checked = []
    for result in api.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=30, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def exercise(case):
            case.headers = {**paired.headers, **(case.headers or {})}
            response = case.call()
            assert response.status_code < 500, (case.method, case.path, response.text)
            if response.status_code >= 400:
                assert "error" in response.json()

        exercise()
        checked.append((operation.path, operation.method.lower()))
    # Schemathesis leaves out the description itself.
    assert set(checked) == api_routes(app) - {("/openapi.json", "get")}, checked
