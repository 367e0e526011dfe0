"""Routes: ordered stops, schedule windows, who may run them; YAML/JSON import and export."""

from __future__ import annotations

import json
import uuid

import yaml

from tests.patrol.conftest import assert_error


def _route_body(site, **extra):
    return {
        "client_id": str(uuid.uuid4()),
        "code": "R-DAY",
        "name_zh": "1栋日间巡楼",
        "stops": [{"checkpoint_id": c.id, "expected_minutes": 3} for c in site.checkpoints],
        "windows": [
            {"weekdays": [1, 2, 3, 4, 5], "start": "08:00", "end": "12:00"},
            {"weekdays": [1, 2, 3, 4, 5], "start": "13:00", "end": "16:40"},
            {"weekdays": [6], "start": "23:00", "end": "02:00", "start_tolerance_minutes": 5},
        ],
        **extra,
    }


def test_create_and_update_a_route(site, as_user, demo):
    sup = as_user("sup1")
    url = f"/api/v1/patrol/properties/{demo.cuihu}/routes"
    created = sup.post(url, json=_route_body(site))
    assert created.status_code == 201, created.json
    body = created.json
    assert [s["position"] for s in body["stops"]] == [1, 2, 3, 4]
    assert body["windows"][0] == {
        "weekdays": [1, 2, 3, 4, 5],
        "start": "08:00:00",
        "end": "12:00:00",
        "start_tolerance_minutes": 15,
    }
    assert len(body["windows"]) == 3
    item = f"/api/v1/patrol/routes/{body['id']}"
    reordered = sup.patch(
        item,
        json={"stops": [{"checkpoint_id": c.id} for c in reversed(site.checkpoints)]},
        headers={"If-Match": created.headers["ETag"]},
    )
    assert reordered.status_code == 200, reordered.json
    assert [s["checkpoint_id"] for s in reordered.json["stops"]] == [
        c.id for c in reversed(site.checkpoints)
    ]
    assert reordered.headers["ETag"] != created.headers["ETag"]  # children changed: new ETag
    assert_error(
        sup.patch(item, json={"name_en": "x"}, headers={"If-Match": created.headers["ETag"]}), 412
    )
    assert_error(as_user("fm1").patch(item, json={"name_en": "x"}, headers={"If-Match": "*"}), 403)
    assert as_user("fm1").get(item).status_code == 200


def test_route_rules(site, as_user, demo):
    sup = as_user("sup1")
    url = f"/api/v1/patrol/properties/{demo.cuihu}/routes"
    cp = site.checkpoints
    twice = _route_body(site, stops=[{"checkpoint_id": cp[0].id}, {"checkpoint_id": cp[0].id}])
    assert_error(sup.post(url, json=twice), 422)
    overlap = _route_body(
        site,
        windows=[
            {"weekdays": [1], "start": "08:00", "end": "12:00"},
            {"weekdays": [1], "start": "11:00", "end": "13:00"},
        ],
    )
    assert "overlap" in assert_error(sup.post(url, json=overlap), 422)["message"]
    # Night windows wrap past midnight (and past Sunday into Monday).
    wrap = _route_body(
        site,
        windows=[
            {"weekdays": [7], "start": "23:00", "end": "02:00"},
            {"weekdays": [1], "start": "01:00", "end": "03:00"},
        ],
    )
    assert_error(sup.post(url, json=wrap), 422)
    assert_error(sup.post(url, json=_route_body(site, stops=[])), 422)
    assert_error(sup.post(url, json=_route_body(site, allowed_roles=["pilot"])), 422)
    foreign_user = as_user("sup1").get("/api/v1/auth/me").json["id"]
    assert_error(sup.post(url, json=_route_body(site, allowed_user_ids=[foreign_user + 999])), 422)
    assert sup.post(url, json=_route_body(site)).status_code == 201
    assert_error(sup.post(url, json=_route_body(site)), 409, "duplicate_code")


ROUTES_YAML = """\
version: 1
property: CUIHU
routes:
  - code: R-YAML
    name_zh: 夜间巡逻
    name_en: Night round
    allowed_roles: [night_duty, guard]
    allowed_users: [fm1]
    stops:
      - {checkpoint: T1}
      - {checkpoint: T2, expected_minutes: 4}
      - {checkpoint: T3, expected_minutes: 4}
    windows:
      - weekdays: [1, 2, 3, 4, 5, 6, 7]
        start: "23:00"
        end: "02:00"
        start_tolerance_minutes: 20
      - {weekdays: [6, 7], start: "14:00", end: 16:00}
"""


def _import(client, property_id, content, fmt="yaml"):
    return client.post(
        f"/api/v1/patrol/properties/{property_id}/routes/import",
        json={"format": fmt, "content": content},
    )


def test_import_export_round_trip(site, as_user, demo):
    sup = as_user("sup1")
    first = _import(sup, demo.cuihu, ROUTES_YAML)
    assert first.status_code == 200, first.json
    assert first.json == {"created": ["R-YAML"], "updated": [], "unchanged": []}
    again = _import(sup, demo.cuihu, ROUTES_YAML)
    assert again.json == {"created": [], "updated": [], "unchanged": ["R-YAML"]}

    exported = sup.get(f"/api/v1/patrol/properties/{demo.cuihu}/routes/export")
    assert exported.status_code == 200
    assert exported.mimetype == "application/yaml"
    document = yaml.safe_load(exported.data)
    (route,) = [r for r in document["routes"] if r["code"] == "R-YAML"]
    assert route["allowed_users"] == ["fm1"]
    assert [s["checkpoint"] for s in route["stops"]] == ["T1", "T2", "T3"]
    assert {
        "weekdays": [6, 7],
        "start": "14:00",
        "end": "16:00",
        "start_tolerance_minutes": 15,
    } in route["windows"]
    # Unquoted 16:00 (YAML 1.1 sexagesimal 960) was read as minutes; exported quoted.
    assert '"16:00"' in exported.get_data(as_text=True) or "'16:00'" in exported.get_data(
        as_text=True
    )

    as_json = sup.get(f"/api/v1/patrol/properties/{demo.cuihu}/routes/export?format=json")
    assert as_json.mimetype == "application/json"
    unchanged = _import(sup, demo.cuihu, as_json.get_data(as_text=True), "json")
    assert "R-YAML" in unchanged.json["unchanged"]

    changed = ROUTES_YAML.replace("name_en: Night round", "name_en: Night patrol")
    assert _import(sup, demo.cuihu, changed).json["updated"] == ["R-YAML"]
    routes = sup.get(f"/api/v1/patrol/properties/{demo.cuihu}/routes").json["items"]
    assert [r["name_en"] for r in routes if r["code"] == "R-YAML"] == ["Night patrol"]


def test_import_errors_name_the_line(site, as_user, demo):
    sup = as_user("sup1")
    broken = ROUTES_YAML.replace("expected_minutes: 4}", "expected_minutes: -4}", 1)
    body = assert_error(_import(sup, demo.cuihu, broken), 422, "schema_mismatch")
    (problem,) = body["details"]["problems"]
    assert problem["line"] == 11 and "stops[1]" in problem["path"]

    unknown = ROUTES_YAML.replace("checkpoint: T3", "checkpoint: NOPE")
    body = assert_error(_import(sup, demo.cuihu, unknown), 422, "schema_mismatch")
    assert "NOPE" in body["message"]
    other = ROUTES_YAML.replace("property: CUIHU", "property: JINRONG")
    assert_error(_import(sup, demo.cuihu, other), 422)
    assert_error(_import(sup, demo.cuihu, "routes: [unclosed"), 422)
    assert_error(_import(sup, demo.cuihu, json.dumps({"routes": []}), "json"), 422)
    assert_error(_import(as_user("fm1"), demo.cuihu, ROUTES_YAML), 403)
