"""The engineer's actions on a work order: accept, decline, return, arrive, pause, resume.
Reporting the work done is a completion (``completions.py``). No Flask imports."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from ..errors import Conflict
from ..tenancy import Actor
from . import orders
from .models import WorkOrder
from .records import require_text
from .states import ORDER


def _must_hold(actor: Actor, order: WorkOrder) -> None:
    if order.assignee_id != actor.user_id:
        raise Conflict(
            "This work order is not assigned to you (it may have been reassigned).",
            message_zh="该派工单未派给您（可能已改派）。",
            code="not_assignee",
            details={"assignee_id": order.assignee_id},
        )


def accept(session: Session, actor: Actor, order: WorkOrder, now: dt.datetime) -> WorkOrder:
    ORDER.check(order, "accept")
    from_queue = order.state == "assigned" and order.assignee_id is None
    if from_queue:
        orders.end_assignment(session, order, now, "taken")
        orders.start_assignment(session, order, actor, now, actor.user_id, order.team)
    else:
        _must_hold(actor, order)
    ORDER.apply(
        session,
        actor,
        order,
        "accept",
        now=now,
        assignee_id=actor.user_id,
        accepted_at=now,
        first_accepted_at=order.first_accepted_at or now,
    )
    return order


def decline(
    session: Session, actor: Actor, order: WorkOrder, reason: str, now: dt.datetime, *, event: str
) -> WorkOrder:
    """Decline (not yet accepted) or return (accepted, e.g. needs another trade) → new."""
    ORDER.check(order, event)
    _must_hold(actor, order)
    text = require_text(reason, "reason", "why", "原因")
    orders.end_assignment(session, order, now, "declined" if event == "decline" else "returned")
    ORDER.apply(
        session,
        actor,
        order,
        event,
        now=now,
        assignee_id=None,
        team=None,
        assigned_at=None,
        assigned_by_id=None,
        accepted_at=None,
        on_site_at=None,
        paused_at=None,
        pause_reason="",
        last_return_reason=text,
    )
    orders.note_users(
        session,
        order,
        orders.front_desk_users(session, order),
        "returned",
        f"given back by the engineer: {text}",
        f"工程人员退回：{text}",
        now,
        actor,
    )
    return order


def arrive(session: Session, actor: Actor, order: WorkOrder, now: dt.datetime) -> WorkOrder:
    ORDER.check(order, "arrive")
    _must_hold(actor, order)
    ORDER.apply(session, actor, order, "arrive", now=now, on_site_at=now)
    return order


def pause(
    session: Session, actor: Actor, order: WorkOrder, reason: str, now: dt.datetime
) -> WorkOrder:
    ORDER.check(order, "pause")
    _must_hold(actor, order)
    text = require_text(reason, "reason", "why the work pauses", "暂停原因")
    ORDER.apply(session, actor, order, "pause", now=now, paused_at=now, pause_reason=text)
    return order


def resume(session: Session, actor: Actor, order: WorkOrder, now: dt.datetime) -> WorkOrder:
    ORDER.check(order, "resume")
    _must_hold(actor, order)
    ORDER.apply(session, actor, order, "resume", now=now)  # leaving the pause ends it
    return order
