"""What a patrol photo belongs to, for the evidence area (``evidence.contexts``).

``context_id`` of ``patrol_checkin`` / ``patrol_finding`` / ``spot_check`` photos is the
check-in's, finding's or spot check's **client UUID**: the phone knows it before the record
reaches the server (offline), and the photo may arrive first. A numeric server id is accepted
as well.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..evidence.contexts import ContextInfo, register_context
from ..org.models import Building, Floor
from . import geofence as gf
from .models import Checkin, Checkpoint, Finding, Run, SpotCheck


def _lookup(session: Session, model: Any, context_id: str) -> Any:
    context_id = context_id.strip()
    if context_id.isdigit() and len(context_id) < 12:
        return session.scalar(select(model).where(model.id == int(context_id)))
    try:
        client_id = uuid.UUID(context_id)
    except ValueError:
        return None
    return session.scalar(select(model).where(model.client_id == client_id))


def place_label(session: Session, checkpoint: Checkpoint) -> str:
    """ "1栋 3F 东梯": building, floor, checkpoint — what the photo strip shows."""
    parts = []
    if checkpoint.building_id is not None:
        parts.append(
            session.scalar(select(Building.name_zh).where(Building.id == checkpoint.building_id))
            or ""
        )
    if checkpoint.floor_id is not None:
        parts.append(
            session.scalar(select(Floor.name).where(Floor.id == checkpoint.floor_id)) or ""
        )
    parts.append(checkpoint.name_zh)
    return " ".join(p for p in parts if p)


def _info(session: Session, run_id: int, checkpoint_id: int | None) -> ContextInfo | None:
    run = session.scalar(select(Run).where(Run.id == run_id))
    if run is None:
        return None
    checkpoint = (
        session.scalar(select(Checkpoint).where(Checkpoint.id == checkpoint_id))
        if checkpoint_id is not None
        else None
    )
    if checkpoint is None:
        return ContextInfo(property_id=run.property_id, started_at=run.started_at)
    fence = gf.fence_of(checkpoint.geofence).as_lonlat_polygon() if checkpoint.geofence else None
    return ContextInfo(
        property_id=run.property_id,
        started_at=run.started_at,
        geofence=fence,
        label=place_label(session, checkpoint),
    )


def resolve_checkin(session: Session, context_id: str) -> ContextInfo | None:
    checkin = _lookup(session, Checkin, context_id)
    return None if checkin is None else _info(session, checkin.run_id, checkin.checkpoint_id)


def resolve_finding(session: Session, context_id: str) -> ContextInfo | None:
    finding = _lookup(session, Finding, context_id)
    return None if finding is None else _info(session, finding.run_id, finding.checkpoint_id)


def resolve_spot_check(session: Session, context_id: str) -> ContextInfo | None:
    check = _lookup(session, SpotCheck, context_id)
    if check is None:
        return None
    return ContextInfo(
        property_id=check.property_id, started_at=check.checked_at, label=f"查岗 {check.post}"
    )


def register() -> None:
    """Tell the evidence area how to look up this area's tasks (called by ``areas.register``)."""
    register_context("patrol_checkin", resolve_checkin)
    register_context("patrol_finding", resolve_finding)
    register_context("spot_check", resolve_spot_check)
