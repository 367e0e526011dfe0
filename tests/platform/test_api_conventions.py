"""Error shape, bad input, idempotent creates, ETags, pagination."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from xunjian.audit import AuditEntry
from xunjian.org.models import Building, Floor


def _count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def assert_error(response, status, code=None):
    assert response.status_code == status, response.get_data(as_text=True)
    assert set(response.json) == {"code", "message", "details"}
    assert response.json["message"]
    if code:
        assert response.json["code"] == code


@pytest.fixture
def admin(as_user):
    return as_user("admin")


def new_building(admin, property_id, **extra):
    body = {
        "property_id": property_id,
        "code": f"B{uuid.uuid4().hex[:6]}",
        "name_zh": "测试楼",
        **extra,
    }
    r = admin.post("/api/v1/buildings", json=body)
    assert r.status_code == 201, r.json
    return r


def test_malformed_json(admin, session):
    before = _count(session, Building)
    r = admin.post(
        "/api/v1/buildings", data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert_error(r, 400, "malformed_json")
    assert _count(session, Building) == before


@pytest.mark.parametrize(
    "body",
    [
        {"property_id": "one", "code": "X", "name_zh": "x"},  # wrong type
        {"property_id": 1, "code": "X", "name_zh": "x", "colour": "red"},  # unknown field
        {"property_id": 1, "code": "", "name_zh": "x"},  # empty code
        {"property_id": 1, "code": "X", "name_zh": "x", "latitude": 123},  # out of range
        {"code": "X", "name_zh": "x"},  # missing field
        {"property_id": 1, "code": "X", "name_zh": "x\x00y"},  # NUL: PostgreSQL refuses it
        [],
    ],
)
def test_invalid_bodies_are_422_and_change_nothing(admin, session, body):
    before = _count(session, Building), _count(session, AuditEntry)
    r = admin.post("/api/v1/buildings", json=body)
    assert_error(r, 422, "validation_error")
    assert "fields" in r.json["details"]
    assert (_count(session, Building), _count(session, AuditEntry)) == before


def test_nul_in_the_address_is_refused(admin):
    assert_error(admin.get("/api/v1/buildings?cursor=a%00b"), 422, "validation_error")
    assert_error(admin.get("/api/v1/users/by-name/a%00b"), 422, "validation_error")


def test_oversized_body_is_413(admin, app):
    limit = app.extensions["xunjian"].settings.max_request_bytes
    r = admin.post(
        "/api/v1/buildings", data=b"x" * (limit + 1), headers={"Content-Type": "application/json"}
    )
    assert_error(r, 413, "payload_too_large")


def test_bad_cursor_and_limit(admin):
    assert_error(admin.get("/api/v1/units?cursor=garbage!!"), 422, "bad_cursor")
    assert_error(admin.get("/api/v1/units?cursor=eyJrIjoiYSJ9"), 422, "bad_cursor")
    assert_error(admin.get("/api/v1/units?limit=0"), 422, "validation_error")
    assert_error(admin.get("/api/v1/units?limit=abc"), 422, "validation_error")


def test_keyset_pagination_walks_every_row_once(admin, demo):
    seen, cursor = [], None
    while True:
        r = admin.get("/api/v1/units?limit=3" + (f"&cursor={cursor}" if cursor else ""))
        assert r.status_code == 200
        seen += [u["id"] for u in r.json["items"]]
        cursor = r.json["next_cursor"]
        if cursor is None:
            break
    everything = admin.get("/api/v1/units?limit=200").json["items"]
    assert seen == sorted(seen) == [u["id"] for u in everything]
    assert len(seen) > 3


def test_unknown_url_and_method(admin):
    assert_error(admin.get("/api/v1/nothing-here"), 404, "not_found")
    assert_error(admin.open("PUT", "/api/v1/properties"), 405, "method_not_allowed")


def test_replayed_create_returns_the_original(admin, demo, session):
    client_id = str(uuid.uuid4())
    body = {
        "client_id": client_id,
        "property_id": demo.cuihu,
        "code": "REPLAY",
        "name_zh": "重放楼",
    }
    first = admin.post("/api/v1/buildings", json=body)
    second = admin.post("/api/v1/buildings", json=body)
    assert first.status_code == second.status_code == 201
    assert first.json == second.json
    assert second.headers["Idempotent-Replay"] == "true"
    assert session.scalar(select(func.count()).where(Building.code == "REPLAY")) == 1


def test_idempotency_key_header(admin, demo, session):
    building = new_building(admin, demo.cuihu).json
    key = str(uuid.uuid4())
    url = f"/api/v1/buildings/{building['id']}/floors"
    a = admin.post(url, json={"level": 7, "name": "7F"}, headers={"Idempotency-Key": key})
    b = admin.post(url, json={"level": 7, "name": "7F"}, headers={"Idempotency-Key": key})
    assert a.status_code == b.status_code == 201 and a.json["id"] == b.json["id"]
    assert session.scalar(select(func.count()).where(Floor.building_id == building["id"])) == 1
    assert_error(
        admin.post(url, json={"level": 8, "name": "8F"}, headers={"Idempotency-Key": "nope"}), 422
    )


def test_duplicate_natural_key_is_409(admin, demo):
    new_building(admin, demo.cuihu, code="DUP")
    r = admin.post(
        "/api/v1/buildings", json={"property_id": demo.cuihu, "code": "DUP", "name_zh": "x"}
    )
    assert_error(r, 409, "conflict")


def test_etag_flow(admin, demo):
    created = new_building(admin, demo.cuihu)
    url = f"/api/v1/buildings/{created.json['id']}"
    etag = admin.get(url).headers["ETag"]
    assert etag == created.headers.get("ETag", etag)
    assert_error(admin.patch(url, json={"name_en": "A"}), 428, "if_match_required")
    ok = admin.patch(url, json={"name_en": "A"}, headers={"If-Match": etag})
    assert ok.status_code == 200 and ok.headers["ETag"] != etag
    stale = admin.patch(url, json={"name_en": "B"}, headers={"If-Match": etag})
    assert_error(stale, 412, "stale_etag")
    assert admin.get(url).json["name_en"] == "A"
    assert_error(admin.patch(url, json={"name_en": "C"}, headers={"If-Match": '"garbage"'}), 412)


def test_audit_records_changes_and_is_append_only(admin, demo, session, as_user):
    created = new_building(admin, demo.cuihu).json
    rows = (
        as_user("sup1")
        .get(f"/api/v1/audit?entity_type=buildings&entity_id={created['id']}")
        .json["items"]
    )
    assert [r["action"] for r in rows] == ["create"]
    assert rows[0]["after"]["code"] == created["code"]
    assert_error(as_user("fm1").get("/api/v1/audit"), 403, "forbidden")
    entry = session.scalar(select(AuditEntry).where(AuditEntry.entity_id == str(created["id"])))
    entry.action = "tampered"
    with pytest.raises(Exception, match="append-only"):
        session.flush()
    session.rollback()
