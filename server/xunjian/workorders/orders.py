"""Creating and dispatching work orders; the order's lifecycle is ``states.ORDER`` and every
move goes through ``ORDER.apply``. The engineer's moves are in ``engineer.py``, verification and
closing in ``closing.py``, reporting "done" in ``completions.py``. No Flask.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..errors import field_error
from ..tenancy import Actor
from . import requests as request_service
from .models import Assignment, ServiceRequest, WorkOrder
from .notifications import notify
from .places import check_place
from .records import get_property, require_text
from .sla import targets
from .staff import is_engineer_at, users_with_role
from .states import ORDER, REQUEST
from .webhooks import emit


def summary(order: WorkOrder) -> dict[str, Any]:
    """What webhooks carry: the order's facts without owners' phone numbers."""
    return {
        "id": order.id,
        "state": order.state,
        "category": order.category,
        "priority": order.priority,
        "source": order.source,
        "request_id": order.request_id,
        "finding_id": order.finding_id,
        "description": order.description,
        "unit_id": order.unit_id,
        "place_text": order.place_text,
        "assignee_id": order.assignee_id,
        "team": order.team,
        "created_at": order.created_at,
        "response_due_at": order.response_due_at,
        "completion_due_at": order.completion_due_at,
        "done_at": order.done_at,
        "rework_count": order.rework_count,
        "close_reason": order.close_reason,
    }


def front_desk_users(session: Session, order: WorkOrder) -> list[int]:
    return users_with_role(session, order.property_id, ("front_desk",))


def note_users(
    session: Session,
    order: WorkOrder,
    users: list[int],
    kind: str,
    en: str,
    zh: str,
    now: dt.datetime,
    actor: Actor | None,
) -> None:
    notify(
        session,
        property_id=order.property_id,
        user_ids=users,
        kind=kind,
        message=f"Work order #{order.id}: {en}",
        message_zh=f"派工单 #{order.id}：{zh}",
        now=now,
        work_order_id=order.id,
        skip_user_id=actor.user_id if actor else None,
    )


# --- assignment history -------------------------------------------------------------------


def current_assignment(session: Session, order: WorkOrder) -> Assignment | None:
    return session.scalar(
        select(Assignment)
        .where(Assignment.work_order_id == order.id, Assignment.ended_at.is_(None))
        .order_by(Assignment.id.desc())
    )


def end_assignment(session: Session, order: WorkOrder, now: dt.datetime, reason: str) -> None:
    current = current_assignment(session, order)
    if current is not None:
        current.ended_at, current.end_reason = now, reason


def start_assignment(
    session: Session,
    order: WorkOrder,
    actor: Actor,
    now: dt.datetime,
    assignee_id: int | None,
    team: str | None,
    note: str = "",
) -> None:
    session.add(
        Assignment(
            property_id=order.property_id,
            work_order_id=order.id,
            assignee_id=assignee_id,
            team=team,
            assigned_by_id=actor.user_id,
            assigned_at=now,
            note=note,
        )
    )


def held_by(session: Session, order: WorkOrder, user_id: int) -> bool:
    """Was the order ever assigned to this engineer (now or before)?"""
    return (
        session.scalar(
            select(Assignment.id)
            .where(Assignment.work_order_id == order.id, Assignment.assignee_id == user_id)
            .limit(1)
        )
        is not None
    )


def lost_meanwhile(session: Session, order: WorkOrder, user_id: int) -> bool:
    """Did someone else hold the order after this engineer had it (A → B → A)? Then a report
    from A may be from A's first turn, queued offline, and is kept rather than refused."""
    rows = session.scalars(
        select(Assignment).where(Assignment.work_order_id == order.id).order_by(Assignment.id)
    )
    had_it = False
    for row in rows:
        if row.assignee_id == user_id:
            had_it = had_it or row.ended_at is not None
        elif had_it:
            return True
    return False


# --- creating and dispatching -------------------------------------------------------------


def create(
    session: Session,
    actor: Actor,
    now: dt.datetime,
    *,
    client_id: uuid.UUID | None,
    property_id: int,
    category: str,
    priority: str,
    description: str = "",
    request_id: int | None = None,
    finding_id: int | None = None,
    building_id: int | None = None,
    floor_id: int | None = None,
    unit_id: int | None = None,
    place_text: str = "",
    before_photo_client_ids: list[uuid.UUID] | None = None,
    assignee_id: int | None = None,
    team: str | None = None,
) -> WorkOrder:
    prop = get_property(session, property_id)
    if request_id is not None and finding_id is not None:
        raise field_error(
            "finding_id",
            "An order comes from a request or a finding, not both.",
            "工单来源只能是报事或巡查发现之一。",
        )
    photos = [str(p) for p in before_photo_client_ids or []]
    request: ServiceRequest | None = None
    if request_id is not None:
        request = session.scalar(
            select(ServiceRequest).where(
                ServiceRequest.id == request_id, ServiceRequest.property_id == property_id
            )
        )
        if request is None:
            raise field_error(
                "request_id", "No such request at this property.", "该项目没有此报事记录。"
            )
        building_id = building_id or request.building_id
        floor_id = floor_id or request.floor_id
        unit_id = unit_id or request.unit_id
        place_text = place_text or request.place_text
        description = description or request.matter
    if finding_id is not None:
        from .findings import take_finding

        taken = take_finding(session, actor, now, property_id, finding_id)
        building_id = building_id or taken.building_id
        floor_id = floor_id or taken.floor_id
        unit_id = unit_id or taken.unit_id
        place_text = place_text or taken.place_text
        description = description or taken.description
        photos = photos + [p for p in taken.photo_client_ids if p not in photos]
    building_id, floor_id, unit_id = check_place(
        session, property_id, building_id, floor_id, unit_id
    )
    goal = targets(prop, priority)
    order = WorkOrder(
        property_id=property_id,
        client_id=client_id,
        source="request" if request else ("finding" if finding_id else "direct"),
        request_id=request.id if request else None,
        finding_id=finding_id,
        category=category,
        priority=priority,
        description=require_text(description, "description", "what is wrong", "故障描述"),
        building_id=building_id,
        floor_id=floor_id,
        unit_id=unit_id,
        place_text=place_text.strip(),
        before_photo_client_ids=photos,
        state="new",
        created_by_id=actor.user_id,
        created_at=now,
        response_due_at=now + goal.response,
        completion_due_at=now + goal.completion,
    )
    session.add(order)
    audit.record(session, actor, order, "create")
    if request is not None:
        REQUEST.apply(session, actor, request, "dispatch", now=now)
    emit(session, property_id, "workorder.created", summary(order), now)
    if request is not None:  # the request's "assigned": passed to engineering as this order
        dispatched = {**request_service.summary(request), "work_order_id": order.id}
        emit(session, property_id, "request.dispatched", dispatched, now)
    if assignee_id is not None or team is not None:
        assign(session, actor, order, now, assignee_id=assignee_id, team=team)
    return order


def edit(
    session: Session, actor: Actor, order: WorkOrder, changes: dict[str, Any], now: dt.datetime
) -> WorkOrder:
    """Correct the dispatch facts before an engineer has taken the order."""
    ORDER.check(order, "edit")
    before = audit.snapshot(order)
    if {"building_id", "floor_id", "unit_id"} & changes.keys():
        # The place ids are replaced together (a new unit brings its own floor and building).
        order.building_id, order.floor_id, order.unit_id = check_place(
            session,
            order.property_id,
            changes.get("building_id"),
            changes.get("floor_id"),
            changes.get("unit_id"),
        )
    for name in ("category", "description", "place_text"):
        if name in changes:
            setattr(order, name, changes[name])
    if "before_photo_client_ids" in changes:
        order.before_photo_client_ids = [str(p) for p in changes["before_photo_client_ids"]]
    if "priority" in changes and changes["priority"] != order.priority:
        order.priority = changes["priority"]
        goal = targets(get_property(session, order.property_id), order.priority)
        order.response_due_at = order.created_at + goal.response
        order.completion_due_at = order.created_at + goal.completion
    audit.record(session, actor, order, "edit", before=before)
    return order


def assign(
    session: Session,
    actor: Actor,
    order: WorkOrder,
    now: dt.datetime,
    *,
    assignee_id: int | None = None,
    team: str | None = None,
    note: str = "",
) -> WorkOrder:
    if (assignee_id is None) == (team is None):
        raise field_error(
            "assignee_id",
            "Assign to one engineer or to one team queue.",
            "请指派给一名工程人员或一个班组队列。",
        )
    if assignee_id is not None and not is_engineer_at(session, assignee_id, order.property_id):
        # Unknown, inactive, not an engineer, or an engineer of another property: all the same.
        raise field_error(
            "assignee_id",
            "No engineer with this id works at this property.",
            "该项目没有此工程人员。",
            code="unknown_engineer",
        )
    previous = order.assignee_id
    end_assignment(session, order, now, "reassigned")
    ORDER.apply(
        session,
        actor,
        order,
        "assign",
        now=now,
        assignee_id=assignee_id,
        team=team.strip() if team else None,
        assigned_at=now,
        assigned_by_id=actor.user_id,
        accepted_at=None,
        on_site_at=None,
        paused_at=None,
        pause_reason="",
    )
    start_assignment(session, order, actor, now, assignee_id, order.team, note)
    targets_ = (
        [assignee_id] if assignee_id else users_with_role(session, order.property_id, ("engineer",))
    )
    note_users(session, order, targets_, "assigned", "assigned to you.", "已派给您。", now, actor)
    if previous and previous != assignee_id:
        note_users(
            session,
            order,
            [previous],
            "reassigned_away",
            "reassigned to someone else; do not work on it.",
            "已改派他人，请勿继续处理。",
            now,
            actor,
        )
    emit(session, order.property_id, "workorder.assigned", summary(order), now)
    return order
