"""Shift handover (交接班): items and open matters, both people confirm with their own login,
and photos still on the outgoing phone are recorded as an exception."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import T0
from tests.patrol.conftest import actor_of, assert_error
from xunjian.evidence.devices import record_heartbeat


@pytest.fixture
def ids(as_user):
    return {name: as_user(name).get("/api/v1/auth/me").json["id"] for name in ("fm1", "night1")}


def _create(client, property_id, ids, **extra):
    body = {
        "client_id": str(uuid.uuid4()),
        "outgoing_user_id": ids["fm1"],
        "incoming_user_id": ids["night1"],
        "shift": "白班→夜班",
        "items": [
            {"kind": "key", "description": "配电房钥匙", "count": 3},
            {"kind": "radio", "count": 2},
            {"kind": "duty_camera"},
            {"kind": "deposited_item", "description": "业主寄存快递（2栋201）", "count": 4},
        ],
        "open_matters": ["3栋电梯报修未完成", " "],
        **extra,
    }
    return client.post(f"/api/v1/patrol/properties/{property_id}/handovers", json=body)


def _confirm(client, handover_id, **body):
    return client.post(
        f"/api/v1/patrol/handovers/{handover_id}/confirm", json=body, headers={"If-Match": "*"}
    )


def _pending(n):
    return [
        {
            "client_id": str(uuid.uuid4()),
            "captured_at": "2026-11-23T08:10:00+08:00",
            "context_type": "patrol_checkin",
            "context_id": str(uuid.uuid4()),
        }
        for _ in range(n)
    ]


def test_handover_with_pending_photos_is_recorded_as_an_exception(as_user, demo, session, ids):
    photos = _pending(2)
    record_heartbeat(
        session,
        actor_of(session, "fm1"),
        T0,
        {"device_id": "phone-fm1", "pending_photo_count": 2, "pending_photos": photos},
    )
    session.commit()
    created = _create(as_user("night1"), demo.cuihu, ids)  # the incoming person fills it in
    assert created.status_code == 201, created.json
    handover = created.json
    assert handover["state"] == "draft"
    assert [i["count"] for i in handover["items"]] == [3, 2, 1, 4]
    assert handover["open_matters"] == ["3栋电梯报修未完成"]
    # Before completion the handover shows what the outgoing phone still holds.
    assert {p["client_id"] for p in handover["pending_now"]} == {p["client_id"] for p in photos}
    assert handover["pending_photo_count"] == 0

    hid = handover["id"]
    assert_error(_confirm(as_user("night1"), hid), 409, "illegal_transition")  # outgoing first
    assert_error(_confirm(as_user("sup1"), hid), 403, "not_a_party")
    out = _confirm(as_user("fm1"), hid, device_id="phone-fm1")
    assert out.status_code == 200, out.json
    assert (
        out.json["state"] == "outgoing_confirmed" and out.json["outgoing_device_id"] == "phone-fm1"
    )
    assert_error(_confirm(as_user("fm1"), hid), 409, "illegal_transition")
    done = _confirm(as_user("night1"), hid)
    assert done.status_code == 200, done.json
    body = done.json
    assert body["state"] == "completed" and body["completed_at"]
    assert body["pending_photo_count"] == 2  # the exception: recorded, not a blocker
    assert {p["client_id"] for p in body["pending_photos"]} == {p["client_id"] for p in photos}
    assert {p["device_id"] for p in body["pending_photos"]} == {"phone-fm1"}
    assert body["pending_now"] == []
    # Completed: no more edits.
    edit = as_user("night1").patch(
        f"/api/v1/patrol/handovers/{hid}", json={"shift": "x"}, headers={"If-Match": "*"}
    )
    assert_error(edit, 409, "illegal_transition")


def test_clean_handover_has_no_exception(as_user, demo, session, ids):
    record_heartbeat(
        session, actor_of(session, "fm1"), T0, {"device_id": "phone-fm1", "pending_photos": []}
    )
    session.commit()
    hid = _create(as_user("fm1"), demo.cuihu, ids).json["id"]
    assert _confirm(as_user("fm1"), hid).status_code == 200
    done = _confirm(as_user("night1"), hid).json
    assert (done["state"], done["pending_photo_count"], done["pending_photos"]) == (
        "completed",
        0,
        [],
    )


def test_draft_is_edited_with_if_match(as_user, demo, ids):
    created = _create(as_user("night1"), demo.cuihu, ids)
    url = f"/api/v1/patrol/handovers/{created.json['id']}"
    assert_error(as_user("night1").patch(url, json={"shift": "夜班"}), 428)
    edited = as_user("night1").patch(
        url,
        json={"items": [{"kind": "duty_phone", "description": "值班手机"}]},
        headers={"If-Match": created.headers["ETag"]},
    )
    assert edited.status_code == 200, edited.json
    assert edited.json["items"] == [{"kind": "duty_phone", "description": "值班手机", "count": 1}]
    stale = as_user("night1").patch(
        url, json={"shift": "x"}, headers={"If-Match": created.headers["ETag"]}
    )
    assert_error(stale, 412)


def test_handover_needs_two_people_of_this_property(as_user, demo, ids):
    night = as_user("night1")
    same = _create(night, demo.cuihu, ids, incoming_user_id=ids["fm1"])
    assert_error(same, 422)
    outsider = as_user("fm2").get("/api/v1/auth/me").json["id"]
    assert_error(_create(night, demo.cuihu, ids, incoming_user_id=outsider), 422)
    assert_error(_create(night, demo.cuihu, ids, items=[{"kind": "cash", "count": 1}]), 422)
    assert_error(_create(night, demo.cuihu, ids, items=[{"kind": "key", "count": 0}]), 422)
    assert_error(_create(as_user("fm2"), demo.cuihu, ids), 404)
