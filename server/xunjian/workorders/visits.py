"""Return visits (回访): the queue, the visit itself, the Friday batch. No Flask imports.

Every repair gets a return visit (target 100%), complaints at least 60%. A visit is by phone
(marked as such) or on site (the owner signs). Ratings 1–5 for attitude, speed, quality and
result; unless the visitor says otherwise, the owner is satisfied when no rating is below 3.
Unsatisfied → rework with a special follow-up due within 24 hours (the order) or the complaint
reopened with a follow-up due within 24 hours (a complaint handled at the desk).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from .. import audit
from ..errors import Conflict, field_error
from ..org import localtime, phone_clock
from ..tenancy import Actor
from . import closing
from . import requests as request_service
from .attachments import store_signature
from .models import ReturnVisit, ServiceRequest, WorkOrder
from .records import get_property, lock_row
from .states import ORDER, REQUEST
from .webhooks import emit

RATINGS = ("attitude", "speed", "quality", "result")
FOLLOW_UP_DUE = dt.timedelta(hours=24)
SATISFIED_FROM = 3
FRIDAY = 5  # ISO weekday


def record(
    session: Session,
    actor: Actor,
    store: Any,
    now: dt.datetime,
    *,
    client_id: uuid.UUID,
    property_id: int,
    method: str,
    ratings: dict[str, int],
    work_order: WorkOrder | None = None,
    request: ServiceRequest | None = None,
    satisfied: bool | None = None,
    comment: str = "",
    owner_signature: str | None = None,
    visited_at: dt.datetime | None = None,
) -> ReturnVisit:
    for name in RATINGS:
        value = ratings.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
            raise field_error(name, "Ratings are whole numbers 1–5.", "评分须为 1–5 的整数。")
    if method == "on_site" and not owner_signature:
        raise field_error(
            "owner_signature",
            "A visit on site needs the owner's signature.",
            "上门回访须有业主签字。",
            code="owner_signature_required",
        )
    lock_row(session, work_order if work_order is not None else request)
    # A replay racing the first send waited on the lock: answer with what the first stored.
    replayed = session.scalar(select(ReturnVisit).where(ReturnVisit.client_id == client_id))
    if replayed is not None:
        return replayed
    if work_order is not None:
        ORDER.check(work_order, "visit_satisfied")  # 409 unless verified
        special = work_order.rework_count > 0
    else:
        assert request is not None
        REQUEST.check(request, "visit_satisfied")  # 409 unless handled
        if _has_orders(session, request):
            raise Conflict(
                "This request went to engineering: visit its work order instead.",
                message_zh="该报事已派工，请对其派工单回访。",
                code="visit_the_work_order",
            )
        special = request.follow_up_due_at is not None
    if satisfied is None:
        satisfied = min(ratings[name] for name in RATINGS) >= SATISFIED_FROM
    key, sha = (
        store_signature(store, owner_signature, "owner_signature")
        if owner_signature
        else (None, None)
    )
    matter = work_order if work_order is not None else request
    assert matter is not None
    matter_began = matter.created_at if isinstance(matter, WorkOrder) else matter.recorded_at
    clock = phone_clock.judge(
        get_property(session, property_id), visited_at, now, not_before=matter_began
    )
    at = clock.at
    visit = ReturnVisit(
        property_id=property_id,
        client_id=client_id,
        work_order_id=work_order.id if work_order else None,
        request_id=request.id if request else None,
        method=method,
        visitor_id=actor.user_id,
        visited_at=at,
        satisfied=satisfied,
        comment=comment.strip(),
        special_follow_up=special,
        owner_signature_key=key,
        owner_signature_sha256=sha,
        **{name: ratings[name] for name in RATINGS},
    )
    session.add(visit)
    audit.record(session, actor, visit, "visit", extra=clock.audit())
    reason = comment.strip() or "The owner was not satisfied at the return visit."
    if work_order is not None:
        if satisfied:
            ORDER.apply(
                session,
                actor,
                work_order,
                "visit_satisfied",
                now=now,
                visited_at=at,
                rework_due_at=None,
            )
        else:
            closing.rework(session, actor, work_order, reason, now, event="visit_unsatisfied")
    else:
        assert request is not None
        if satisfied:
            REQUEST.apply(
                session, actor, request, "visit_satisfied", now=now, follow_up_due_at=None
            )
            emit(
                session,
                request.property_id,
                "request.closed",
                request_service.summary(request),
                now,
            )
        else:
            REQUEST.apply(
                session,
                actor,
                request,
                "visit_unsatisfied",
                now=now,
                follow_up_due_at=now + FOLLOW_UP_DUE,
            )
    return visit


def _has_orders(session: Session, request: ServiceRequest) -> bool:
    return bool(session.scalar(select(exists().where(WorkOrder.request_id == request.id))))


def queue(session: Session, property_id: int, limit: int) -> list[dict[str, Any]]:
    """What awaits a return visit: verified orders and complaints handled at the desk.
    Special follow-ups (after a rework or an unhappy visit) first, by their 24-hour due time."""
    items: list[dict[str, Any]] = []
    for order in session.scalars(
        select(WorkOrder)
        .where(WorkOrder.property_id == property_id, WorkOrder.state == "verified")
        .order_by(WorkOrder.verified_at)
        .limit(limit)
    ):
        items.append(
            {
                "kind": "work_order",
                "id": order.id,
                "summary": order.description,
                "since": order.done_at,
                "special_follow_up": order.rework_count > 0,
                "due_at": order.rework_due_at,
                "unit_id": order.unit_id,
            }
        )
    has_order = exists().where(WorkOrder.request_id == ServiceRequest.id)
    for request in session.scalars(
        select(ServiceRequest)
        .where(
            ServiceRequest.property_id == property_id,
            ServiceRequest.state == "handled",
            ~has_order,
        )
        .order_by(ServiceRequest.handled_at)
        .limit(limit)
    ):
        items.append(
            {
                "kind": "request",
                "id": request.id,
                "summary": request.matter,
                "since": request.handled_at,
                "special_follow_up": request.follow_up_due_at is not None,
                "due_at": request.follow_up_due_at,
                "unit_id": request.unit_id,
            }
        )
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    items.sort(key=lambda i: (not i["special_follow_up"], i["due_at"] or far, i["since"] or far))
    return items[:limit]


def batch_window(tz: ZoneInfo, friday: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The batch engineering hands over on ``friday``: the 7 days before it (Friday through
    Thursday, local time), so consecutive batches neither overlap nor leave a gap."""
    return localtime.days_bounds(tz, friday - dt.timedelta(days=7), friday - dt.timedelta(days=1))


def last_friday(tz: ZoneInfo, now: dt.datetime) -> dt.date:
    today = localtime.local_day(tz, now)
    return today - dt.timedelta(days=(today.isoweekday() - FRIDAY) % 7)


def weekly_batch(
    session: Session, property_id: int, tz: ZoneInfo, friday: dt.date
) -> dict[str, Any]:
    if friday.isoweekday() != FRIDAY:
        raise field_error("friday", "Give a Friday.", "请选择星期五。")
    start, end = batch_window(tz, friday)
    rows = list(
        session.scalars(
            select(WorkOrder)
            .where(
                WorkOrder.property_id == property_id,
                WorkOrder.first_done_at >= start,
                WorkOrder.first_done_at < end,
            )
            .order_by(WorkOrder.first_done_at)
        )
    )
    visited = set(
        session.scalars(
            select(ReturnVisit.work_order_id).where(
                ReturnVisit.work_order_id.in_([o.id for o in rows])
            )
        )
    )
    items = [
        {
            "id": o.id,
            "state": o.state,
            "category": o.category,
            "description": o.description,
            "done_at": o.first_done_at,
            "done_by_id": o.done_by_id,
            "visited": o.id in visited,
            "rework_count": o.rework_count,
        }
        for o in rows
    ]
    return {
        "friday": friday,
        "window_start": start,
        "window_end": end,
        "total": len(items),
        "visited": sum(1 for i in items if i["visited"]),
        "items": items,
    }
