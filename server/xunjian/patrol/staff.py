"""Who may be on duty at a property: the staff a night-duty phone offers as the guard of a spot
check or the incoming person of a handover, so they are picked rather than typed as account
numbers (night duty holds no ``users.read``, and must not: the list is names and roles only)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..auth.models import RoleAssignment, User

# Roles that work in shifts at the property and so hand a shift over or stand a post at night.
# The manager and administrators work office hours: they take no shift and are not offered.
DUTY_ROLES = ("guard", "night_duty", "floor_manager", "front_desk", "engineer", "supervisor")


def duty_staff(session: Session, property_id: int, role: str | None = None) -> list[dict[str, Any]]:
    """Active users holding a duty role at the property (``role``: only that one), each with
    their duty roles there, by display name. Scoped like every query: the caller's properties."""
    roles = (role,) if role else DUTY_ROLES
    rows = session.execute(
        select(User.id, User.display_name, RoleAssignment.role)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(
            RoleAssignment.property_id == property_id,
            RoleAssignment.role.in_(roles),
            User.active.is_(True),
        )
    ).all()
    people: dict[int, dict[str, Any]] = {}
    for user_id, name, held in rows:
        person = people.setdefault(user_id, {"id": user_id, "display_name": name, "roles": []})
        if held not in person["roles"]:
            person["roles"].append(held)
    for person in people.values():
        person["roles"].sort(key=DUTY_ROLES.index)
    # Sorted here, not in SQL: Chinese collation differs between SQLite and PostgreSQL.
    return sorted(people.values(), key=lambda p: (p["display_name"], p["id"]))
