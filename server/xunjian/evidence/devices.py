"""Device heartbeats: which phone still holds photos that have not reached the server.

Camera rule 3 (照相机管理规定): photos are handed in the same day and the card is empty at
handover. A phone reports its outbox; the server can then show who holds un-uploaded photos,
since when, and list them at a shift handover.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..tenancy import Actor, unscoped
from .models import DeviceStatus, Evidence


def record_heartbeat(
    session: Session, actor: Actor, now: dt.datetime, report: dict[str, Any]
) -> DeviceStatus:
    row = session.scalar(select(DeviceStatus).where(DeviceStatus.device_id == report["device_id"]))
    if row is None:
        row = DeviceStatus(device_id=report["device_id"], user_id=actor.user_id, reported_at=now)
        session.add(row)
    row.user_id = actor.user_id  # a shared duty phone reports whoever is logged in now
    row.reported_at = now
    for key in (
        "outbox_count",
        "pending_photo_count",
        "oldest_pending_at",
        "pending_photos",
        "battery_level",
        "storage_free_bytes",
        "app_version",
    ):
        if key in report:
            setattr(row, key, report[key])
    return row


def pending_photos_for_device(session: Session, device_id: str) -> list[dict[str, Any]]:
    """Photos the device last reported as not yet uploaded, minus those the server now holds.

    The phone's report can be older than its last upload; anything that has since arrived
    (matched by client UUID) is not pending any more.
    """
    row = session.scalar(select(DeviceStatus).where(DeviceStatus.device_id == device_id))
    if row is None:
        return []
    reported = [p for p in row.pending_photos or [] if p.get("client_id")]
    if not reported:
        return []
    import uuid

    ids = []
    for p in reported:
        try:
            ids.append(uuid.UUID(str(p["client_id"])))
        except ValueError:
            continue
    arrived = {
        str(cid)
        for cid in session.scalars(
            unscoped(select(Evidence.client_id).where(Evidence.client_id.in_(ids)))
        )
    }
    return [p for p in reported if str(p["client_id"]) not in arrived]
