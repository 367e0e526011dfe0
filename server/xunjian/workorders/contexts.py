"""What a work-order photo belongs to, for the evidence area (``evidence.contexts``).

``context_id`` of ``workorder_before`` / ``workorder_after`` photos is the order's client UUID
(the phone knows it offline) or its numeric id. An after-photo taken before the engineer arrived
on site is flagged by evidence's plausibility checks (``before_task_start``).
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..evidence.contexts import ContextInfo, register_context
from .models import WorkOrder
from .places import place_of


def _lookup(session: Session, context_id: str) -> WorkOrder | None:
    context_id = context_id.strip()
    if context_id.isdigit() and len(context_id) < 12:
        return session.scalar(select(WorkOrder).where(WorkOrder.id == int(context_id)))
    try:
        client_id = uuid.UUID(context_id)
    except ValueError:
        return None
    return session.scalar(select(WorkOrder).where(WorkOrder.client_id == client_id))


def resolve_before(session: Session, context_id: str) -> ContextInfo | None:
    order = _lookup(session, context_id)
    if order is None:
        return None
    label = f"工单#{order.id} {place_of(session, order)['directions']}".strip()
    return ContextInfo(property_id=order.property_id, label=label)


def resolve_after(session: Session, context_id: str) -> ContextInfo | None:
    order = _lookup(session, context_id)
    if order is None:
        return None
    label = f"工单#{order.id} {place_of(session, order)['directions']}".strip()
    return ContextInfo(
        property_id=order.property_id,
        started_at=order.on_site_at or order.accepted_at,
        label=label,
    )


def register() -> None:
    """Tell the evidence area how to look up this area's tasks (called by ``areas.register``)."""
    register_context("workorder_before", resolve_before)
    register_context("workorder_after", resolve_after)
