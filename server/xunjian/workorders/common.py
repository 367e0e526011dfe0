"""Small pieces the work-order modules share: row locks, field errors, device times, staff
look-ups, places, owner signatures. No Flask imports. (The lifecycles are in ``states.py``.)"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import signatures
from ..auth.models import RoleAssignment, User
from ..errors import NotFound, field_error
from ..evidence.models import Evidence
from ..org.models import Building, Floor, Property, Unit

UNSCOPED = {"xunjian.unscoped": True}
# A phone clock this far ahead of the server is not believed (the server's time is used).
DEVICE_AHEAD = dt.timedelta(minutes=5)
# Offline phones replay days later, but not weeks: older device times are not believed either.
DEVICE_BEHIND = dt.timedelta(days=14)


def lock_row(session: Session, row: Any) -> None:
    """SELECT … FOR UPDATE the row and refresh it: concurrent writers to one order or request
    (a replay racing its first send, a reassignment racing a report) take turns, and each
    decides on what the one before it committed (SQLite serialises writers anyway)."""
    model = type(row)
    session.scalar(
        select(model)
        .where(model.id == row.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def require_text(value: str | None, field: str, what: str, what_zh: str) -> str:
    text = (value or "").strip()
    if not text:
        raise field_error(field, f"Say {what}.", f"请填写{what_zh}。", code="reason_required")
    return text


def event_time(device_time: dt.datetime | None, received_at: dt.datetime) -> dt.datetime:
    """When it happened: the phone's time, unless it is implausibly far ahead or behind."""
    if device_time is None:
        return received_at
    if device_time > received_at + DEVICE_AHEAD or device_time < received_at - DEVICE_BEHIND:
        return received_at
    return min(device_time, received_at)


def get_property(session: Session, property_id: int) -> Property:
    prop = session.scalar(select(Property).where(Property.id == property_id))
    if prop is None:
        raise NotFound("No such property.", message_zh="项目不存在。")
    return prop


def users_with_role(session: Session, property_id: int, roles: Iterable[str]) -> list[int]:
    """Active staff holding one of ``roles`` at the property (unscoped: jobs call this too)."""
    rows = session.scalars(
        select(RoleAssignment.user_id)
        .join(User, User.id == RoleAssignment.user_id)
        .where(
            RoleAssignment.property_id == property_id,
            RoleAssignment.role.in_(list(roles)),
            User.active.is_(True),
        )
        .distinct()
        .execution_options(**UNSCOPED)
    )
    return sorted(rows)


def is_engineer_at(session: Session, user_id: int, property_id: int) -> bool:
    return user_id in users_with_role(session, property_id, ("engineer",))


def check_place(
    session: Session,
    property_id: int,
    building_id: int | None,
    floor_id: int | None,
    unit_id: int | None,
) -> tuple[int | None, int | None, int | None]:
    """Validate building/floor/unit ids at the property and fill in the parents of a unit."""
    if unit_id is not None:
        unit = session.scalar(
            select(Unit).where(Unit.id == unit_id, Unit.property_id == property_id)
        )
        if unit is None:
            raise field_error("unit_id", "No such unit at this property.", "该项目没有此房号。")
        if floor_id not in (None, unit.floor_id) or building_id not in (None, unit.building_id):
            raise field_error(
                "unit_id",
                "The unit is not on the given floor/building.",
                "房号与所填楼栋/楼层不符。",
            )
        return unit.building_id, unit.floor_id, unit.id
    if floor_id is not None:
        floor = session.scalar(
            select(Floor).where(Floor.id == floor_id, Floor.property_id == property_id)
        )
        if floor is None:
            raise field_error("floor_id", "No such floor at this property.", "该项目没有此楼层。")
        if building_id not in (None, floor.building_id):
            raise field_error(
                "floor_id", "The floor is not in the given building.", "楼层与所填楼栋不符。"
            )
        return floor.building_id, floor.id, None
    if building_id is not None:
        found = session.scalar(
            select(Building.id).where(
                Building.id == building_id, Building.property_id == property_id
            )
        )
        if found is None:
            raise field_error(
                "building_id", "No such building at this property.", "该项目没有此楼栋。"
            )
    return building_id, None, None


def places_of(session: Session, items: Iterable[Any]) -> dict[int, dict[str, Any]]:
    """Names and directions for the engineer ("1栋 2F 201" plus the building's position), for
    a page of requests or orders at once."""
    items = list(items)

    def load(model: Any, ids: set[int | None]) -> dict[int, Any]:
        wanted = [i for i in ids if i is not None]
        if not wanted:
            return {}
        return {row.id: row for row in session.scalars(select(model).where(model.id.in_(wanted)))}

    buildings = load(Building, {i.building_id for i in items})
    floors = load(Floor, {i.floor_id for i in items})
    units = load(Unit, {i.unit_id for i in items})
    out = {}
    for item in items:
        b, f = buildings.get(item.building_id), floors.get(item.floor_id)
        u = units.get(item.unit_id)
        zh = [b.name_zh if b else "", f.name if f else "", u.number if u else "", item.place_text]
        en = [
            (b.name_en or b.name_zh) if b else "",
            f"floor {f.name}" if f else "",
            f"unit {u.number}" if u else "",
            item.place_text,
        ]
        out[item.id] = {
            "building_name": b.name_zh if b else None,
            "floor_name": f.name if f else None,
            "unit_number": u.number if u else None,
            "text": item.place_text,
            "directions": " ".join(p for p in zh if p),
            "directions_en": ", ".join(p for p in en if p),
            "latitude": b.latitude if b else None,
            "longitude": b.longitude if b else None,
            "inside_unit": u is not None,
        }
    return out


def place_of(session: Session, item: Any) -> dict[str, Any]:
    return places_of(session, [item])[item.id]


def arrived_photos(session: Session, client_ids: Iterable[str]) -> dict[str, int]:
    """Evidence ids of the photos that have arrived, by client UUID (the rest are still on a
    phone). Evidence is property-scoped like everything else."""
    wanted = []
    for value in client_ids:
        try:
            wanted.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    if not wanted:
        return {}
    rows = session.execute(
        select(Evidence.client_id, Evidence.id).where(Evidence.client_id.in_(wanted))
    )
    return {str(cid): eid for cid, eid in rows}


# --- owner signatures ---------------------------------------------------------------------


def store_signature(store: Any, value: str, field: str) -> tuple[str, str]:
    """Decode, check and store an owner's signature (the shared rules of ``xunjian.signatures``;
    content-addressed, so the same image is stored once)."""
    return signatures.store_signature(store, signatures.decode_signature(value, field))
