"""Who works where: the staff of a role at a property, and whether someone is an engineer there."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..auth.models import RoleAssignment, User
from ..tenancy import unscoped


def users_with_role(session: Session, property_id: int, roles: Iterable[str]) -> list[int]:
    """Active staff holding one of ``roles`` at the property (unscoped: jobs call this too)."""
    rows = session.scalars(
        unscoped(
            select(RoleAssignment.user_id)
            .join(User, User.id == RoleAssignment.user_id)
            .where(
                RoleAssignment.property_id == property_id,
                RoleAssignment.role.in_(list(roles)),
                User.active.is_(True),
            )
            .distinct()
        )
    )
    return sorted(rows)


def is_engineer_at(session: Session, user_id: int, property_id: int) -> bool:
    return user_id in users_with_role(session, property_id, ("engineer",))
