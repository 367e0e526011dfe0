"""Taking over a patrol finding (``patrol.models.Finding``) as a work order. No Flask imports.

Patrol marks a problem it found with ``forward_target = "work_order"``; the work-order area
consumes it: the order keeps the finding's note, photos and place, and the finding stays linked
(``work_orders.finding_id``, unique: one order per finding). A finding still ``open`` is
forwarded here first, through patrol's own transition, so its lifecycle is respected.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import Conflict, field_error
from ..patrol.models import Checkpoint, Finding
from ..patrol.runs import forward_finding
from ..tenancy import Actor
from .models import WorkOrder


@dataclass(frozen=True)
class TakenFinding:
    description: str
    photo_client_ids: list[str]
    building_id: int | None
    floor_id: int | None
    unit_id: int | None
    place_text: str


def take_finding(
    session: Session, actor: Actor, now: dt.datetime, property_id: int, finding_id: int
) -> TakenFinding:
    finding = session.scalar(
        select(Finding).where(Finding.id == finding_id, Finding.property_id == property_id)
    )
    if finding is None:
        raise field_error(
            "finding_id", "No such patrol finding at this property.", "该项目没有此巡查发现。"
        )
    if finding.outcome != "problem":
        raise field_error(
            "finding_id", "This finding reported no problem.", "该巡查发现未报告问题。"
        )
    if session.scalar(select(WorkOrder.id).where(WorkOrder.finding_id == finding.id)) is not None:
        raise Conflict(
            "This finding already has a work order.",
            message_zh="该巡查发现已生成派工单。",
            code="finding_taken",
        )
    if finding.status == "open":
        forward_finding(session, actor, now, finding, target="work_order", note="派工单")
    elif finding.forward_target != "work_order":
        raise Conflict(
            "This finding was forwarded elsewhere (not to engineering).",
            message_zh="该巡查发现已转给其他部门处理。",
            code="finding_forwarded_elsewhere",
        )
    checkpoint = (
        session.scalar(select(Checkpoint).where(Checkpoint.id == finding.checkpoint_id))
        if finding.checkpoint_id
        else None
    )
    return TakenFinding(
        description=finding.note,
        photo_client_ids=[str(p) for p in finding.photo_client_ids or []],
        building_id=checkpoint.building_id if checkpoint else None,
        floor_id=checkpoint.floor_id if checkpoint else None,
        unit_id=finding.unit_id or (checkpoint.unit_id if checkpoint else None),
        place_text=checkpoint.name_zh if checkpoint else "",
    )
