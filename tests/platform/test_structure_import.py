"""Importing a property's structure from the browser: POST /properties/{id}/structure/import
takes the file's text, reports what it created, is idempotent, and refuses a bad file with each
problem's line, or a file of another property."""

from __future__ import annotations

import uuid
from typing import Any

P = "/api/v1/properties"

GOOD_YAML = """property:
  code: NEWP
  name_zh: 新项目
buildings:
  - code: A
    name_zh: A栋
    floors:
      - level: 1
        name: 1F
        units:
          - number: "101"
          - number: "102"
"""


def _new_property(as_user: Any) -> int:
    r = as_user("admin").post(
        P, json={"code": "NEWP", "name_zh": "新项目", "client_id": str(uuid.uuid4())}
    )
    assert r.status_code == 201, r.json
    return int(r.json["id"])


def test_import_creates_then_changes_nothing(as_user):
    pid = _new_property(as_user)
    url = f"{P}/{pid}/structure/import"
    first = as_user("admin").post(url, json={"format": "yaml", "content": GOOD_YAML})
    assert first.status_code == 200, first.json
    assert first.json["counts"]["buildings_created"] == 1
    assert first.json["counts"]["units_created"] == 2
    again = as_user("admin").post(url, json={"format": "yaml", "content": GOOD_YAML})
    assert again.status_code == 200
    assert "units_created" not in again.json["counts"]
    buildings = as_user("admin").get(f"/api/v1/buildings?property_id={pid}").json["items"]
    assert [b["code"] for b in buildings] == ["A"]


def test_a_bad_file_is_refused_with_lines(as_user):
    pid = _new_property(as_user)
    bad = GOOD_YAML.replace("level: 1", "level: first")
    r = as_user("admin").post(
        f"{P}/{pid}/structure/import", json={"format": "yaml", "content": bad}
    )
    assert r.status_code == 422, r.json
    problems = r.json["details"]["problems"]
    assert problems[0]["line"] == 8  # "      - level: first"
    assert problems[0]["path"] == "buildings[0].floors[0].level"


def test_a_file_of_another_property_is_refused(as_user, demo):
    r = as_user("admin").post(
        f"{P}/{demo.cuihu}/structure/import", json={"format": "yaml", "content": GOOD_YAML}
    )
    assert r.status_code == 422, r.json
    assert r.json["code"] == "wrong_property"
    assert "NEWP" in r.json["details"]["message_zh"]


def test_a_duplicate_building_code_is_refused_by_name(as_user, demo):
    body = {"property_id": demo.cuihu, "code": "DUP", "name_zh": "重复楼"}
    assert as_user("admin").post("/api/v1/buildings", json=body).status_code == 201
    again = as_user("admin").post("/api/v1/buildings", json=body)
    assert again.status_code == 409, again.json
    assert again.json["code"] == "conflict"
    assert again.json["details"]["message_zh"] == "楼栋编号 DUP 已存在。"
    assert list(again.json["details"]["fields"]["json"]) == ["code"]
    floor = {"level": 1, "name": "1F"}
    building_id = as_user("admin").get(f"/api/v1/buildings?property_id={demo.cuihu}&limit=200")
    (dup,) = [b for b in building_id.json["items"] if b["code"] == "DUP"]
    url = f"/api/v1/buildings/{dup['id']}/floors"
    assert as_user("admin").post(url, json=floor).status_code == 201
    assert as_user("admin").post(url, json=floor).json["code"] == "conflict"
