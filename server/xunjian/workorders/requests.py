"""Request intake (接待业主情况记录): reception, reply deadlines, repeats, handling. No Flask.

Front desk records every request and complaint, handles it directly or passes it on as a work
order, and tracks it. Complaints must be answered within 1 working day (oral) or 3 working days
(written) on the property's calendar (``settings["complaint_reply_working_days"]`` overrides).
A problem reported twice is the first receiver's: a repeat keeps a link to the first report and
its ``responsible_id`` is the first receiver.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import uuid
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from .. import audit
from ..errors import field_error
from ..org import phone_clock
from ..org.calendar import load_calendar
from ..tenancy import Actor
from .models import ServiceRequest, WorkOrder
from .places import check_place
from .records import get_property, require_text
from .states import REQUEST
from .webhooks import emit

DEFAULT_REPLY_WORKING_DAYS = {"oral": 1, "written": 3}
REPEAT_WINDOW = dt.timedelta(days=30)
REPEAT_SIMILARITY = 0.6


def reply_deadline(session: Session, prop: Any, form: str, received_at: dt.datetime) -> dt.datetime:
    days = dict(DEFAULT_REPLY_WORKING_DAYS)
    override = (prop.settings or {}).get("complaint_reply_working_days")
    if isinstance(override, dict):
        for key in days:
            value = override.get(key)
            if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
                days[key] = value
    return load_calendar(session, prop).add_working_days(received_at, days[form])


def reply_late(request: ServiceRequest, now: dt.datetime) -> bool:
    """A complaint not replied to by its deadline, or replied to after it. A late reply stays
    late: the register records that the promise to the owner was broken, not only whether it
    is still being broken."""
    due = request.reply_due_at
    if due is None:
        return False
    return request.replied_at > due if request.replied_at is not None else now > due


def reply_late_clause(now: dt.datetime) -> ColumnElement[bool]:
    """``reply_late`` in SQL, so the ``reply_overdue=true`` list shows exactly the flagged ones."""
    due, replied = ServiceRequest.reply_due_at, ServiceRequest.replied_at
    return and_(due.is_not(None), or_(and_(replied.is_(None), due < now), replied > due))


_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)


def similar(a: str, b: str) -> float:
    x, y = _NOISE.sub("", a.lower()), _NOISE.sub("", b.lower())
    if not x or not y:
        return 0.0
    return difflib.SequenceMatcher(None, x, y).ratio()


def find_repeat_of(
    session: Session,
    property_id: int,
    unit_id: int | None,
    place_text: str,
    matter: str,
    received_at: dt.datetime,
) -> ServiceRequest | None:
    """The first report of the same matter at the same unit (or place) in the last 30 days."""
    if unit_id is None and not place_text.strip():
        return None
    stmt = select(ServiceRequest).where(
        ServiceRequest.property_id == property_id,
        ServiceRequest.received_at >= received_at - REPEAT_WINDOW,
        ServiceRequest.received_at <= received_at,
    )
    if unit_id is not None:
        stmt = stmt.where(ServiceRequest.unit_id == unit_id)
    else:
        stmt = stmt.where(
            ServiceRequest.unit_id.is_(None), ServiceRequest.place_text == place_text.strip()
        )
    for candidate in session.scalars(stmt.order_by(ServiceRequest.received_at)):
        if similar(candidate.matter, matter) >= REPEAT_SIMILARITY:
            return root_of(session, candidate)
    return None


def root_of(session: Session, request: ServiceRequest) -> ServiceRequest:
    if request.repeat_of_id is None:
        return request
    root = session.scalar(select(ServiceRequest).where(ServiceRequest.id == request.repeat_of_id))
    return root or request


def receive(
    session: Session,
    actor: Actor,
    now: dt.datetime,
    *,
    client_id: uuid.UUID | None,
    property_id: int,
    channel: str,
    kind: str,
    matter: str,
    complaint_form: str | None = None,
    owner_name: str = "",
    owner_phone: str = "",
    building_id: int | None = None,
    floor_id: int | None = None,
    unit_id: int | None = None,
    place_text: str = "",
    repeat_of_id: int | None = None,
    received_at: dt.datetime | None = None,
) -> ServiceRequest:
    prop = get_property(session, property_id)
    if kind == "complaint" and complaint_form is None:
        raise field_error(
            "complaint_form",
            "Say whether the complaint was oral or written (it sets the reply deadline).",
            "请注明投诉为口头或书面（决定回复时限）。",
        )
    if kind != "complaint" and complaint_form is not None:
        raise field_error(
            "complaint_form", "Only complaints have a form.", "只有投诉需要填写投诉形式。"
        )
    building_id, floor_id, unit_id = check_place(
        session, property_id, building_id, floor_id, unit_id
    )
    place_text = place_text.strip()
    if kind == "repair" and unit_id is None and building_id is None and not place_text:
        raise field_error(
            "place_text",
            "Say where: a unit, or the place in words.",
            "请填写地点：房号或具体位置。",
        )
    # The desk phone's clock; a time not believed becomes the receipt time, and the value the
    # phone sent stays in the audit entry (the request has no column of its own for it).
    clock = phone_clock.judge(prop, received_at, now)
    at = clock.at
    if repeat_of_id is not None:
        first = session.scalar(
            select(ServiceRequest).where(
                ServiceRequest.id == repeat_of_id, ServiceRequest.property_id == property_id
            )
        )
        if first is None:
            raise field_error(
                "repeat_of_id", "No such request at this property.", "该项目没有此报事记录。"
            )
        first = root_of(session, first)
    else:
        first = find_repeat_of(session, property_id, unit_id, place_text, matter, at)
    request = ServiceRequest(
        property_id=property_id,
        client_id=client_id,
        channel=channel,
        kind=kind,
        complaint_form=complaint_form,
        owner_name=owner_name.strip(),
        owner_phone=owner_phone.strip(),
        building_id=building_id,
        floor_id=floor_id,
        unit_id=unit_id,
        place_text=place_text,
        matter=require_text(matter, "matter", "the matter", "事项"),
        received_by_id=actor.user_id,
        received_at=at,
        recorded_at=now,
        responsible_id=first.responsible_id if first else actor.user_id,
        repeat_of_id=first.id if first else None,
        reply_due_at=reply_deadline(session, prop, complaint_form, at) if complaint_form else None,
        state="open",
    )
    session.add(request)
    audit.record(session, actor, request, "receive", extra=clock.audit())
    emit(session, property_id, "request.created", summary(request), now)
    return request


def summary(request: ServiceRequest) -> dict[str, Any]:
    return {
        "id": request.id,
        "kind": request.kind,
        "channel": request.channel,
        "state": request.state,
        "unit_id": request.unit_id,
        "place_text": request.place_text,
        "matter": request.matter,
        "received_at": request.received_at,
        "reply_due_at": request.reply_due_at,
        "repeat_of_id": request.repeat_of_id,
    }


def reply(
    session: Session, actor: Actor, request: ServiceRequest, note: str, now: dt.datetime
) -> ServiceRequest:
    REQUEST.check(request, "reply")
    text = require_text(note, "note", "what the owner was told", "答复内容")
    REQUEST.apply(
        session,
        actor,
        request,
        "reply",
        now=now,
        reply_note=text,
        replied_at=now,
        replied_by_id=actor.user_id,
    )
    return request


def handle(
    session: Session, actor: Actor, request: ServiceRequest, note: str, now: dt.datetime
) -> ServiceRequest:
    """Handled at the desk without a work order (an answer, a referral, an apology)."""
    REQUEST.check(request, "handle")
    text = require_text(note, "note", "how it was handled", "处理情况")
    # follow_up_due_at stays: the special follow-up ends with the return visit, not here.
    REQUEST.apply(
        session,
        actor,
        request,
        "handle",
        now=now,
        handling_note=text,
        handled_at=now,
        handled_by_id=actor.user_id,
    )
    emit(session, request.property_id, "request.handled", summary(request), now)
    return request


def close(
    session: Session, actor: Actor, request: ServiceRequest, now: dt.datetime
) -> ServiceRequest:
    REQUEST.apply(session, actor, request, "close", now=now)
    emit(session, request.property_id, "request.closed", summary(request), now)
    return request


def close_unresolvable(
    session: Session, actor: Actor, request: ServiceRequest, reason: str, now: dt.datetime
) -> ServiceRequest:
    REQUEST.check(request, "close_unresolvable")
    text = require_text(reason, "reason", "why it cannot be resolved", "无法解决的原因")
    REQUEST.apply(session, actor, request, "close_unresolvable", now=now, close_reason=text)
    emit(session, request.property_id, "request.closed", summary(request), now)
    return request


def follow_order(session: Session, actor: Actor | None, order: WorkOrder, now: dt.datetime) -> None:
    """After ``order`` moved: its request (if any) follows its orders."""
    session.flush()
    request = session.scalar(select(ServiceRequest).where(ServiceRequest.id == order.request_id))
    if request is not None:
        follow_orders(session, actor, request, now)


def follow_orders(
    session: Session, actor: Actor | None, request: ServiceRequest, now: dt.datetime
) -> None:
    """Keep a dispatched request in step with its work orders."""
    states = list(
        session.scalars(select(WorkOrder.state).where(WorkOrder.request_id == request.id))
    )
    if not states or request.state not in ("dispatched", "handled"):
        return
    terminal = {"closed", "unresolvable"}
    if all(s in terminal for s in states):
        event = "orders_closed" if "closed" in states else "orders_unresolvable"
    elif all(s in terminal | {"done", "verified", "visited"} for s in states):
        event = "orders_done"
    else:
        event = "orders_reopened"
    if not REQUEST.allows(request.state, event):
        return
    columns: dict[str, Any] = {}
    if event == "orders_done" and request.handled_at is None:
        columns.update(handled_at=now, handled_by_id=actor.user_id if actor else None)
    if event == "orders_unresolvable":
        columns.update(close_reason="All its work orders were closed as unresolvable.")
    REQUEST.apply(session, actor, request, event, now=now, **columns)
    if event == "orders_done":  # the request's "done": its orders are done
        emit(session, request.property_id, "request.handled", summary(request), now)
    if request.state in ("closed", "unresolvable"):
        emit(session, request.property_id, "request.closed", summary(request), now)


def repeat_counts(session: Session, ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    rows = session.execute(
        select(ServiceRequest.repeat_of_id, func.count(ServiceRequest.id))
        .where(ServiceRequest.repeat_of_id.in_(ids))
        .group_by(ServiceRequest.repeat_of_id)
    )
    return {rid: n for rid, n in rows if rid is not None}
