"""A rework's special follow-up (re-repair and return visit within 24 hours) that is past due
alerts the property's supervisors, once per due time, from the escalation job; so does an
unhappy complaint's 24-hour follow-up. Driven by the frozen clock."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from tests.conftest import T0
from xunjian import tasks
from xunjian.workorders.models import Notification
from xunjian.workorders.sla import FOLLOW_UP_OVERDUE


def run_job(clock) -> int:
    """The periodic task itself (in-process, eager), at the frozen clock's now."""
    return tasks.workorder_escalations.apply(kwargs={"now": clock.now().isoformat()}).get()


def alerts(session, **where):
    stmt = select(Notification).where(Notification.kind == FOLLOW_UP_OVERDUE)
    for name, value in where.items():
        stmt = stmt.where(getattr(Notification, name) == value)
    return list(session.scalars(stmt.order_by(Notification.id)))


def feed_kinds(wo, user):
    return [n["kind"] for n in wo.user(user).get("/api/v1/notifications").json["items"]]


def test_an_overdue_rework_follow_up_alerts_the_supervisor_once(wo, session, clock):
    order = wo.drive("rework")  # failed verification at T0: due T0 + 24 h
    assert order["rework_due_at"] == (T0 + dt.timedelta(hours=24)).isoformat()
    etag = wo.etag(order["id"])

    clock.set(T0 + dt.timedelta(hours=23, minutes=59))
    assert run_job(clock) == 0
    clock.set(T0 + dt.timedelta(hours=24, minutes=1))  # Tuesday: no escalation step yet
    assert run_job(clock) == 1
    [alert] = alerts(session, work_order_id=order["id"])
    assert alert.user_id == wo.uid("sup1") and alert.property_id == order["property_id"]
    assert "24" in alert.message and "逾期" in alert.message_zh
    feed = wo.user("sup1").get("/api/v1/notifications").json["items"]
    [shown] = [n for n in feed if n["kind"] == FOLLOW_UP_OVERDUE]
    assert shown["work_order_id"] == order["id"]
    for user in ("mgr1", "eng1", "fd1", "sup2"):  # the supervisor only, of this property only
        assert FOLLOW_UP_OVERDUE not in feed_kinds(wo, user)

    # once: later runs raise nothing more, and the order's ETag is untouched
    for hours in (24.5, 30):
        clock.set(T0 + dt.timedelta(hours=hours))
        assert run_job(clock) == 0
    assert len(alerts(session, work_order_id=order["id"])) == 1
    assert wo.etag(order["id"]) == etag

    # a second rework (unhappy return visit) is a new 24 hours, alerted again once it passes
    for event in ("accept", "arrive", "complete", "verify", "visit_unsatisfied"):
        assert wo.event(order["id"], event).status_code in (200, 201), event
    again = wo.get(order["id"]).json
    assert again["state"] == "rework" and again["rework_count"] == 2
    assert again["rework_due_at"] == (T0 + dt.timedelta(hours=54)).isoformat()
    clock.set(T0 + dt.timedelta(hours=53, minutes=59))
    assert run_job(clock) == 0
    clock.set(T0 + dt.timedelta(hours=54, minutes=1))  # before Wednesday 17:00's escalation
    assert run_job(clock) == 1
    assert run_job(clock) == 0
    assert len(alerts(session, work_order_id=order["id"])) == 2


def test_a_follow_up_done_in_time_raises_nothing(wo, session, clock):
    order = wo.drive("rework")
    clock.set(T0 + dt.timedelta(hours=20))
    for event in ("accept", "arrive", "complete", "verify", "visit_satisfied"):
        assert wo.event(order["id"], event).status_code in (200, 201), event
    assert wo.get(order["id"]).json["rework_due_at"] is None
    clock.set(T0 + dt.timedelta(hours=25))
    assert run_job(clock) == 0
    assert alerts(session, work_order_id=order["id"]) == []


def test_closed_or_unresolvable_orders_raise_nothing(wo, session, clock):
    order = wo.drive("rework")
    assert wo.event(order["id"], "close_unresolvable").status_code == 200
    clock.set(T0 + dt.timedelta(hours=25))
    assert run_job(clock) == 0
    assert alerts(session, work_order_id=order["id"]) == []


def test_an_unhappy_complaints_follow_up_alerts_too(wo, session, clock):
    complaint = wo.request(kind="complaint", complaint_form="oral", matter="保洁不到位").json
    wo.request_action("fd1", complaint["id"], "handle", {"note": "已安排重新保洁"})
    unhappy = wo.visit_raw(f"/api/v1/requests/{complaint['id']}/visits", (1, 2, 2, 1))
    assert unhappy.status_code == 201, unhappy.json
    clock.set(T0 + dt.timedelta(hours=24, minutes=1))
    assert run_job(clock) == 1
    [alert] = alerts(session, request_id=complaint["id"])
    assert alert.user_id == wo.uid("sup1") and alert.work_order_id is None
    assert run_job(clock) == 0
