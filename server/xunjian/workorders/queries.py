"""Read models: what the API shows of requests and orders (places by name, overdue flags,
escalation level, photos that have arrived). Batched per page, not per row. No Flask."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import Session

from .attachments import arrived_photos
from .completions import current
from .models import (
    OPEN_ORDER_STATES,
    Assignment,
    Completion,
    Escalation,
    ReturnVisit,
    ServiceRequest,
    WebhookDelivery,
    WebhookEndpoint,
    WorkOrder,
)
from .places import place_of, places_of
from .requests import repeat_counts, reply_late, reply_late_clause
from .sla import completion_overdue, overdue_clause, response_overdue
from .states import ORDER

PRIORITY_RANK = {"urgent": 0, "high": 1, "normal": 2, "low": 3}


def columns(item: Any) -> dict[str, Any]:
    return {c.key: getattr(item, c.key) for c in type(item).__table__.columns}


def _escalated(session: Session, column: Any, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    top = func.max(case((Escalation.level == "manager", 2), else_=1))
    rows = session.execute(select(column, top).where(column.in_(ids)).group_by(column))
    return {mid: ("manager" if level == 2 else "supervisor") for mid, level in rows}


def orders_out(
    session: Session, items: Sequence[WorkOrder], now: dt.datetime
) -> list[dict[str, Any]]:
    ids = [o.id for o in items]
    places = places_of(session, items)
    escalated = _escalated(session, Escalation.work_order_id, ids)
    late = (
        dict(
            session.execute(
                select(Completion.work_order_id, func.count(Completion.id))
                .where(Completion.work_order_id.in_(ids), Completion.status == "late_pending")
                .group_by(Completion.work_order_id)
            ).all()
        )
        if ids
        else {}
    )
    out = []
    for order in items:
        row = columns(order)
        row.update(
            place=places[order.id],
            allowed_events=ORDER.events_from(order.state),
            response_overdue=response_overdue(order, now),
            completion_overdue=completion_overdue(order, now),
            escalated_to=escalated.get(order.id),
            late_completions=late.get(order.id, 0),
        )
        out.append(row)
    return out


def order_detail(session: Session, order: WorkOrder, now: dt.datetime) -> dict[str, Any]:
    row = orders_out(session, [order], now)[0]
    completions = list(
        session.scalars(
            select(Completion).where(Completion.work_order_id == order.id).order_by(Completion.id)
        )
    )
    chosen = current(session, order)
    row.update(
        place=place_of(session, order),
        before_photos=arrived_photos(session, order.before_photo_client_ids),
        completions=[completion_out(session, c) for c in completions],
        completion=completion_out(session, chosen) if chosen else None,
        assignments=list(
            session.scalars(
                select(Assignment)
                .where(Assignment.work_order_id == order.id)
                .order_by(Assignment.id)
            )
        ),
        escalations=list(
            session.scalars(
                select(Escalation)
                .where(Escalation.work_order_id == order.id)
                .order_by(Escalation.id)
            )
        ),
        visits=list(
            session.scalars(
                select(ReturnVisit)
                .where(ReturnVisit.work_order_id == order.id)
                .order_by(ReturnVisit.id)
            )
        ),
    )
    return row


def completion_out(session: Session, completion: Completion) -> dict[str, Any]:
    row = columns(completion)
    row["after_photos"] = arrived_photos(session, completion.after_photo_client_ids)
    row["applied"] = completion.status in ("applied", "adopted")
    return row


def requests_out(
    session: Session, items: Sequence[ServiceRequest], now: dt.datetime
) -> list[dict[str, Any]]:
    ids = [r.id for r in items]
    counts = repeat_counts(session, ids)
    escalated = _escalated(session, Escalation.request_id, ids)
    order_ids: dict[int, list[int]] = {}
    if ids:
        for request_id, order_id in session.execute(
            select(WorkOrder.request_id, WorkOrder.id)
            .where(WorkOrder.request_id.in_(ids))
            .order_by(WorkOrder.id)
        ):
            if request_id is not None:
                order_ids.setdefault(request_id, []).append(order_id)
    out = []
    for request in items:
        row = columns(request)
        row.update(
            repeat_count=counts.get(request.id, 0),
            reply_overdue=reply_late(request, now),
            escalated_to=escalated.get(request.id),
            work_order_ids=order_ids.get(request.id, []),
        )
        out.append(row)
    return out


def queue_order(stmt: Any) -> Any:
    """Priority first, then what is due soonest (a rework's 24-hour follow-up counts)."""
    rank = case(PRIORITY_RANK, value=WorkOrder.priority, else_=9)
    due = func.coalesce(WorkOrder.rework_due_at, WorkOrder.completion_due_at)
    return stmt.order_by(rank, due, WorkOrder.id)


# --- list statements (the views narrow them to the permitted properties and page them) ------


def _equal(stmt: Select[Any], model: type[Any], **filters: Any) -> Select[Any]:
    """``column == value`` for each filter given (``None`` means "not filtered")."""
    for name, value in filters.items():
        if value is not None:
            stmt = stmt.where(getattr(model, name) == value)
    return stmt


def requests(now: dt.datetime, *, reply_overdue: bool = False, **filters: Any) -> Select[Any]:
    """The reception record; ``filters`` are columns (state, kind, channel, unit_id,
    repeat_of_id); ``reply_overdue`` keeps complaints whose reply is late at ``now``."""
    stmt = _equal(select(ServiceRequest), ServiceRequest, **filters)
    if reply_overdue:
        stmt = stmt.where(reply_late_clause(now))
    return stmt


def orders(
    now: dt.datetime, *, open: bool | None = None, overdue: bool | None = None, **filters: Any
) -> Select[Any]:
    """Work orders; ``filters`` are columns (state, priority, category, assignee_id,
    request_id); ``open`` and ``overdue`` (at ``now``) select either side when given."""
    stmt = _equal(select(WorkOrder), WorkOrder, **filters)
    if open is not None:
        in_open = WorkOrder.state.in_(OPEN_ORDER_STATES)
        stmt = stmt.where(in_open if open else ~in_open)
    if overdue is not None:
        late = overdue_clause(now)
        stmt = stmt.where(late if overdue else ~late)
    return stmt


QUEUE_STATES = ("assigned", "accepted", "on_site", "paused", "rework")


def work_queue(engineer_id: int) -> Select[Any]:
    """The engineer's queue: assigned to them, or waiting in a team queue; by priority, due."""
    mine = WorkOrder.assignee_id == engineer_id
    team_queue = (WorkOrder.state == "assigned") & WorkOrder.assignee_id.is_(None)
    stmt = select(WorkOrder).where(WorkOrder.state.in_(QUEUE_STATES), or_(mine, team_queue))
    return queue_order(stmt)


def late_completions(status: str) -> Select[Any]:
    return select(Completion).where(Completion.status == status)


def escalations(level: str | None = None) -> Select[Any]:
    return _equal(select(Escalation), Escalation, level=level)


def webhook_endpoints(property_id: int) -> Select[Any]:
    return select(WebhookEndpoint).where(WebhookEndpoint.property_id == property_id)


def webhook_deliveries(endpoint_id: int, state: str | None = None) -> Select[Any]:
    return _equal(select(WebhookDelivery), WebhookDelivery, endpoint_id=endpoint_id, state=state)
