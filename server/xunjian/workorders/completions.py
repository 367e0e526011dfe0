"""Reporting work done, from the engineer's phone, and late reports. No Flask imports.

A completion is created with the phone's ``client_id`` (it is queued offline and replayed), so
it needs no If-Match: it is a report of a fact, and the server decides what it means.

* From the order's engineer, on site → applied: the order moves to ``done``.
* From an engineer who held the order before it was reassigned (the phone was offline) → kept
  as ``late_pending``, the front desk is notified and lists it, and adopts it (the order becomes
  done with that report) or dismisses it with a note. Never lost, never applied silently.
* Anything else → 409 (illegal transition, or not the engineer's order).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..errors import Conflict, field_error
from ..org import phone_clock
from ..tenancy import Actor
from . import orders
from . import requests as request_service
from .attachments import arrived_photos, store_signature
from .models import Assignment, Completion, WorkOrder
from .records import get_property, lock_row, require_text
from .states import COMPLETION, ORDER


def report(
    session: Session,
    actor: Actor,
    store: Any,
    now: dt.datetime,
    order: WorkOrder,
    *,
    client_id: uuid.UUID,
    work_notes: str,
    after_photo_client_ids: list[uuid.UUID],
    parts: list[dict[str, Any]] | None = None,
    device_time: dt.datetime | None = None,
    owner_signature: str | None = None,
) -> Completion:
    notes = require_text(work_notes, "work_notes", "what was done", "维修内容")
    if not after_photo_client_ids:
        raise field_error(
            "after_photo_client_ids",
            "Take at least one after-photo of the finished work.",
            "请至少拍摄一张完工照片。",
            code="after_photo_required",
        )
    if order.unit_id is not None and not owner_signature:
        raise field_error(
            "owner_signature",
            "Work inside a unit needs the owner's signature.",
            "户内维修须有业主签字。",
            code="owner_signature_required",
        )
    # Decide on the row as it is now, locked: a reassignment committing at the same moment
    # either comes first (this report is kept as late) or waits and then fails with 412.
    lock_row(session, order)
    # A replay of the same queued report that raced the first send waited on that lock; the
    # first is committed now, so answer with it instead of judging the now-done order (409).
    replayed = session.scalar(select(Completion).where(Completion.client_id == client_id))
    if replayed is not None:
        return replayed
    mine = order.assignee_id == actor.user_id
    if mine and ORDER.allows(order.state, "complete"):
        status, late_reason = "applied", ""
    elif (not mine and orders.held_by(session, order, actor.user_id)) or (
        mine and orders.lost_meanwhile(session, order, actor.user_id)
    ):
        # Reassigned away (and perhaps back) while the phone was offline: keep it for the desk.
        status, late_reason = "late_pending", "reassigned"
    else:
        ORDER.check(order, "complete")  # 409 illegal_transition unless on site
        raise Conflict(
            "This work order is not assigned to you.",
            message_zh="该派工单未派给您。",
            code="not_assignee",
        )
    key, sha = (
        store_signature(store, owner_signature, "owner_signature")
        if owner_signature
        else (None, None)
    )
    # The phone's time by the one policy; ``device_time`` keeps what the phone said.
    clock = phone_clock.judge(
        get_property(session, order.property_id), device_time, now, not_before=order.created_at
    )
    done_at = clock.at
    # The order's timeline stays in order: arrival is stamped when the server hears of it, so
    # an offline phone's finish can precede it; the order then says done at arrival, while
    # the completion keeps the phone's own time in ``device_time``.
    if status == "applied" and order.on_site_at is not None:
        done_at = max(done_at, order.on_site_at)
    completion = Completion(
        property_id=order.property_id,
        client_id=client_id,
        work_order_id=order.id,
        engineer_id=actor.user_id,
        device_time=device_time,
        done_at=done_at,
        received_at=now,
        work_notes=notes,
        parts=parts or [],
        after_photo_client_ids=[str(p) for p in after_photo_client_ids],
        owner_signature_key=key,
        owner_signature_sha256=sha,
        status=status,
        late_reason=late_reason,
    )
    session.add(completion)
    audit.record(session, actor, completion, "report", extra=clock.audit())
    if status == "applied":
        _apply(session, actor, order, completion, now, event="complete")
    else:
        orders.note_users(
            session,
            order,
            orders.front_desk_users(session, order),
            "late_completion",
            "a completion report arrived after reassignment; check it.",
            "改派后收到原工程人员的完工报告，请核查处理。",
            now,
            actor,
        )
        audit.record(
            session, actor, order, "late_completion_kept", after={"completion": completion.id}
        )
    return completion


def _apply(
    session: Session,
    actor: Actor,
    order: WorkOrder,
    completion: Completion,
    now: dt.datetime,
    *,
    event: str,
) -> None:
    ORDER.apply(
        session,
        actor,
        order,
        event,
        now=now,
        assignee_id=completion.engineer_id,
        done_at=completion.done_at,
        first_done_at=order.first_done_at or completion.done_at,
        done_by_id=completion.engineer_id,
    )
    orders.note_users(
        session,
        order,
        orders.front_desk_users(session, order),
        "done",
        "reported done; please verify.",
        "已报完工，请验收。",
        now,
        actor,
    )
    orders.emit(session, order.property_id, "workorder.done", orders.summary(order), now)
    if order.request_id:
        request_service.follow_order(session, actor, order, now)


def adopt(
    session: Session, actor: Actor, completion: Completion, note: str, now: dt.datetime
) -> Completion:
    """The late report is right (the first engineer did fix it): the order becomes done."""
    COMPLETION.check(completion, "adopt")
    order = session.scalar(select(WorkOrder).where(WorkOrder.id == completion.work_order_id))
    assert order is not None
    ORDER.check(order, "adopt_completion")
    current = session.scalar(
        select(Assignment).where(
            Assignment.work_order_id == order.id, Assignment.ended_at.is_(None)
        )
    )
    if current is not None:
        current.ended_at, current.end_reason = now, "superseded"
    _resolve(session, actor, completion, "adopt", note.strip(), now)
    _apply(session, actor, order, completion, now, event="adopt_completion")
    return completion


def dismiss(
    session: Session, actor: Actor, completion: Completion, note: str, now: dt.datetime
) -> Completion:
    COMPLETION.check(completion, "dismiss")
    text = require_text(note, "note", "why the report is set aside", "不采纳的原因")
    return _resolve(session, actor, completion, "dismiss", text, now)


def _resolve(
    session: Session, actor: Actor, completion: Completion, event: str, note: str, now: dt.datetime
) -> Completion:
    COMPLETION.apply(
        session,
        actor,
        completion,
        event,
        now=now,
        resolved_at=now,
        resolved_by_id=actor.user_id,
        resolution_note=note,
    )
    return completion


def current(session: Session, order: WorkOrder) -> Completion | None:
    """The report the order's done state rests on (the latest applied or adopted one)."""
    return session.scalar(
        select(Completion)
        .where(
            Completion.work_order_id == order.id,
            Completion.status.in_(("applied", "adopted")),
        )
        .order_by(Completion.id.desc())
        .limit(1)
    )


def require_after_photo_arrived(session: Session, order: WorkOrder) -> None:
    """The front desk verifies against a photo, so at least one after-photo must be here."""
    completion = current(session, order)
    ids = completion.after_photo_client_ids if completion else []
    if not arrived_photos(session, ids):
        raise Conflict(
            "The after-photo has not reached the server yet; verify once it has arrived.",
            message_zh="完工照片尚未上传到服务器，请待照片到达后再验收。",
            code="after_photo_not_arrived",
            details={"after_photo_client_ids": ids},
        )
