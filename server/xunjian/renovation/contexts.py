"""What a renovation photo belongs to, for the evidence area (``evidence.contexts``).

``renovation_item``: ``context_id`` is the inspection's client UUID (known to the phone before
the inspection reaches the server, so the photo may arrive first), the inspection's numeric id,
or ``r<renovation id>`` for a photo of the site outside an inspection.
``notice``: the notice's client UUID or id (refused-to-sign and re-inspection photos).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..evidence.contexts import ContextInfo, register_context
from .models import Inspection, Notice, Renovation
from .units import unit_label


def _lookup(session: Session, model: Any, context_id: str) -> Any:
    context_id = context_id.strip()
    if context_id.isdigit() and len(context_id) < 12:
        return session.scalar(select(model).where(model.id == int(context_id)))
    try:
        client_id = uuid.UUID(context_id)
    except ValueError:
        return None
    return session.scalar(select(model).where(model.client_id == client_id))


def _site(session: Session, renovation_id: int) -> Renovation | None:
    return session.scalar(select(Renovation).where(Renovation.id == renovation_id))


def resolve_item(session: Session, context_id: str) -> ContextInfo | None:
    if context_id.strip().lower().startswith("r") and context_id.strip()[1:].isdigit():
        site = _site(session, int(context_id.strip()[1:]))
        if site is None:
            return None
        return ContextInfo(
            property_id=site.property_id, label=f"{unit_label(session, site.unit_id)} 装修"
        )
    inspection = _lookup(session, Inspection, context_id)
    if inspection is None:
        return None
    site = _site(session, inspection.renovation_id)
    label = f"{unit_label(session, site.unit_id)} 装修" if site else "装修"
    return ContextInfo(
        property_id=inspection.property_id, started_at=inspection.inspected_at, label=label
    )


def resolve_notice(session: Session, context_id: str) -> ContextInfo | None:
    notice = _lookup(session, Notice, context_id)
    if notice is None:
        return None
    site = _site(session, notice.renovation_id)
    unit = unit_label(session, site.unit_id) if site else ""
    return ContextInfo(
        property_id=notice.property_id,
        started_at=notice.issued_at,
        label=f"{unit} 整改通知 {notice.serial or ''}".strip(),
    )


def register() -> None:
    """Tell the evidence area how to look up this area's tasks (called by ``areas.register``)."""
    register_context("renovation_item", resolve_item)
    register_context("notice", resolve_notice)
