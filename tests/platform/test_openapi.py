"""The checked-in OpenAPI document is current (the fuzz run is in test_api_fuzz.py)."""

from __future__ import annotations

import json

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
