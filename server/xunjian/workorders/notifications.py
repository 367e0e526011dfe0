"""The in-app notification feed. No Flask imports.

The feed is the contract: every notification is a row, and the phone polls
``GET /api/v1/notifications?after=<last id>`` (on start, on ``online``, on a timer), so nothing is
missed while a phone is offline or a push service is down. Web Push (``push.py``) is only a
content-free wake-up on top, sent where the deployment configures VAPID keys.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ..tenancy import Actor
from .models import Notification

MAX_FEED_PAGE = 200


def notify(
    session: Session,
    *,
    property_id: int,
    user_ids: Iterable[int],
    kind: str,
    message: str,
    message_zh: str,
    now: dt.datetime,
    work_order_id: int | None = None,
    request_id: int | None = None,
    skip_user_id: int | None = None,
) -> list[Notification]:
    """One feed row per person (not for the person who caused it: they know)."""
    rows = [
        Notification(
            property_id=property_id,
            user_id=user_id,
            kind=kind,
            message=message[:300],
            message_zh=message_zh[:300],
            work_order_id=work_order_id,
            request_id=request_id,
            created_at=now,
        )
        for user_id in sorted(set(user_ids))
        if user_id != skip_user_id
    ]
    session.add_all(rows)
    return rows


def feed(
    session: Session, actor: Actor, *, after: int | None, limit: int, unread_only: bool
) -> dict[str, Any]:
    """The actor's own notifications after the cursor, oldest first (the phone appends)."""
    limit = max(1, min(limit, MAX_FEED_PAGE))
    stmt = select(Notification).where(Notification.user_id == actor.user_id)
    if after is not None:
        stmt = stmt.where(Notification.id > after)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    rows = list(session.scalars(stmt.order_by(Notification.id).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    unread = session.scalar(
        select(func.count(Notification.id)).where(
            Notification.user_id == actor.user_id, Notification.read_at.is_(None)
        )
    )
    cursor = rows[-1].id if rows else after
    return {
        "items": rows,
        # Poll again with after=<cursor>; ``more`` says there is already another page.
        "cursor": str(cursor) if cursor is not None else None,
        "more": more,
        "unread_count": unread or 0,
    }


def mark_read(
    session: Session,
    actor: Actor,
    *,
    ids: list[int] | None,
    up_to: int | None,
    now: dt.datetime,
) -> int:
    """Mark the actor's own notifications read: by id, or everything up to an id."""
    stmt = update(Notification).where(
        Notification.user_id == actor.user_id, Notification.read_at.is_(None)
    )
    if ids:
        stmt = stmt.where(Notification.id.in_(ids))
    elif up_to is not None:
        stmt = stmt.where(Notification.id <= up_to)
    else:
        return 0
    result = session.execute(
        stmt.values(read_at=now), execution_options={"synchronize_session": False}
    )
    return int(getattr(result, "rowcount", 0) or 0)
