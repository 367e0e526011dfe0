"""Reporting work done from the phone; late offline reports after a reassignment are kept and
flagged for the front desk, never lost and never applied silently."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import func, select

from tests.conftest import T0
from tests.workorders.conftest import SIGNATURE
from xunjian.workorders.models import Completion


def test_completion_applies_and_is_idempotent(wo, session):
    order = wo.drive("on_site")
    photo = wo.photo()
    body = {
        "client_id": str(uuid.uuid4()),
        "work_notes": "更换角阀",
        "parts": [{"name": "角阀", "quantity": 2, "unit": "个"}],
        "after_photo_client_ids": [photo],
        "device_time": (T0 - dt.timedelta(minutes=3)).isoformat(),
    }
    url = f"/api/v1/workorders/{order['id']}/completions"
    first = wo.user("eng1").post(url, json=body)
    assert first.status_code == 201, first.json
    assert first.json["applied"] is True and first.json["status"] == "applied"
    assert first.json["after_photos"] == {photo: first.json["after_photos"][photo]}
    replay = wo.user("eng1").post(url, json=body)
    assert replay.status_code == 201 and replay.headers.get("Idempotent-Replay") == "true"
    assert replay.json["id"] == first.json["id"]
    assert (
        session.scalar(
            select(func.count(Completion.id)).where(Completion.work_order_id == order["id"])
        )
        == 1
    )
    done = wo.get(order["id"]).json
    assert done["state"] == "done" and done["done_by_id"] == wo.uid("eng1")
    # the device time is believed, but never before the engineer arrived on site
    assert done["done_at"] == done["on_site_at"]
    assert done["completion"]["parts"] == [{"name": "角阀", "quantity": 2.0, "unit": "个"}]
    feed = wo.user("fd1").get("/api/v1/notifications").json["items"]
    assert "done" in [n["kind"] for n in feed]


def test_inside_a_unit_the_owner_signs(wo, session, demo, app_store):
    from xunjian.org.models import Unit

    unit = session.scalar(select(Unit.id).where(Unit.property_id == demo.cuihu).limit(1))
    order = wo.drive("on_site", unit_id=unit)
    missing = wo.complete(order["id"])
    assert missing.status_code == 422 and missing.json["code"] == "owner_signature_required"
    broken = wo.complete(order["id"], owner_signature="data:image/png;base64,AAAA")
    assert broken.status_code == 422 and broken.json["code"] == "invalid_signature"
    signed = wo.complete(order["id"], owner_signature=SIGNATURE)
    assert signed.status_code == 201, signed.json
    sha = signed.json["owner_signature_sha256"]
    assert app_store.exists(f"signatures/{sha}.png")


def test_done_needs_after_photo_and_notes(wo):
    order = wo.drive("on_site")
    r = wo.complete(order["id"], after_photo_client_ids=[])
    assert r.status_code == 422 and r.json["code"] == "after_photo_required"
    r = wo.complete(order["id"], work_notes=" ")
    assert r.status_code == 422 and r.json["code"] == "reason_required"
    r = wo.complete(order["id"], after_photo_client_ids=["not-a-uuid"])
    assert r.status_code == 422
    assert wo.get(order["id"]).json["state"] == "on_site"


def test_verify_waits_for_the_after_photo(wo):
    order = wo.drive("on_site")
    assert wo.complete(order["id"], arrived=False).status_code == 201
    r = wo.post("fd1", order["id"], "verify")
    assert r.status_code == 409 and r.json["code"] == "after_photo_not_arrived"
    photo = wo.get(order["id"]).json["completion"]["after_photo_client_ids"][0]
    wo.photo(photo)
    assert wo.post("fd1", order["id"], "verify").json["state"] == "verified"


def test_late_offline_done_after_reassignment_is_kept_and_flagged(wo, session, clock):
    """eng1 accepted and went on site, then lost signal; the front desk, hearing nothing,
    reassigned the order to another engineer. eng1's queued "done" arrives afterwards."""
    order = wo.drive("on_site")
    other = wo.staff("engineer")
    clock.advance(hours=2)
    moved = wo.post("fd1", order["id"], "assign", {"assignee_id": other.id})
    assert moved.json["state"] == "assigned" and moved.json["assignee_id"] == other.id
    eng1_feed = wo.user("eng1").get("/api/v1/notifications").json["items"]
    assert "reassigned_away" in [n["kind"] for n in eng1_feed]
    clock.advance(minutes=30)
    queued = str(uuid.uuid4())
    late = wo.complete(
        order["id"],
        client_id=queued,
        device_time=(clock.now() - dt.timedelta(hours=1)).isoformat(),
    )
    assert late.status_code == 201, late.json
    assert late.json["applied"] is False
    assert late.json["status"] == "late_pending" and late.json["late_reason"] == "reassigned"
    # never applied silently: the order stays with the new engineer
    now_order = wo.get(order["id"]).json
    assert now_order["state"] == "assigned" and now_order["assignee_id"] == other.id
    assert now_order["late_completions"] == 1
    assert [c["status"] for c in now_order["completions"]] == ["late_pending"]
    # flagged for the front desk: a feed entry and a list
    feed = wo.user("fd1").get("/api/v1/notifications").json["items"]
    assert "late_completion" in [n["kind"] for n in feed]
    listed = wo.user("fd1").get("/api/v1/workorders/late-completions").json["items"]
    assert [c["id"] for c in listed] == [late.json["id"]]
    # a replay of the same queued report is the same record, not a second one
    again = wo.complete(order["id"], client_id=queued)
    assert again.status_code == 201 and again.json["id"] == late.json["id"]


def _late(wo, clock):
    order = wo.drive("on_site")
    other = wo.staff("engineer")
    wo.post("fd1", order["id"], "assign", {"assignee_id": other.id})
    late = wo.complete(order["id"]).json
    return order, other, late


def test_front_desk_adopts_a_late_report(wo, clock):
    order, _other, late = _late(wo, clock)
    url = f"/api/v1/workorders/late-completions/{late['id']}/resolve"
    r = wo.user("fd1").post(url, json={"decision": "adopt"})
    assert r.status_code == 428
    r = wo.user("fd1").post(
        url, json={"decision": "adopt", "note": "王工已修好"}, headers={"If-Match": "*"}
    )
    assert r.status_code == 200, r.json
    assert r.json["status"] == "adopted" and r.json["applied"] is True
    done = wo.get(order["id"]).json
    assert done["state"] == "done" and done["done_by_id"] == wo.uid("eng1")
    assert done["assignee_id"] == wo.uid("eng1") and done["late_completions"] == 0
    assert [a["end_reason"] for a in done["assignments"]] == ["reassigned", "superseded"]
    again = wo.user("fd1").post(
        url, json={"decision": "dismiss", "note": "x"}, headers={"If-Match": "*"}
    )
    assert again.status_code == 409


def test_front_desk_dismisses_a_late_report_with_a_note(wo, clock):
    order, _other, late = _late(wo, clock)
    url = f"/api/v1/workorders/late-completions/{late['id']}/resolve"
    r = wo.user("fd1").post(url, json={"decision": "dismiss"}, headers={"If-Match": "*"})
    assert r.status_code == 422 and r.json["code"] == "reason_required"
    r = wo.user("fd1").post(
        url, json={"decision": "dismiss", "note": "新工程师已另行处理"}, headers={"If-Match": "*"}
    )
    assert r.json["status"] == "dismissed"
    assert wo.get(order["id"]).json["state"] == "assigned"
    pending = wo.user("fd1").get("/api/v1/workorders/late-completions").json["items"]
    assert pending == []
    kept = wo.user("fd1").get("/api/v1/workorders/late-completions?status=dismissed").json["items"]
    assert [c["id"] for c in kept] == [late["id"]]


def test_adopting_after_the_order_is_done_is_refused_but_the_report_stays(wo, clock):
    order, other, late = _late(wo, clock)
    wo.post(other.username, order["id"], "accept")
    wo.post(other.username, order["id"], "arrive")
    assert wo.complete(order["id"], user=other.username).status_code == 201
    r = wo.user("fd1").post(
        f"/api/v1/workorders/late-completions/{late['id']}/resolve",
        json={"decision": "adopt"},
        headers={"If-Match": "*"},
    )
    assert r.status_code == 409 and r.json["code"] == "illegal_transition"
    assert len(wo.get(order["id"]).json["completions"]) == 2


def test_a_stranger_cannot_report_done(wo):
    order = wo.drive("on_site")
    stranger = wo.staff("engineer")
    r = wo.complete(order["id"], user=stranger.username)
    assert r.status_code == 409 and r.json["code"] == "not_assignee"


def test_done_in_the_wrong_state_is_illegal(wo):
    order = wo.drive("accepted")
    r = wo.complete(order["id"])
    assert r.status_code == 409 and r.json["code"] == "illegal_transition"


# What the new engineer did with the order before the front desk looked at the late report.
SINCE_REASSIGNED = {
    "assigned": [],
    "accepted": ["accept"],
    "on_site": ["accept", "arrive"],
    "paused": ["accept", "arrive", "pause"],
    "new": ["decline"],
}


@pytest.mark.parametrize("state", sorted(SINCE_REASSIGNED))
def test_a_late_report_can_be_adopted_from_every_open_state(wo, clock, state):
    order, other, late = _late(wo, clock)
    bodies = {"decline": {"reason": "已有人修好"}, "pause": {"reason": "等业主"}}
    for event in SINCE_REASSIGNED[state]:
        r = wo.post(other.username, order["id"], event, bodies.get(event))
        assert r.status_code == 200, (event, r.json)
    assert wo.get(order["id"]).json["state"] == state
    r = wo.user("fd1").post(
        f"/api/v1/workorders/late-completions/{late['id']}/resolve",
        json={"decision": "adopt", "note": "原工程师已完成"},
        headers={"If-Match": "*"},
    )
    assert r.status_code == 200, r.json
    done = wo.get(order["id"]).json
    assert done["state"] == "done" and done["done_by_id"] == wo.uid("eng1")
    assert done["paused_at"] is None and done["late_completions"] == 0


def test_a_late_report_is_kept_when_the_order_came_back_to_the_same_engineer(wo, clock):
    """eng1 went on site and lost signal; the desk gave the order to another engineer and then
    back to eng1. eng1's queued "done" is from the first turn: kept for the desk, not a 409."""
    order = wo.drive("on_site")
    other = wo.staff("engineer")
    wo.post("fd1", order["id"], "assign", {"assignee_id": other.id})
    back = wo.event(order["id"], "assign").json
    assert back["state"] == "assigned" and back["assignee_id"] == wo.uid("eng1")
    late = wo.complete(order["id"])
    assert late.status_code == 201, late.json
    assert late.json["status"] == "late_pending" and late.json["applied"] is False
    assert wo.get(order["id"]).json["late_completions"] == 1
    r = wo.user("fd1").post(
        f"/api/v1/workorders/late-completions/{late.json['id']}/resolve",
        json={"decision": "adopt", "note": "确认已修好"},
        headers={"If-Match": "*"},
    )
    assert r.status_code == 200 and wo.get(order["id"]).json["state"] == "done"
