"""Shift handover (交接班). No Flask imports.

Face to face: the outgoing person hands over items (keys, radios, the duty camera and phone,
owners' deposited items with counts) and open matters; each person confirms with their own
login — first the outgoing, then the incoming (draft → outgoing_confirmed → completed).

Camera rule 3: the outgoing person's phone should hold no un-uploaded photo at handover. The
handover shows what the phone last reported as pending (``evidence.devices``); whatever is still
pending when the incoming person confirms is recorded on the handover as an exception. It does
not block the handover — the shift must change — but it stays on the record.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from .. import audit
from ..auth.models import RoleAssignment
from ..errors import Forbidden, IllegalTransition
from ..evidence.devices import pending_photos_for_device
from ..evidence.models import DeviceStatus
from ..tenancy import Actor
from .models import Handover, HandoverItem
from .planning import field_error
from .states import HANDOVER, describe_handover


def _check_people(session: Session, property_id: int, outgoing: int, incoming: int) -> None:
    if outgoing == incoming:
        raise field_error(
            "incoming_user_id",
            "The outgoing and incoming person must be two different people.",
            "交班人与接班人不能是同一人。",
        )
    staff = set(
        session.scalars(
            select(RoleAssignment.user_id).where(
                RoleAssignment.property_id == property_id,
                RoleAssignment.user_id.in_([outgoing, incoming]),
            )
        )
    )
    for field, user_id in (("outgoing_user_id", outgoing), ("incoming_user_id", incoming)):
        if user_id not in staff:
            raise field_error(
                field, "This person holds no role at this property.", "此人在本项目没有岗位。"
            )


def _items(property_id: int, items: list[dict[str, Any]]) -> list[HandoverItem]:
    return [
        HandoverItem(
            property_id=property_id,
            position=n,
            kind=item["kind"],
            description=item.get("description", ""),
            count=item.get("count", 1),
        )
        for n, item in enumerate(items, start=1)
    ]


def create_handover(
    session: Session,
    actor: Actor,
    now: dt.datetime,
    property_id: int,
    *,
    outgoing_user_id: int,
    incoming_user_id: int,
    client_id: uuid.UUID | None = None,
    shift: str = "",
    items: list[dict[str, Any]] | None = None,
    open_matters: list[str] | None = None,
    outgoing_device_id: str | None = None,
) -> Handover:
    _check_people(session, property_id, outgoing_user_id, incoming_user_id)
    handover = Handover(
        property_id=property_id,
        client_id=client_id,
        created_by_id=actor.user_id,
        outgoing_user_id=outgoing_user_id,
        incoming_user_id=incoming_user_id,
        shift=shift,
        state="draft",
        open_matters=[m.strip() for m in open_matters or [] if m.strip()],
        outgoing_device_id=outgoing_device_id or None,
        created_at=now,
        updated_at=now,
    )
    handover.items = _items(property_id, items or [])
    session.add(handover)
    audit.record(session, actor, handover, "create", after=describe_handover(handover))
    return handover


def update_handover(
    session: Session, actor: Actor, now: dt.datetime, handover: Handover, changes: dict[str, Any]
) -> Handover:
    HANDOVER.check(handover, "edit")
    before = describe_handover(handover)
    outgoing = changes.get("outgoing_user_id", handover.outgoing_user_id)
    incoming = changes.get("incoming_user_id", handover.incoming_user_id)
    if "outgoing_user_id" in changes or "incoming_user_id" in changes:
        _check_people(session, handover.property_id, outgoing, incoming)
    items = changes.pop("items", None)
    if "open_matters" in changes:
        changes["open_matters"] = [m.strip() for m in changes["open_matters"] if m.strip()]
    for key, value in changes.items():
        setattr(handover, key, value)
    if items is not None:
        handover.items.clear()
        session.flush()  # free the positions before the new items take them
        handover.items.extend(_items(handover.property_id, items))
    handover.updated_at = now
    flag_modified(handover, "updated_at")  # item-only edits still get a new ETag
    audit.record(
        session, actor, handover, "update", before=before, after=describe_handover(handover)
    )
    return handover


def pending_photos(session: Session, handover: Handover) -> list[dict[str, Any]]:
    """Photos the outgoing person's phone(s) still hold un-uploaded.

    The named outgoing device if the handover has one; otherwise every device whose last
    report came from the outgoing person (a shared duty phone reports whoever is logged in).
    """
    if handover.outgoing_device_id:
        devices = [handover.outgoing_device_id]
    else:
        devices = list(
            session.scalars(
                select(DeviceStatus.device_id)
                .where(DeviceStatus.user_id == handover.outgoing_user_id)
                .order_by(DeviceStatus.device_id)
            )
        )
    return [
        {**photo, "device_id": device}
        for device in devices
        for photo in pending_photos_for_device(session, device)
    ]


def confirm(
    session: Session,
    actor: Actor,
    now: dt.datetime,
    handover: Handover,
    *,
    device_id: str | None = None,
) -> Handover:
    """The caller confirms as whoever they are on this handover: outgoing, then incoming."""
    if actor.user_id == handover.outgoing_user_id:
        event = "confirm_outgoing"
    elif actor.user_id == handover.incoming_user_id:
        event = "confirm_incoming"
        if handover.state == "draft":
            raise IllegalTransition(
                "The outgoing person confirms first (items and open matters handed over).",
                message_zh="须先由交班人确认交接内容。",
                details={
                    "state": handover.state,
                    "event": event,
                    "allowed_events": HANDOVER.events_from(handover.state),
                },
            )
    else:
        raise Forbidden(
            "Only the outgoing or the incoming person confirms a handover, each with their own "
            "login.",
            message_zh="交接班只能由交班人或接班人本人登录确认。",
            code="not_a_party",
        )
    HANDOVER.check(handover, event)
    if event == "confirm_outgoing":
        columns: dict[str, Any] = {"outgoing_confirmed_at": now}
        if device_id:
            columns["outgoing_device_id"] = device_id
    else:
        pending = pending_photos(session, handover)
        columns = {
            "completed_at": now,
            "pending_photos": _jsonable(pending),
            "pending_photo_count": len(pending),
        }
    HANDOVER.apply(session, actor, handover, event, now=now, **columns)
    return handover


def _jsonable(photos: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in p.items()}
        for p in photos
    ]
