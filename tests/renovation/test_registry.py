"""The renovation registry: application → approval (permit) → work → completion, suspension."""

from __future__ import annotations

import uuid

from tests.renovation.conftest import R, assert_error, unit_id
from xunjian.org.models import Property


def _apply(as_user, demo, unit, **body):
    body = {
        "client_id": str(uuid.uuid4()),
        "unit_id": unit,
        "contractor_company": "安居装饰",
        "foreman_name": "黄师傅",
        "foreman_phone": "13900000001",
        "start_date": "2026-11-25",
        "end_date": "2027-01-31",
        "deposit_amount": "3000.5",
        **body,
    }
    return as_user("fd1").post(f"{R}/properties/{demo.cuihu}/renovations", json=body)


def test_register_approve_start_complete(as_user, demo, unit201, phone, audit_events):
    r = _apply(as_user, demo, unit201)
    assert r.status_code == 201, r.json
    site = r.json
    assert site["state"] == "applied" and site["unit_label"] == "1栋 201"
    assert site["owner_name"] == "陈女士"  # from the unit
    assert site["deposit_amount"] == "3000.50"
    assert site["hours"]["weekday"] == [["08:00", "12:00"], ["14:00", "18:00"]]
    assert site["hours"]["weekend"] == [["09:00", "12:00"], ["14:00", "17:00"]]
    replay = _apply(as_user, demo, unit201, client_id=site["client_id"])
    assert replay.headers.get("Idempotent-Replay") == "true" and replay.json["id"] == site["id"]
    assert_error(_apply(as_user, demo, unit201), 409, "renovation_exists")

    url = f"{R}/renovations/{site['id']}"
    assert [x["id"] for x in as_user("mgr1").get(f"{R}/approvals").json["renovations"]] == [
        site["id"]
    ]
    # inspections start only once approved
    assert_error(phone("fm1").inspect(site["id"], []), 409, "illegal_transition")
    assert_error(phone("fd1").act(url + "/approve", permit_no="SG-1"), 403)
    assert_error(phone("mgr1").act(url + "/approve"), 422)  # approval issues the permit
    r = phone("mgr1").act(
        url + "/approve",
        permit_no="SG-2026-031",
        permit_valid_from="2026-11-25",
        permit_valid_to="2027-01-31",
    )
    assert r.status_code == 200, r.json
    assert r.json["state"] == "approved" and r.json["approved_by_id"]
    r = phone("fd1").act(url + "/transition", event="start")
    assert r.json["state"] == "in_progress" and r.json["started_at"]
    r = phone("fm1").act(url + "/suspend")
    assert_error(r, 422)
    r = phone("fm1").act(url + "/suspend", reason="业主要求暂停")
    assert r.json["state"] == "suspended" and r.json["suspended_from"] == "in_progress"
    err = assert_error(phone("fm1").act(url + "/transition", event="request_completion"), 409)
    assert err["details"]["allowed_events"] == ["edit", "inspect", "raise_notice", "resume"]
    r = phone("fm1").act(url + "/resume")
    assert r.json["state"] == "in_progress" and r.json["suspended_reason"] == ""
    r = phone("fd1").act(url + "/transition", event="request_completion")
    assert r.json["state"] == "completion_inspection"

    events = audit_events("renovations", site["id"])
    assert events == ["create", "approve", "start", "suspend", "resume", "request_completion"]


def test_edit_needs_if_match_and_checks_dates(as_user, demo, unit201, phone):
    site = _apply(as_user, demo, unit201).json
    url = f"{R}/renovations/{site['id']}"
    fd = as_user("fd1")
    assert_error(fd.patch(url, json={"foreman_phone": "1"}), 428)
    etag = fd.get(url).headers["ETag"]
    r = fd.patch(url, json={"hours": {"weekend": [["10:00", "12:00"]]}}, headers={"If-Match": etag})
    assert r.status_code == 200 and r.json["hours"]["weekend"] == [["10:00", "12:00"]]
    assert_error(fd.patch(url, json={"foreman_phone": "1"}, headers={"If-Match": etag}), 412)
    etag = r.headers["ETag"]
    assert_error(fd.patch(url, json={"end_date": "2026-01-01"}, headers={"If-Match": etag}), 422)
    assert_error(
        fd.patch(
            url, json={"hours": {"weekday": [["12:00", "08:00"]]}}, headers={"If-Match": etag}
        ),
        422,
    )
    assert_error(_apply(as_user, demo, unit_id_of_other(as_user, demo)), 422)


def unit_id_of_other(as_user, demo):
    units = as_user("fm2").get(f"/api/v1/units?property_id={demo.jinrong}").json["items"]
    return units[0]["id"]


def test_property_default_hours(as_user, demo, session):
    prop = session.get(Property, demo.cuihu)
    prop.settings = {**(prop.settings or {}), "renovation_hours": {"weekday": [["07:30", "11:30"]]}}
    session.commit()
    site = _apply(
        as_user, demo, unit_id(session, demo.cuihu, "B1", "301"), owner_name="王先生"
    ).json
    assert site["hours"]["weekday"] == [["07:30", "11:30"]]
    assert site["hours"]["weekend"] == [["09:00", "12:00"], ["14:00", "17:00"]]
