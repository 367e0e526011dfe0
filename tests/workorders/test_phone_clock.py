"""The phone's clock in work orders, through the API (policy: xunjian/org/phone_clock.py).

Before the one policy a work order silently took the server's time for a phone more than 5
minutes ahead or 14 days behind, and a desk request's ``received_at`` was replaced without a
word. Now the property's ``clock_skew_minutes`` decides, and what the phone said is kept."""

from __future__ import annotations

import datetime as dt

from tests.phone_clock import clock_note, set_skew


def _at(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


def test_a_completion_ahead_beyond_the_property_skew(wo, session, clock, demo):
    set_skew(session, demo.cuihu, 3)
    order = wo.drive("on_site")
    ahead = clock.now() + dt.timedelta(minutes=4)
    r = wo.complete(order["id"], device_time=ahead.isoformat())
    assert r.status_code == 201, r.json
    assert r.json["done_at"] == r.json["received_at"]
    assert _at(r.json["device_time"]) == ahead  # the phone's value stays beside it
    note = clock_note(session, "work_order_completions", r.json["id"])
    assert note["verdict"] == "ahead" and note["flag"] == "device_clock_ahead"
    assert note["minutes"] == 4


def test_a_completion_before_its_order_existed_is_behind(wo, session, clock):
    order = wo.drive("on_site")
    clock.advance(hours=2)
    before_order = clock.now() - dt.timedelta(days=3)  # within 14 days, but before the order
    r = wo.complete(order["id"], device_time=before_order.isoformat())
    assert r.status_code == 201, r.json
    assert r.json["done_at"] == r.json["received_at"]
    assert _at(r.json["device_time"]) == before_order
    note = clock_note(session, "work_order_completions", r.json["id"])
    assert note["verdict"] == "behind" and _at(note["device_time"]) == before_order


def test_a_completion_without_a_phone_time_is_the_receipt_time(wo, session):
    order = wo.drive("on_site")
    r = wo.complete(order["id"])
    assert r.status_code == 201, r.json
    assert r.json["device_time"] is None and r.json["done_at"] == r.json["received_at"]
    assert clock_note(session, "work_order_completions", r.json["id"])["verdict"] == "missing"


def test_a_desk_request_time_not_believed_is_kept_in_the_audit(wo, session, clock):
    ahead = clock.now() + dt.timedelta(hours=2)
    r = wo.request(received_at=ahead.isoformat())
    assert r.status_code == 201, r.json
    assert r.json["received_at"] == r.json["recorded_at"]
    note = clock_note(session, "service_requests", r.json["id"])
    assert note["verdict"] == "ahead" and _at(note["device_time"]) == ahead
    # A believed one is the request's own time.
    earlier = clock.now() - dt.timedelta(hours=3)
    r2 = wo.request(received_at=earlier.isoformat(), matter="楼道灯不亮")
    assert _at(r2.json["received_at"]) == earlier
    assert clock_note(session, "service_requests", r2.json["id"])["verdict"] == "believed"
    # None sent: the receipt time, and the audit says there was no phone time.
    r3 = wo.request(matter="电梯异响")
    assert r3.json["received_at"] == r3.json["recorded_at"]
    assert clock_note(session, "service_requests", r3.json["id"])["verdict"] == "missing"


def test_a_visit_before_its_order_existed_takes_the_receipt_time(wo, session, clock):
    order = wo.drive("verified")
    clock.advance(minutes=30)
    weeks_ago = clock.now() - dt.timedelta(days=30)
    r = wo.visit(order["id"], visited_at=weeks_ago.isoformat())
    assert r.status_code == 201, r.json
    assert _at(r.json["visited_at"]) == clock.now()
    note = clock_note(session, "return_visits", r.json["id"])
    assert note["verdict"] == "behind" and _at(note["device_time"]) == weeks_ago
