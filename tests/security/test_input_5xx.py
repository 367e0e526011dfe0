"""Issue 16, point 2: no input makes the API answer 5xx.

Each class an outside tester found gets a direct test here (the fuzz run in
tests/platform/test_openapi.py reaches them too, but by chance): ids beyond 64 bits in the path,
dates at year 1 or 9999, non-ASCII names in downloads, deeply nested JSON, lone surrogates, and
a text field where a file is expected.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import marshmallow as ma
import pytest

from xunjian.org.models import Building, Property
from xunjian.web import fields
from xunjian.web.smorest import Schema

API = "/api/v1"


def assert_4xx(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert set(response.json) == {"code", "message", "details"}
    return response.json


# --- ids in the path ----------------------------------------------------------------------


@pytest.mark.parametrize("ident", [2**31, 2**63, 10**20, 2**64 + 1])
def test_path_ids_beyond_the_database_range_are_not_found(as_user, demo, ident):
    admin = as_user("admin")
    assert_4xx(admin.get(f"{API}/properties/{ident}"), 404)
    assert_4xx(admin.get(f"{API}/patrol/runs/{ident}"), 404)
    assert_4xx(admin.get(f"{API}/requests/{ident}"), 404)
    assert_4xx(admin.post(f"{API}/renovation/notices/{ident}/issue", json={}), 404)


def test_integers_in_bodies_and_queries_stay_in_the_database_range(as_user, demo):
    admin = as_user("admin")
    body = assert_4xx(admin.get(f"{API}/buildings?property_id={2**63}"), 422)
    assert "property_id" in json.dumps(body["details"])
    assert_4xx(admin.post(f"{API}/buildings", json={"property_id": 2**70, "code": "X"}), 422)


# --- dates and months ---------------------------------------------------------------------


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_days_at_the_ends_of_the_calendar_are_refused(as_user, demo, day):
    fm = as_user("admin")
    prop = f"{API}/patrol/properties/{demo.cuihu}"
    for url in (
        f"{prop}/register?date={day}",
        f"{prop}/register.csv?date={day}",
        f"{prop}/board?date={day}",
        f"{prop}/completion?from={day}&to={day}",
        f"{API}/properties/{demo.cuihu}/workorder-metrics?start={day}&end={day}",
        f"{API}/evidence?day={day}",
    ):
        body = assert_4xx(fm.get(url), 422)
        assert "2000-01-01" in json.dumps(body["details"]), url
    assert_4xx(fm.post(f"{prop}/storm-days", json={"day": day}), 422)


@pytest.mark.parametrize("month", ["0001-01", "9999-12"])
def test_months_at_the_ends_of_the_calendar_are_refused(as_user, demo, month):
    admin = as_user("admin")
    for url in (
        f"{API}/patrol/properties/{demo.cuihu}/spot-check-compliance?month={month}",
        f"{API}/patrol/properties/{demo.cuihu}/spot-checks?month={month}",
        f"{API}/properties/{demo.cuihu}/workorder-metrics?month={month}",
    ):
        assert_4xx(admin.get(url), 422)


@pytest.mark.parametrize(
    "when", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00", "9999-12-31T23:00:00Z"]
)
def test_instants_at_the_ends_of_the_calendar_are_refused(as_user, demo, when):
    admin = as_user("admin")
    response = admin.post(
        f"{API}/devices/heartbeat",
        json={"device_id": "fuzz-1", "oldest_pending_at": when},
    )
    assert_4xx(response, 422)
    loaded = _BoundedInstant().validate({"at": when})
    assert loaded == {"at": ["Use a date between 2000-01-01 and 2099-12-31."]}


class _BoundedInstant(Schema):
    at = fields.AwareDateTime()


def _schemas() -> list[type[Schema]]:
    from xunjian.app import _area_blueprints

    _area_blueprints()  # imports every area's routes, and so every schema
    found, todo = [], [Schema]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def test_every_schema_uses_the_bounded_date_types():
    """The same class elsewhere: no loadable date, datetime or month escapes the bounds."""
    unbounded = []
    for cls in _schemas():
        if cls.__module__.startswith("tests."):
            continue
        for name, field in cls().load_fields.items():
            inner = getattr(field, "inner", field)
            if isinstance(inner, ma.fields.Date) and not isinstance(inner, fields.Date):
                unbounded.append(f"{cls.__name__}.{name}")
            if isinstance(inner, ma.fields.DateTime) and not isinstance(
                inner, fields.AwareDateTime
            ):
                unbounded.append(f"{cls.__name__}.{name}")
    assert not unbounded


# --- file names in downloads --------------------------------------------------------------


def test_download_names_in_any_script_are_sent_as_rfc6266(as_user, demo, session):
    prop = session.get(Property, demo.cuihu)
    prop.code = '翠湖"天地\r\n'
    building = session.query(Building).filter_by(property_id=demo.cuihu).first()
    building.code = "一栋"
    session.commit()
    admin = as_user("admin")
    for url in (
        f"{API}/patrol/properties/{demo.cuihu}/labels.pdf?building_id={building.id}",
        f"{API}/patrol/properties/{demo.cuihu}/register.csv",
        f"{API}/patrol/properties/{demo.cuihu}/routes/export?format=json",
    ):
        response = admin.get(url)
        assert response.status_code == 200, (url, response.get_data(as_text=True)[:300])
        header = response.headers["Content-Disposition"]
        # gunicorn refuses a header value it cannot encode and drops the whole response.
        header.encode("ascii")
        assert "filename*=UTF-8''" in header and "%E7%BF%A0%E6%B9%96" in header, header
        assert "\r" not in header and "\n" not in header


# --- JSON that is too deep ----------------------------------------------------------------


@pytest.mark.parametrize("depth", [40, 900, 5000])
def test_deeply_nested_json_is_a_400(as_user, client, demo, depth):
    nested = "[" * depth + "]" * depth
    body = '{"username": "admin", "password": ' + nested + "}"
    response = client.post(f"{API}/auth/login", data=body, content_type="application/json")
    assert assert_4xx(response, 400)["code"] == "malformed_json"
    response = as_user("admin").post(
        f"{API}/patrol/properties/{demo.cuihu}/storm-days",
        data='{"day": "2026-11-24", "note": ' + nested + "}",
        content_type="application/json",
    )
    assert_4xx(response, 400)


def test_deeply_nested_import_files_are_refused(as_user, demo):
    nested = "[" * 900 + "]" * 900
    for fmt in ("json", "yaml"):
        response = as_user("admin").post(
            f"{API}/patrol/properties/{demo.cuihu}/routes/import",
            json={"format": fmt, "content": nested},
        )
        assert 400 <= response.status_code < 500, response.get_data(as_text=True)[:300]


# --- lone surrogates ----------------------------------------------------------------------


def test_lone_surrogates_are_refused_on_login(client):
    for username in ("\ud800", "admin\udfff"):
        response = client.post(
            f"{API}/auth/login", json={"username": username, "password": "x\ud83d"}
        )
        body = assert_4xx(response, 422)
        assert "surrogate" in json.dumps(body["details"])


def test_lone_surrogates_are_refused_in_any_body(as_user, demo):
    admin = as_user("admin")
    response = admin.post(
        f"{API}/patrol/properties/{demo.cuihu}/storm-days",
        json={"day": "2026-11-24", "note": "台风\udc00"},
    )
    assert_4xx(response, 422)
    response = admin.post(
        f"{API}/buildings",
        data='{"property_id": ' + str(demo.cuihu) + ', "code": "B", "\\ud800": 1}',
        content_type="application/json",
    )
    assert_4xx(response, 422)


# --- a text field where a file is expected ------------------------------------------------


def test_a_text_field_in_place_of_the_photo_is_a_422(as_user, demo):
    response = as_user("admin").post(
        f"{API}/evidence",
        data={
            "file": "not a file",
            "client_id": str(uuid.uuid4()),
            "sha256": "0" * 64,
            "property_id": str(demo.cuihu),
            "context_type": "patrol_finding",
        },
        content_type="multipart/form-data",
    )
    body = assert_4xx(response, 422)
    assert "file" in json.dumps(body["details"])
