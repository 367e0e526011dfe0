"""Evidence read models: the statements behind the photo, device and loan lists (no Flask).

They run in the request's scoped session; the views narrow them to the properties where the
actor's role allows the list (``web.access``) and page them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ..auth.models import RoleAssignment, User
from ..org.models import Property
from .models import DeviceStatus, Loan


def property_timezones(session: Session) -> dict[int, str]:
    """Each visible property's time zone, for filtering photos by local day."""
    return dict(session.execute(select(Property.id, Property.timezone)).all())


def devices(
    session: Session, property_ids: list[int], pending_only: bool
) -> list[tuple[DeviceStatus, str]]:
    """Phones of staff at ``property_ids`` with their owner's name, longest-holding first."""
    staff = select(RoleAssignment.user_id).where(RoleAssignment.property_id.in_(property_ids))
    stmt = (
        select(DeviceStatus, User.display_name)
        .join(User, User.id == DeviceStatus.user_id)
        .where(DeviceStatus.user_id.in_(staff))
    )
    if pending_only:
        stmt = stmt.where(DeviceStatus.pending_photo_count > 0)
    order = (DeviceStatus.oldest_pending_at.is_(None), DeviceStatus.oldest_pending_at)
    return [(row, name) for row, name in session.execute(stmt.order_by(*order)).all()]


def device_status(session: Session, device_id: str) -> DeviceStatus | None:
    return session.scalar(select(DeviceStatus).where(DeviceStatus.device_id == device_id))


def works_at(session: Session, user_id: int) -> set[int]:
    """The properties where a person holds a role."""
    return set(
        session.scalars(select(RoleAssignment.property_id).where(RoleAssignment.user_id == user_id))
    )


def loans(
    now: dt.datetime,
    *,
    property_id: int | None = None,
    state: str | None = None,
    overdue: bool = False,
) -> Select[Any]:
    """The loan register; ``overdue`` keeps items not back by their deadline at ``now``."""
    stmt = select(Loan)
    if property_id is not None:
        stmt = stmt.where(Loan.property_id == property_id)
    if state is not None:
        stmt = stmt.where(Loan.state == state)
    if overdue:
        stmt = stmt.where(Loan.state == "borrowed", Loan.due_at < now)
    return stmt
