"""The checked-in OpenAPI document is current, and the API survives schemathesis."""

from __future__ import annotations

import json

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from xunjian.cli import openapi_text
from xunjian.config import REPO_ROOT


def test_checked_in_openapi_is_current():
    committed = (REPO_ROOT / "schemas" / "openapi.json").read_text(encoding="utf-8")
    assert json.loads(committed) == json.loads(openapi_text()), (
        "schemas/openapi.json is stale: run `xunjian openapi` and commit the result"
    )


def test_served_openapi_matches(client):
    served = client.get("/api/openapi.json")
    assert served.status_code == 200
    assert served.json["paths"].keys() == json.loads(openapi_text())["paths"].keys()


@pytest.fixture
def fuzz_app(app, token_for):
    """The app with an admin token added to every request, so fuzzing reaches the views."""
    headers = token_for("admin")

    class WithAuth:
        def __init__(self, wsgi):
            self.wsgi = wsgi

        def __call__(self, environ, start_response):
            environ.setdefault("HTTP_AUTHORIZATION", headers["Authorization"])
            return self.wsgi(environ, start_response)

    app.wsgi_app = WithAuth(app.wsgi_app)
    return app


def test_api_never_answers_5xx(fuzz_app):
    """Every operation, bounded examples each: no 5xx, and every error in our one shape.

    Driven through schemathesis' Python API (one hypothesis run per operation) rather than its
    pytest plugin, which does not support the pytest version we run.
    """
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", fuzz_app)
    failures = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        def fuzz(case):
            response = case.call()
            if response.status_code >= 500:
                failures.append(
                    (case.method, case.formatted_path, response.status_code, response.text[:300])
                )
                return
            if response.status_code >= 400:
                assert set(response.json()) == {"code", "message", "details"}, response.text[:300]

        fuzz()
    assert not failures, failures
