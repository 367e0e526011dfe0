"""SLA targets, and escalation at 2 working days (supervisor) and a week (manager) on the
property's calendar, driven by the periodic job with an injectable clock."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from tests.conftest import T0
from xunjian import tasks
from xunjian.org.models import CalendarDay, Property
from xunjian.workorders import sla
from xunjian.workorders.models import Escalation, Notification, WebhookDelivery

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("priority", "response_h", "completion_h"),
    [("urgent", 0.5, 4), ("high", 2, 24), ("normal", 4, 72), ("low", 24, 168)],
)
def test_default_targets_per_priority(wo, priority, response_h, completion_h):
    order = wo.create(priority=priority)
    assert dt.datetime.fromisoformat(order["response_due_at"]) == T0 + dt.timedelta(
        hours=response_h
    )
    assert dt.datetime.fromisoformat(order["completion_due_at"]) == T0 + dt.timedelta(
        hours=completion_h
    )


def test_property_overrides_targets(wo, session, demo):
    prop = session.scalar(select(Property).where(Property.id == demo.cuihu))
    prop.settings = {
        **prop.settings,
        "workorder_sla": {"urgent": {"response_hours": 0.25, "completion_hours": 2}},
    }
    session.commit()
    order = wo.create(priority="urgent")
    assert order["response_due_at"] == "2026-11-23T01:45:00+00:00"
    assert order["completion_due_at"] == "2026-11-23T03:30:00+00:00"
    normal = wo.create(priority="normal")  # not overridden: default
    assert normal["completion_due_at"] == "2026-11-26T01:30:00+00:00"


def test_response_overdue_flag(wo, clock):
    order = wo.create(priority="urgent")
    assert not order["response_overdue"]
    clock.advance(minutes=31)
    assert wo.get(order["id"]).json["response_overdue"]


def escalations(session, **where):
    stmt = select(Escalation)
    for name, value in where.items():
        stmt = stmt.where(getattr(Escalation, name) == value)
    return list(session.scalars(stmt.order_by(Escalation.id)))


def run_job(now: dt.datetime) -> int:
    """The periodic task itself (in-process, eager), on the test's database."""
    return tasks.workorder_escalations.apply(kwargs={"now": now.isoformat()}).get()


def test_escalation_after_two_working_days_then_a_week(wo, session, demo):
    """CUIHU works Monday–Saturday. Created Monday 09:30 → supervisor after the end of
    Wednesday's day shift (2 working days), manager after the end of the next Monday's
    (6 working days: Tue, Wed, Thu, Fri, Sat, Mon)."""
    order = wo.create()
    assert run_job(local(2026, 11, 25, 16, 59)) == 0
    assert run_job(local(2026, 11, 25, 17, 1)) == 1
    [up] = escalations(session, work_order_id=order["id"])
    assert up.level == "supervisor" and up.due_at == local(2026, 11, 25, 17, 0)
    assert up.notified_user_ids == [wo.uid("sup1")]
    assert run_job(local(2026, 11, 26, 9, 0)) == 0  # idempotent
    assert run_job(local(2026, 11, 30, 16, 59)) == 0
    assert run_job(local(2026, 11, 30, 17, 1)) == 1
    levels = [e.level for e in escalations(session, work_order_id=order["id"])]
    assert levels == ["supervisor", "manager"]
    detail = wo.get(order["id"]).json
    assert detail["escalated_to"] == "manager"
    assert [e["level"] for e in detail["escalations"]] == ["supervisor", "manager"]
    # recorded and notified: the supervisor and the manager each got a feed entry
    sup_feed = wo.user("sup1").get("/api/v1/notifications").json["items"]
    assert [n["kind"] for n in sup_feed] == ["escalated_supervisor"]
    mgr_feed = wo.user("mgr1").get("/api/v1/notifications").json["items"]
    assert [n["kind"] for n in mgr_feed] == ["escalated_manager"]
    assert "升级" in mgr_feed[0]["message_zh"]
    listed = wo.user("sup1").get("/api/v1/escalations?level=manager").json["items"]
    assert [e["work_order_id"] for e in listed] == [order["id"]]


def test_holidays_push_escalation_back(wo, session, demo):
    session.add(
        CalendarDay(property_id=demo.cuihu, day=dt.date(2026, 11, 24), is_working_day=False)
    )
    session.commit()
    order = wo.create()
    assert run_job(local(2026, 11, 25, 17, 1)) == 0  # Tuesday was a holiday
    assert run_job(local(2026, 11, 26, 17, 1)) == 1
    assert escalations(session, work_order_id=order["id"])[0].level == "supervisor"


def test_a_five_day_week_property(wo, session, demo, clock):
    """JINRONG works Monday–Friday: created Friday → supervisor after Tuesday, manager after
    the next Friday (5 working days)."""
    clock.set(local(2026, 11, 27, 10, 0))
    order = wo.create(user="sup2", property_id=demo.jinrong, place_text="大堂")
    assert run_job(local(2026, 11, 30, 23, 0)) == 0  # Saturday and Sunday do not count
    assert run_job(local(2026, 12, 1, 17, 31)) == 1  # JINRONG's day shift ends 17:30
    assert run_job(local(2026, 12, 4, 17, 29)) == 0
    assert run_job(local(2026, 12, 4, 17, 31)) == 1
    ups = escalations(session, work_order_id=order["id"])
    assert [e.level for e in ups] == ["supervisor", "manager"]
    assert ups[0].notified_user_ids == [wo.uid("sup2")]
    assert ups[1].notified_user_ids == []  # JINRONG has no manager account in the demo


def test_escalation_days_are_settings(wo, session, demo):
    prop = session.scalar(select(Property).where(Property.id == demo.cuihu))
    prop.settings = {
        **prop.settings,
        "workorder_escalation": {"supervisor_working_days": 1, "manager_working_days": 3},
    }
    session.commit()
    assert sla.escalation_days(prop) == {"supervisor": 1, "manager": 3}
    order = wo.create()
    assert run_job(local(2026, 11, 24, 17, 1)) == 1
    assert run_job(local(2026, 11, 26, 17, 1)) == 1
    assert len(escalations(session, work_order_id=order["id"])) == 2


def test_finished_orders_and_dispatched_requests_do_not_escalate(wo, session):
    done = wo.drive("done")
    waiting = wo.request(matter="门铃坏了").json
    dispatched = wo.request(matter="热水器不热", place_text="3栋").json
    wo.create(request_id=dispatched["id"])
    run_job(local(2026, 11, 26, 9, 0))
    assert escalations(session, work_order_id=done["id"]) == []
    assert escalations(session, request_id=dispatched["id"]) == []
    [up] = escalations(session, request_id=waiting["id"])
    assert up.level == "supervisor"
    r = wo.user("fd1").get(f"/api/v1/requests/{waiting['id']}").json
    assert r["escalated_to"] == "supervisor"


def test_escalation_does_not_change_the_order_etag(wo):
    order = wo.create()
    etag = wo.etag(order["id"])
    run_job(local(2026, 11, 26, 9, 0))
    assert wo.etag(order["id"]) == etag
    response = wo.post("fd1", order["id"], "assign", {"assignee_id": wo.uid("eng1")}, etag=etag)
    assert response.status_code == 200


def test_escalation_emits_webhook_event(wo, session, demo):
    wo.user("padmin1").post(
        f"/api/v1/properties/{demo.cuihu}/webhooks",
        json={"url": "http://127.0.0.1:9/hook", "event_types": ["workorder.escalated"]},
    )
    wo.create()
    run_job(local(2026, 11, 26, 9, 0))
    count = session.scalar(
        select(func.count(WebhookDelivery.id)).where(
            WebhookDelivery.event_type == "workorder.escalated"
        )
    )
    assert count == 1
    assert session.scalar(select(func.count(Notification.id))) >= 1


def test_an_order_from_a_request_is_late_from_the_report(wo, session, clock):
    request = wo.request(matter="单元门禁坏了", place_text="1栋大堂").json
    clock.set(local(2026, 11, 25, 10, 0))  # dispatched two days later
    order = wo.create(request_id=request["id"])
    assert run_job(local(2026, 11, 25, 17, 1)) == 1  # 2 working days after the report
    assert escalations(session, work_order_id=order["id"])[0].level == "supervisor"


def test_a_waiting_request_escalates_to_the_manager_after_a_week(wo, session, demo):
    """The same working-day steps for a request nobody has handled or dispatched; both levels
    are recorded, notified and sent as ``request.escalated``."""
    wo.user("padmin1").post(
        f"/api/v1/properties/{demo.cuihu}/webhooks",
        json={"url": "http://127.0.0.1:9/hook", "event_types": ["request.escalated"]},
    )
    waiting = wo.request(kind="complaint", complaint_form="written", matter="物业服务态度差").json
    assert run_job(local(2026, 11, 30, 16, 59)) == 1  # only the supervisor step has passed
    assert run_job(local(2026, 11, 30, 17, 1)) == 1
    ups = escalations(session, request_id=waiting["id"])
    assert [(e.level, e.due_at) for e in ups] == [
        ("supervisor", local(2026, 11, 25, 17, 0)),
        ("manager", local(2026, 11, 30, 17, 0)),
    ]
    assert ups[1].notified_user_ids == [wo.uid("mgr1")]
    got = wo.user("mgr1").get(f"/api/v1/requests/{waiting['id']}").json
    assert got["escalated_to"] == "manager"
    kinds = [
        e
        for (e,) in session.execute(
            select(WebhookDelivery.event_type).where(
                WebhookDelivery.event_type == "request.escalated"
            )
        )
    ]
    assert len(kinds) == 2
    # the manager may then close it as unresolvable, with a written reason
    closed = wo.request_action(
        "mgr1", waiting["id"], "close-unresolvable", {"reason": "诉求超出物业职责"}
    )
    assert closed.json["state"] == "unresolvable"
    assert run_job(local(2026, 12, 10, 9, 0)) == 0


def test_the_escalation_and_delivery_jobs_are_scheduled():
    """Beat and the in-process scheduler both read PERIODIC_JOBS: without an entry the job
    would exist and never run."""
    jobs = {job.task_name: job.every for job in tasks.PERIODIC_JOBS}
    assert jobs["xunjian.workorder_escalations"] <= dt.timedelta(minutes=1)
    assert jobs["xunjian.webhook_sweep"] <= dt.timedelta(seconds=30)
    assert "xunjian.push_sweep" in jobs
    schedule = tasks.configure_celery("").conf.beat_schedule
    assert schedule["workorder-escalations"]["task"] == "xunjian.workorder_escalations"
