"""Staff-account read models (no Flask): who works where, and the property names shown."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ..org.models import Property
from .models import RoleAssignment, User


def property_names(session: Session) -> dict[int, str]:
    """The Chinese names of the properties the session sees."""
    return dict(session.execute(select(Property.id, Property.name_zh)).all())


def staff(
    property_ids: list[int] | None, property_id: int | None = None, role: str | None = None
) -> Select[Any]:
    """Accounts holding a role at one of ``property_ids`` (``None``: every account the session
    sees, for a company administrator), optionally at one property or in one role."""
    if property_ids is None and property_id is None and role is None:
        return select(User)
    sub = select(RoleAssignment.user_id)
    if property_ids is not None:
        sub = sub.where(RoleAssignment.property_id.in_(property_ids))
    if property_id is not None:
        sub = sub.where(RoleAssignment.property_id == property_id)
    if role is not None:
        sub = sub.where(RoleAssignment.role == role)
    return select(User).where(User.id.in_(sub))
