"""Return visits (回访), rework counting and the special 24-hour follow-up, the Friday batch."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import T0
from tests.workorders.conftest import SIGNATURE


def test_failed_verification_is_rework_counted_with_a_24h_follow_up(wo, clock):
    order = wo.drive("done")
    r = wo.post("fd1", order["id"], "reject", {"reason": ""})
    assert r.status_code == 422 and r.json["code"] == "reason_required"
    rework = wo.post("fd1", order["id"], "reject", {"reason": "仍然滴水"}).json
    assert rework["state"] == "rework" and rework["rework_count"] == 1
    assert rework["rework_due_at"] == (T0 + dt.timedelta(hours=24)).isoformat()
    assert rework["assignee_id"] == wo.uid("eng1") and rework["rework_reason"] == "仍然滴水"
    assert "rework" in [
        n["kind"] for n in wo.user("eng1").get("/api/v1/notifications").json["items"]
    ]
    # the rework jumps the engineer's queue (due within 24 h beats a normal order's 72 h)
    newer = wo.drive("assigned")
    queue = [o["id"] for o in wo.user("eng1").get("/api/v1/workorders/queue").json["items"]]
    assert queue.index(order["id"]) < queue.index(newer["id"])
    for event in ("accept", "arrive", "complete", "verify"):
        assert wo.event(order["id"], event).status_code in (200, 201), event
    # an unhappy return visit is rework again, counted again
    unhappy = wo.visit(order["id"], (2, 3, 1, 1), comment="还是漏")
    assert unhappy.status_code == 201 and unhappy.json["satisfied"] is False
    assert unhappy.json["special_follow_up"] is True
    again = wo.get(order["id"]).json
    assert again["state"] == "rework" and again["rework_count"] == 2
    assert again["rework_reason"] == "还是漏"
    for event in ("accept", "arrive", "complete", "verify", "visit_satisfied", "close"):
        assert wo.event(order["id"], event).status_code in (200, 201), event
    closed = wo.get(order["id"]).json
    assert closed["state"] == "closed" and closed["rework_count"] == 2
    assert closed["rework_due_at"] is None
    assert [v["satisfied"] for v in closed["visits"]] == [False, True]


def test_satisfaction_defaults_from_ratings_and_can_be_overridden(wo):
    order = wo.drive("verified")
    low = wo.visit(order["id"], (5, 5, 5, 2))
    assert low.json["satisfied"] is False
    order = wo.drive("verified")
    told = wo.visit(order["id"], (5, 5, 5, 2), satisfied=True, comment="速度慢但满意")
    assert told.json["satisfied"] is True
    assert wo.get(order["id"]).json["state"] == "visited"


@pytest.mark.parametrize("bad", [0, 6, -1, 10, "5", 4.5, None])
def test_rating_out_of_range_is_refused(wo, bad):
    order = wo.drive("verified")
    r = wo.visit_raw(f"/api/v1/workorders/{order['id']}/visits", (5, 5, 5, 5), attitude=bad)
    assert r.status_code == 422, r.json
    assert wo.get(order["id"]).json["state"] == "verified"


def test_on_site_visit_needs_the_owners_signature(wo, app_store):
    order = wo.drive("verified")
    r = wo.visit(order["id"], method="on_site")
    assert r.status_code == 422 and r.json["code"] == "owner_signature_required"
    r = wo.visit(order["id"], method="on_site", owner_signature=SIGNATURE)
    assert r.status_code == 201 and r.json["method"] == "on_site"
    assert app_store.exists(f"signatures/{r.json['owner_signature_sha256']}.png")


def test_visit_is_idempotent_by_client_id(wo):
    order = wo.drive("verified")
    body = {"client_id": "5b0d1a52-3b0e-4a4e-9c51-7f1b2d3c4e5f", "method": "phone"}
    body.update(attitude=5, speed=5, quality=5, result=5)
    url = f"/api/v1/workorders/{order['id']}/visits"
    first = wo.user("fd1").post(url, json=body)
    again = wo.user("fd1").post(url, json=body)
    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replay") == "true"
    assert len(wo.get(order["id"]).json["visits"]) == 1


def test_complaint_visit_closes_or_reopens_with_a_follow_up(wo, clock):
    complaint = wo.request(kind="complaint", complaint_form="oral", matter="保安态度差").json
    wo.request_action("fd1", complaint["id"], "handle", {"note": "已批评教育并致歉"})
    url = f"/api/v1/requests/{complaint['id']}/visits"
    unhappy = wo.visit_raw(url, (1, 3, 3, 2))
    assert unhappy.status_code == 201, unhappy.json
    reopened = wo.user("fd1").get(f"/api/v1/requests/{complaint['id']}").json
    assert reopened["state"] == "open"
    assert reopened["follow_up_due_at"] == (T0 + dt.timedelta(hours=24)).isoformat()
    wo.request_action("fd1", complaint["id"], "handle", {"note": "主管上门致歉"})
    happy = wo.visit_raw(url, (5, 5, 5, 5))
    assert happy.json["special_follow_up"] is True
    closed = wo.user("fd1").get(f"/api/v1/requests/{complaint['id']}").json
    assert closed["state"] == "closed" and closed["follow_up_due_at"] is None


def test_a_dispatched_complaint_is_visited_through_its_order(wo):
    complaint = wo.request(kind="complaint", complaint_form="oral", matter="路灯不亮").json
    order = wo.create(request_id=complaint["id"])
    for event in ("assign", "accept", "arrive", "complete"):
        wo.event(order["id"], event)
    r = wo.visit_raw(f"/api/v1/requests/{complaint['id']}/visits", (5, 5, 5, 5))
    assert r.status_code == 409 and r.json["code"] == "visit_the_work_order"


def test_visit_queue_puts_special_follow_ups_first(wo, demo, clock):
    plain = wo.drive("verified")
    clock.advance(minutes=5)
    special = wo.drive("rework")
    for event in ("accept", "arrive", "complete", "verify"):
        wo.event(special["id"], event)
    complaint = wo.request(kind="complaint", complaint_form="oral", matter="噪音").json
    wo.request_action("fd1", complaint["id"], "handle", {"note": "已处理"})
    queue = wo.user("fd1").get(f"/api/v1/properties/{demo.cuihu}/visit-queue").json["items"]
    assert [(i["kind"], i["id"]) for i in queue] == [
        ("work_order", special["id"]),
        ("work_order", plain["id"]),
        ("request", complaint["id"]),
    ]
    assert queue[0]["special_follow_up"] and queue[0]["due_at"]
    assert wo.user("eng1").get(f"/api/v1/properties/{demo.cuihu}/visit-queue").status_code == 403


def test_friday_batch_is_the_seven_days_before_that_friday(wo, demo, clock):
    # Thursday 2026-11-26 and Friday 2026-11-27 (local) completions
    clock.set(dt.datetime(2026, 11, 26, 8, 0, tzinfo=dt.UTC))
    thursday = wo.drive("done")
    clock.set(dt.datetime(2026, 11, 27, 3, 0, tzinfo=dt.UTC))
    friday = wo.drive("verified")
    wo.visit(friday["id"])
    url = f"/api/v1/properties/{demo.cuihu}/visit-batch"
    batch = wo.user("fd1").get(url + "?friday=2026-11-27").json
    assert [i["id"] for i in batch["items"]] == [thursday["id"]]
    assert batch["window_start"] == "2026-11-19T16:00:00+00:00"  # Friday 00:00 local
    assert batch["total"] == 1 and batch["visited"] == 0
    clock.set(dt.datetime(2026, 12, 5, 3, 0, tzinfo=dt.UTC))  # Saturday: default = last Friday
    nxt = wo.user("fd1").get(url).json
    assert nxt["friday"] == "2026-12-04"
    assert [i["id"] for i in nxt["items"]] == [friday["id"]] and nxt["visited"] == 1
    assert wo.user("fd1").get(url + "?friday=2026-11-26").status_code == 422


def test_unresolvable_close_requires_a_reason_and_the_manager(wo):
    order = wo.drive("paused")
    for user in ("fd1", "sup1", "eng1"):
        assert wo.post(user, order["id"], "close-unresolvable", {"reason": "x"}).status_code == 403
    for body in ({}, {"reason": ""}, {"reason": "   "}):
        r = wo.post("mgr1", order["id"], "close-unresolvable", body)
        assert r.status_code == 422 and r.json["code"] == "reason_required"
    closed = wo.post(
        "mgr1", order["id"], "close-unresolvable", {"reason": "业主长期不在，无法入户"}
    )
    assert closed.status_code == 200
    assert closed.json["state"] == "unresolvable"
    assert closed.json["close_reason"] == "业主长期不在，无法入户"
    assert closed.json["closed_by_id"] == wo.uid("mgr1")


@pytest.mark.parametrize("field", ["attitude", "speed", "quality", "result"])
def test_each_rating_is_checked_on_orders_and_complaints(wo, field):
    order = wo.drive("verified")
    complaint = wo.request(kind="complaint", complaint_form="oral", matter=f"{field} 投诉").json
    wo.request_action("fd1", complaint["id"], "handle", {"note": "已处理"})
    urls = (
        f"/api/v1/workorders/{order['id']}/visits",
        f"/api/v1/requests/{complaint['id']}/visits",
    )
    for url in urls:
        for bad in (0, 6):
            r = wo.visit_raw(url, (5, 5, 5, 5), **{field: bad})
            assert r.status_code == 422, (url, bad, r.json)
            assert field in r.json["details"]["fields"]["json"]
            assert r.json["details"]["message_zh"]
        ok = wo.visit_raw(url, (5, 5, 5, 5))
        assert ok.status_code == 201 and ok.json["satisfied"] is True, (url, ok.json)
    assert wo.get(order["id"]).json["state"] == "visited"
    assert wo.user("fd1").get(f"/api/v1/requests/{complaint['id']}").json["state"] == "closed"
