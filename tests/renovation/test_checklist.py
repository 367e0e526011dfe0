"""The checklist ships R01–R32 and M1–M7; edits make new versions; old inspections keep theirs."""

from __future__ import annotations

import uuid

from tests.renovation.conftest import R, assert_error, violation


def test_default_checklist_is_the_manuals(as_user):
    r = as_user("fm1").get(f"{R}/checklist")
    assert r.status_code == 200
    body = r.json
    assert body["number"] == 1
    items = [i for i in body["items"] if i["kind"] == "item"]
    ladder = [i for i in body["items"] if i["kind"] == "measure"]
    assert [i["code"] for i in items] == [f"R{n:02d}" for n in range(1, 33)]
    assert [m["code"] for m in ladder] == [f"M{n}" for n in range(1, 8)]
    r24 = next(i for i in items if i["code"] == "R24")
    assert r24["name_zh"] == "不按规定时间施工，制造噪音" and r24["name_en"].startswith("Working")
    assert r24["severity"] == "minor" and r24["category"] == "hours_noise"
    assert {m["code"] for m in ladder if m["approval"] == "manager"} == {"M5", "M6", "M7"}
    assert body["deadline_days"] == {"critical": 1, "major": 3, "minor": 7}


def _edit(as_user, username="padmin1", **body):
    body.setdefault("client_id", str(uuid.uuid4()))
    return as_user(username).post(f"{R}/checklist", json=body)


def test_edit_makes_a_new_version_and_old_inspections_keep_theirs(as_user, phone, site):
    first = phone("fm1").inspect(site.id, [violation("R04", "空调外机装在立面")]).json
    assert first["checklist_version"] == 1
    r = _edit(
        as_user,
        base_version=1,
        note="空调位置改为较重",
        items=[
            {"code": "R04", "severity": "major", "name_zh": "空调外机未按指定位置安装"},
            {"code": "R32", "retired": True},
            {
                "code": "R33",
                "name_zh": "擅自安装外置防盗网",
                "name_en": "Exterior security grilles",
                "category": "facade",
                "severity": "minor",
            },
        ],
        deadline_days={"minor": 5},
    )
    assert r.status_code == 201, r.json
    v2 = r.json
    assert v2["number"] == 2 and v2["deadline_days"]["minor"] == 5
    codes = {i["code"]: i for i in v2["items"]}
    assert codes["R04"]["severity"] == "major" and codes["R32"]["retired"] is True
    assert codes["R33"]["name_zh"] == "擅自安装外置防盗网"

    second = phone("fm1").inspect(site.id, [violation("R33", "窗外加装防盗网")]).json
    assert second["checklist_version"] == 2
    second_codes = {x["code"] for x in second["results"]}
    assert "R33" in second_codes and "R32" not in second_codes
    r04 = next(x for x in second["results"] if x["code"] == "R04")
    assert r04["severity"] == "major"

    again = as_user("sup1").get(f"{R}/inspections/{first['id']}").json
    assert (
        again["checklist_version"] == 1
        and again["checklist_version_id"] == first["checklist_version_id"]
    )
    old = {x["code"]: x for x in again["results"]}
    assert old["R04"]["severity"] == "minor" and old["R04"]["name_zh"] == "空调机不按指定位置安装"
    assert "R32" in old and "R33" not in old

    # the phone may still send a result against the version it showed
    r = phone("fm1").inspect(site.id, [violation("R32")], checklist_version=1)
    assert r.status_code == 201 and r.json["checklist_version"] == 1
    assert_error(phone("fm1").inspect(site.id, [violation("R32")]), 422, "unknown_checklist_item")
    assert as_user("fm1").get(f"{R}/checklist?version=1").json["number"] == 1
    versions = as_user("fm1").get(f"{R}/checklist/versions").json["items"]
    assert [v["number"] for v in versions] == [2, 1]
    assert versions[0]["active_items"] == 32  # R33 added, R32 retired


def test_stale_edits_and_bad_edits_are_refused(as_user):
    assert (
        _edit(as_user, base_version=1, items=[{"code": "R01", "severity": "critical"}]).status_code
        == 201
    )
    assert_error(_edit(as_user, base_version=1, items=[]), 409, "stale_checklist")
    assert_error(_edit(as_user, base_version=2, items=[{"code": "M5", "name_zh": "x"}]), 422)
    assert_error(_edit(as_user, base_version=2, items=[{"code": "R40", "name_zh": "新项"}]), 422)
    assert_error(_edit(as_user, "fm1", base_version=2, items=[]), 403, "forbidden")
    assert_error(as_user("fm1").get(f"{R}/checklist?version=9"), 404)
