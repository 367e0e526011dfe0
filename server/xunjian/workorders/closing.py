"""Verification, rework, closing (after the return visit) and the manager's unresolvable close.
No Flask imports."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from ..tenancy import Actor
from . import orders
from . import requests as request_service
from .completions import require_after_photo_arrived
from .models import WorkOrder
from .records import require_text
from .states import ORDER

REWORK_DUE = dt.timedelta(hours=24)


def verify(session: Session, actor: Actor, order: WorkOrder, now: dt.datetime) -> WorkOrder:
    ORDER.check(order, "verify")
    require_after_photo_arrived(session, order)
    ORDER.apply(
        session, actor, order, "verify", now=now, verified_at=now, verified_by_id=actor.user_id
    )
    orders.emit(session, order.property_id, "workorder.verified", orders.summary(order), now)
    return order


def rework(
    session: Session,
    actor: Actor,
    order: WorkOrder,
    reason: str,
    now: dt.datetime,
    *,
    event: str,
) -> WorkOrder:
    """Failed verification or an unhappy return visit: back to the engineer who did it, counted,
    with a special follow-up (re-repair and return visit) due within 24 hours."""
    ORDER.check(order, event)
    text = require_text(reason, "reason", "what is still wrong", "返修原因")
    engineer = order.done_by_id or order.assignee_id
    ORDER.apply(
        session,
        actor,
        order,
        event,
        now=now,
        assignee_id=engineer,
        team=None if engineer else order.team,
        rework_count=order.rework_count + 1,
        rework_due_at=now + REWORK_DUE,
        rework_reason=text,
        verified_at=None,
        verified_by_id=None,
        visited_at=None,
        accepted_at=None,
        on_site_at=None,
    )
    if engineer:
        orders.end_assignment(session, order, now, "reassigned")
        orders.start_assignment(session, order, actor, now, engineer, None, "rework")
        orders.note_users(
            session,
            order,
            [engineer],
            "rework",
            f"rework needed within 24 h: {text}",
            f"需返修（24 小时内）：{text}",
            now,
            actor,
        )
    if order.request_id:
        request_service.follow_order(session, actor, order, now)
    orders.emit(session, order.property_id, "workorder.rework", orders.summary(order), now)
    return order


def fail_verification(
    session: Session, actor: Actor, order: WorkOrder, reason: str, now: dt.datetime
) -> WorkOrder:
    return rework(session, actor, order, reason, now, event="fail_verification")


def close(session: Session, actor: Actor, order: WorkOrder, now: dt.datetime) -> WorkOrder:
    ORDER.apply(session, actor, order, "close", now=now)
    _closed(session, actor, order, now)
    return order


def close_unresolvable(
    session: Session, actor: Actor, order: WorkOrder, reason: str, now: dt.datetime
) -> WorkOrder:
    ORDER.check(order, "close_unresolvable")
    text = require_text(reason, "reason", "why it cannot be resolved", "无法解决的原因")
    ORDER.apply(session, actor, order, "close_unresolvable", now=now, close_reason=text)
    _closed(session, actor, order, now)
    return order


def _closed(session: Session, actor: Actor, order: WorkOrder, now: dt.datetime) -> None:
    orders.end_assignment(session, order, now, "closed")
    orders.emit(session, order.property_id, "workorder.closed", orders.summary(order), now)
    if order.request_id:
        request_service.follow_order(session, actor, order, now)
