"""Where a request or order is: checking a place nests in the property, and naming it for the
phone ("1栋 2F 201"), batched per page."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import field_error
from ..org.models import Building, Floor, Unit


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
