"""Service-level targets and escalation. No Flask imports.

Targets (response = accepted by an engineer, completion = reported done) are clock hours from
the order's creation, per priority: a burst pipe does not wait for Monday. Defaults below; a
property overrides them in ``settings["workorder_sla"]``, e.g.
``{"urgent": {"response_hours": 0.25, "completion_hours": 2}}``.

Escalation (DOMAIN: "not finished in 2 days → supervisor; in 1 week → manager") counts
**working days on the property's calendar** (weekly pattern, holidays, 调休 days), because the
people who take over work that calendar: a matter received on Friday is not "2 days old" on
Sunday, nor during the Spring Festival. A matter escalates at the end of the day shift of the
N-th working day after it was received (``WorkingCalendar.add_working_days``). Defaults: 2
working days to the supervisor; to the manager after one week of that property's working days
(6 at a property working Monday–Saturday, 5 at one working Monday–Friday). Override with
``settings["workorder_escalation"] = {"supervisor_working_days": 2, "manager_working_days": 5}``.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.orm import Session

from ..org.calendar import WorkingCalendar, load_calendar
from ..org.models import Property
from ..tenancy import unscoped
from .models import OPEN_ORDER_STATES, Escalation, Notification, ServiceRequest, WorkOrder
from .notifications import notify
from .staff import users_with_role
from .webhooks import emit

log = logging.getLogger("xunjian.workorders.sla")

DEFAULT_SLA_HOURS: dict[str, tuple[float, float]] = {
    "urgent": (0.5, 4),
    "high": (2, 24),
    "normal": (4, 72),
    "low": (24, 168),
}
DEFAULT_SUPERVISOR_WORKING_DAYS = 2
LEVEL_ROLES = {"supervisor": ("supervisor",), "manager": ("manager",)}
AWAITING_RESPONSE = ("new", "assigned")
FINAL_STATES = ("closed", "unresolvable")
FOLLOW_UP_OVERDUE = "follow_up_overdue"


@dataclass(frozen=True)
class Targets:
    response: dt.timedelta
    completion: dt.timedelta


def _positive_number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    return float(value)


def targets(prop: Property, priority: str) -> Targets:
    response_h, completion_h = DEFAULT_SLA_HOURS[priority]
    override = (prop.settings or {}).get("workorder_sla")
    if isinstance(override, dict) and isinstance(override.get(priority), dict):
        entry = override[priority]
        response_h = _positive_number(entry.get("response_hours")) or response_h
        completion_h = _positive_number(entry.get("completion_hours")) or completion_h
    return Targets(dt.timedelta(hours=response_h), dt.timedelta(hours=completion_h))


def escalation_days(prop: Property) -> dict[str, int]:
    settings = (prop.settings or {}).get("workorder_escalation")
    settings = settings if isinstance(settings, dict) else {}

    def whole(name: str, default: int) -> int:
        value = settings.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
        return default

    week = len(prop.working_days or []) or 5
    return {
        "supervisor": whole("supervisor_working_days", DEFAULT_SUPERVISOR_WORKING_DAYS),
        "manager": whole("manager_working_days", week),
    }


def response_overdue(order: WorkOrder, now: dt.datetime) -> bool:
    """Not yet accepted past the response target (``first_accepted_at``: a later return to the
    desk does not make an order that was reached in time late)."""
    return (
        order.first_accepted_at is None
        and order.state in AWAITING_RESPONSE
        and now > order.response_due_at
    )


def completion_overdue(order: WorkOrder, now: dt.datetime) -> bool:
    """Not yet reported done past the completion target."""
    return (
        order.first_done_at is None
        and order.state not in FINAL_STATES
        and now > order.completion_due_at
    )


def overdue_clause(now: dt.datetime) -> ColumnElement[bool]:
    """SQL for ``response_overdue(order) or completion_overdue(order)``: the same rule, so a
    list filtered by ``overdue=true`` shows exactly the orders flagged overdue."""
    response = and_(
        WorkOrder.first_accepted_at.is_(None),
        WorkOrder.state.in_(AWAITING_RESPONSE),
        WorkOrder.response_due_at < now,
    )
    completion = and_(
        WorkOrder.first_done_at.is_(None),
        WorkOrder.state.not_in(FINAL_STATES),
        WorkOrder.completion_due_at < now,
    )
    return or_(response, completion)


def escalation_deadlines(
    cal: WorkingCalendar, prop: Property, since: dt.datetime
) -> dict[str, dt.datetime]:
    return {
        level: cal.add_working_days(since, days) for level, days in escalation_days(prop).items()
    }


# --- the periodic job ---------------------------------------------------------------------


def escalate(session: Session, now: dt.datetime) -> int:
    """Escalate every open matter past its deadline; idempotent (one row per matter and level).
    Then alert the supervisors to special follow-ups past their 24 hours (``follow_ups_due``).

    Runs every minute, unscoped. Escalation does not touch the order's own row (its version is
    the ETag the front desk holds), so a job run never makes someone's edit fail with 412.
    Returns how many escalations and follow-up alerts it raised.
    """
    return _escalate_matters(session, now) + follow_ups_due(session, now)


def _escalate_matters(session: Session, now: dt.datetime) -> int:
    orders = list(
        session.scalars(unscoped(select(WorkOrder).where(WorkOrder.state.in_(OPEN_ORDER_STATES))))
    )
    requests = list(
        session.scalars(unscoped(select(ServiceRequest).where(ServiceRequest.state == "open")))
    )
    if not orders and not requests:
        return 0
    prop_ids = {o.property_id for o in orders} | {r.property_id for r in requests}
    props = {
        p.id: p
        for p in session.scalars(unscoped(select(Property).where(Property.id.in_(prop_ids))))
    }
    calendars = {pid: load_calendar(session, prop) for pid, prop in props.items()}
    done: set[tuple[str, int, str]] = set()
    open_orders = select(WorkOrder.id).where(WorkOrder.state.in_(OPEN_ORDER_STATES))
    open_requests = select(ServiceRequest.id).where(ServiceRequest.state == "open")
    for row in session.execute(
        unscoped(
            select(Escalation.work_order_id, Escalation.request_id, Escalation.level).where(
                or_(
                    Escalation.work_order_id.in_(open_orders),
                    Escalation.request_id.in_(open_requests),
                )
            )
        )
    ):
        if row.work_order_id is not None:
            done.add(("order", row.work_order_id, row.level))
        else:
            done.add(("request", row.request_id, row.level))
    raised = 0
    # An order from an owner's request is late from when the owner reported it, not from when
    # the desk got round to dispatching it.
    reported = dict(
        session.execute(
            unscoped(
                select(ServiceRequest.id, ServiceRequest.received_at).where(
                    ServiceRequest.id.in_({o.request_id for o in orders if o.request_id})
                )
            )
        ).all()
    )
    matters: list[tuple[str, Any, dt.datetime]] = [
        ("order", o, min(o.created_at, reported.get(o.request_id or 0, o.created_at)))
        for o in orders
    ]
    matters += [("request", r, r.received_at) for r in requests]
    for kind, matter, since in matters:
        prop = props[matter.property_id]
        deadlines = escalation_deadlines(calendars[prop.id], prop, since)
        for level in ("supervisor", "manager"):
            if (kind, matter.id, level) in done or now <= deadlines[level]:
                continue
            _raise(session, kind, matter, level, deadlines[level], now)
            done.add((kind, matter.id, level))
            raised += 1
    return raised


def _raise(
    session: Session, kind: str, matter: Any, level: str, due: dt.datetime, now: dt.datetime
) -> None:
    users = users_with_role(session, matter.property_id, LEVEL_ROLES[level])
    is_order = kind == "order"
    session.add(
        Escalation(
            property_id=matter.property_id,
            work_order_id=matter.id if is_order else None,
            request_id=None if is_order else matter.id,
            level=level,
            due_at=due,
            escalated_at=now,
            notified_user_ids=users,
        )
    )
    what = f"Work order #{matter.id}" if is_order else f"Request #{matter.id}"
    what_zh = f"派工单 #{matter.id}" if is_order else f"报事 #{matter.id}"
    level_zh = {"supervisor": "客服主管", "manager": "管理处经理"}[level]
    notify(
        session,
        property_id=matter.property_id,
        user_ids=users,
        kind=f"escalated_{level}",
        message=f"{what} is not finished in time and is now yours to take over ({level}).",
        message_zh=f"{what_zh}未按时完成，已升级至{level_zh}跟进。",
        now=now,
        work_order_id=matter.id if is_order else None,
        request_id=None if is_order else matter.id,
    )
    emit(
        session,
        matter.property_id,
        "workorder.escalated" if is_order else "request.escalated",
        {"id": matter.id, "level": level, "due_at": due, "state": matter.state},
        now,
    )
    log.info("escalated %s %s to %s", kind, matter.id, level)


# --- special follow-ups past due ----------------------------------------------------------


def follow_ups_due(session: Session, now: dt.datetime) -> int:
    """Alert the property's supervisors, once, to each special follow-up past its due time.

    A rework (failed verification or an unhappy return visit) must be re-repaired *and*
    return-visited within 24 hours (``rework_due_at``, cleared by the satisfied visit); a
    complaint handled at the desk whose owner was unhappy has the same 24 hours
    (``follow_up_due_at``). Nothing watched those deadlines: the escalation steps count working
    days and would only fire days later.

    "Once" is per due time: a ``follow_up_overdue`` feed row on the matter created after the due
    time means this round was already alerted; a later rework sets a later due time, which is
    alerted again. The feed row is the record, so no schema change was needed; the job runs
    once a minute from one scheduler, so two runs do not race for the same matter. Like
    escalation, it never touches the order's row (no 412 for the front desk).
    """
    raised = 0
    for kind, model, due_column, matter_column in (
        ("order", WorkOrder, WorkOrder.rework_due_at, Notification.work_order_id),
        ("request", ServiceRequest, ServiceRequest.follow_up_due_at, Notification.request_id),
    ):
        alerted = exists().where(
            matter_column == model.id,
            Notification.kind == FOLLOW_UP_OVERDUE,
            Notification.created_at >= due_column,
        )
        matters = session.scalars(
            unscoped(
                select(model)
                .where(
                    due_column.is_not(None),
                    due_column < now,
                    model.state.not_in(FINAL_STATES),
                    ~alerted,
                )
                .order_by(model.id)
            )
        ).all()
        for matter in matters:
            if _alert_follow_up(session, kind, matter, now):
                raised += 1
    return raised


def _alert_follow_up(session: Session, kind: str, matter: Any, now: dt.datetime) -> bool:
    users = users_with_role(session, matter.property_id, LEVEL_ROLES["supervisor"])
    if not users:
        return False
    is_order = kind == "order"
    due = matter.rework_due_at if is_order else matter.follow_up_due_at
    if is_order:
        what, what_zh = f"Work order #{matter.id}", f"派工单 #{matter.id}"
        task, task_zh = "re-repair and return visit", "返修及回访"
    else:
        what, what_zh = f"Request #{matter.id}", f"报事 #{matter.id}"
        task, task_zh = "follow-up with the owner", "跟进回访"
    notify(
        session,
        property_id=matter.property_id,
        user_ids=users,
        kind=FOLLOW_UP_OVERDUE,
        message=f"{what}: the special {task} was due within 24 hours and is overdue.",
        message_zh=f"{what_zh}的专项{task_zh}须在 24 小时内完成，现已逾期。",
        now=now,
        work_order_id=matter.id if is_order else None,
        request_id=None if is_order else matter.id,
    )
    log.info("special follow-up of %s %s overdue (due %s)", kind, matter.id, due)
    return True
