"""Organisation read models: the statements behind the structure and calendar lists (no Flask).

They run in the request's scoped session, so only the actor's properties appear.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, select

from .models import Building, CalendarDay, Floor, Property, Unit


def properties() -> Select[Any]:
    return select(Property)


def calendar_days(property_id: int, year: int | None = None) -> Select[Any]:
    """The exceptions to a property's weekly pattern (holidays, make-up days), of a year."""
    stmt = select(CalendarDay).where(CalendarDay.property_id == property_id)
    if year is not None:
        stmt = stmt.where(
            CalendarDay.day >= dt.date(year, 1, 1), CalendarDay.day <= dt.date(year, 12, 31)
        )
    return stmt


def buildings(property_id: int | None = None) -> Select[Any]:
    stmt = select(Building)
    if property_id is not None:
        stmt = stmt.where(Building.property_id == property_id)
    return stmt


def floors(building_id: int) -> Select[Any]:
    return select(Floor).where(Floor.building_id == building_id)


def units(
    property_id: int | None = None, building_id: int | None = None, floor_id: int | None = None
) -> Select[Any]:
    stmt = select(Unit)
    for column, value in (
        (Unit.property_id, property_id),
        (Unit.building_id, building_id),
        (Unit.floor_id, floor_id),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    return stmt
