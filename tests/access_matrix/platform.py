"""Access-matrix entries for the platform's endpoints (organisation, users, audit, auth)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import select

from xunjian.auth.models import RoleAssignment, User
from xunjian.org.models import Building, CalendarDay, Floor, Unit

# (method, rule) -> (permission action or None when every signed-in user may call it, body)
ENDPOINTS: dict[tuple[str, str], tuple[str | None, Any]] = {
    ("GET", "/api/v1/properties"): (None, None),
    ("POST", "/api/v1/properties"): ("org.property.create", {"code": "NEW1", "name_zh": "新项目"}),
    ("GET", "/api/v1/properties/<int:property_id>"): ("org.read", None),
    ("PATCH", "/api/v1/properties/<int:property_id>"): ("org.property.update", {"name_en": "X"}),
    ("POST", "/api/v1/properties/<int:property_id>/structure/import"): (
        "org.structure.write",
        {
            "format": "json",
            "content": '{"property": {"code": "CUIHU", "name_zh": "翠湖花园"}, '
            '"buildings": [{"code": "MX", "name_zh": "矩阵楼"}]}',
        },
    ),
    ("GET", "/api/v1/properties/<int:property_id>/calendar"): ("org.read", None),
    ("POST", "/api/v1/properties/<int:property_id>/calendar"): (
        "org.calendar.write",
        {"day": "2027-05-01", "is_working_day": False, "name": "劳动节"},
    ),
    ("DELETE", "/api/v1/properties/<int:property_id>/calendar/<int:day_id>"): (
        "org.calendar.write",
        None,
    ),
    ("GET", "/api/v1/buildings"): (None, None),
    ("POST", "/api/v1/buildings"): ("org.structure.write", {"code": "NEWB", "name_zh": "新楼"}),
    ("GET", "/api/v1/buildings/<int:building_id>"): ("org.read", None),
    ("PATCH", "/api/v1/buildings/<int:building_id>"): ("org.structure.write", {"name_en": "X"}),
    ("GET", "/api/v1/buildings/<int:building_id>/floors"): ("org.read", None),
    ("POST", "/api/v1/buildings/<int:building_id>/floors"): (
        "org.structure.write",
        {"level": 99, "name": "99F"},
    ),
    ("GET", "/api/v1/floors/<int:floor_id>"): ("org.read", None),
    ("PATCH", "/api/v1/floors/<int:floor_id>"): ("org.structure.write", {"name": "X"}),
    ("POST", "/api/v1/floors/<int:floor_id>/units"): ("org.structure.write", {"number": "9999"}),
    ("GET", "/api/v1/units"): (None, None),
    ("GET", "/api/v1/units/<int:unit_id>"): ("org.read", None),
    ("PATCH", "/api/v1/units/<int:unit_id>"): ("org.structure.write", {"owner_name": "X"}),
    ("GET", "/api/v1/users"): ("users.read", None),
    ("POST", "/api/v1/users"): (
        "users.write",
        {"username": "matrix-user", "display_name": "M", "password": "long-enough-1"},
    ),
    ("GET", "/api/v1/users/<int:user_id>"): ("users.read", None),
    ("PATCH", "/api/v1/users/<int:user_id>"): ("users.write", {"phone": "1"}),
    ("POST", "/api/v1/users/<int:user_id>/password"): (
        "users.write",
        {"new_password": "another-pass-1"},
    ),
    ("POST", "/api/v1/users/<int:user_id>/assignments"): ("users.write", "ASSIGNMENT"),
    ("DELETE", "/api/v1/users/<int:user_id>/assignments/<int:assignment_id>"): (
        "users.write",
        None,
    ),
    ("GET", "/api/v1/audit"): ("audit.read", None),
    # Self-service and public endpoints: no property, no role.
    ("POST", "/api/v1/auth/login"): (None, "PUBLIC"),
    ("POST", "/api/v1/auth/logout"): (None, "SELF"),
    ("GET", "/api/v1/auth/me"): (None, "SELF"),
    ("POST", "/api/v1/auth/password"): (None, "SELF"),
    ("GET", "/api/v1/meta"): (None, "PUBLIC"),
}


def record_ids(session, property_id: int) -> dict[str, int]:
    """One record of each kind at ``property_id`` (created where the demo has none)."""
    building = session.scalar(select(Building).where(Building.property_id == property_id))
    floor = session.scalar(select(Floor).where(Floor.property_id == property_id))
    unit = session.scalar(select(Unit).where(Unit.property_id == property_id))
    day = session.scalar(select(CalendarDay).where(CalendarDay.property_id == property_id))
    if day is None:
        day = CalendarDay(property_id=property_id, day=dt.date(2027, 10, 1), is_working_day=False)
        session.add(day)
    # A target account that is nobody's own, so "may read myself" never blurs the matrix.
    company_id = session.scalar(select(User.company_id).where(User.username == "admin"))
    user = User(
        company_id=company_id,
        username=f"target-{uuid.uuid4().hex[:8]}",
        display_name="T",
        password_hash="unusable",
    )
    session.add(user)
    session.flush()
    assignment = RoleAssignment(user_id=user.id, property_id=property_id, role="guard")
    session.add(assignment)
    session.flush()
    return {
        "property_id": property_id,
        "building_id": building.id,
        "floor_id": floor.id,
        "unit_id": unit.id,
        "day_id": day.id,
        "user_id": user.id,
        "assignment_id": assignment.id,
    }


def body_for(body: Any, ids: dict[str, int]) -> Any:
    if body == "ASSIGNMENT":
        return {"property_id": ids["property_id"], "role": "guard"}
    if isinstance(body, dict):
        body = dict(body)
        if "code" in body or "number" in body:
            body.setdefault("client_id", str(uuid.uuid4()))
        if body.get("code") == "NEWB":
            body["property_id"] = ids["property_id"]
    return body
