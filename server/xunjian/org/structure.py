"""Organisation rules: properties, their structure and calendars. No Flask imports."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..errors import Conflict, InvalidInput
from ..tenancy import Actor, unscoped
from . import localtime
from .models import Building, CalendarDay, Floor, Property, Unit
from .settings import check_settings


def check_timezone(name: str) -> None:
    try:
        localtime.tz(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            f"Unknown time zone {name!r}; use an IANA name such as Asia/Shanghai.",
            message_zh=f"未知时区 {name}，请使用如 Asia/Shanghai 的时区名。",
            details={"timezone": ["unknown time zone"]},
        ) from None


def _check_shift(values: dict[str, Any]) -> None:
    start, end = values.get("day_shift_start"), values.get("day_shift_end")
    if isinstance(start, dt.time) and isinstance(end, dt.time) and start >= end:
        raise InvalidInput(
            "The day shift must end after it starts.",
            message_zh="白班结束时间必须晚于开始时间。",
            details={"day_shift_end": ["must be after day_shift_start"]},
        )


def _check_working_days(days: Any) -> None:
    if days is not None and (not days or any(d not in range(1, 8) for d in days)):
        raise InvalidInput(
            "Working days are ISO weekday numbers 1 (Monday) to 7 (Sunday), at least one.",
            message_zh="工作日须为 1（周一）至 7（周日）的数字，至少一个。",
            details={"working_days": ["1..7"]},
        )


def create_property(session: Session, actor: Actor, **values: Any) -> Property:
    check_timezone(values.get("timezone", "Asia/Shanghai"))
    _check_shift(values)
    _check_working_days(values.get("working_days"))
    check_settings(values.get("settings"))
    clash = session.scalar(
        unscoped(
            select(Property.id).where(
                Property.company_id == actor.company_id, Property.code == values["code"]
            )
        )
    )
    if clash:
        raise Conflict(
            f"A property with code {values['code']!r} already exists.",
            message_zh=f"项目编号 {values['code']} 已存在。",
            code="duplicate_code",
        )
    prop = Property(company_id=actor.company_id, **values)
    session.add(prop)
    audit.record(session, actor, prop, "create", property_id=None)
    session.flush()
    return prop


def update_property(
    session: Session, actor: Actor, prop: Property, changes: dict[str, Any]
) -> Property:
    if "timezone" in changes:
        check_timezone(changes["timezone"])
    merged = {
        "day_shift_start": changes.get("day_shift_start", prop.day_shift_start),
        "day_shift_end": changes.get("day_shift_end", prop.day_shift_end),
    }
    _check_shift(merged)
    _check_working_days(changes.get("working_days"))
    if "settings" in changes:
        # Only a write of the settings is checked: a row saved before the check may hold a bad
        # value, and renaming the property must not fail because of it.
        check_settings(changes["settings"])
    before = audit.snapshot(prop)
    for key, value in changes.items():
        setattr(prop, key, value)
    audit.record(session, actor, prop, "update", before=before, property_id=prop.id)
    return prop


def set_calendar_day(
    session: Session,
    actor: Actor,
    prop: Property,
    *,
    day: dt.date,
    is_working_day: bool,
    name: str = "",
    client_id: Any = None,
) -> CalendarDay:
    row = session.scalar(
        select(CalendarDay).where(CalendarDay.property_id == prop.id, CalendarDay.day == day)
    )
    before = audit.snapshot(row) if row else None
    if row is None:
        row = CalendarDay(property_id=prop.id, day=day, client_id=client_id)
        session.add(row)
    row.is_working_day = is_working_day
    row.name = name
    audit.record(session, actor, row, "update" if before else "create", before=before)
    return row


def delete_calendar_day(session: Session, actor: Actor, row: CalendarDay) -> None:
    audit.record(session, actor, row, "delete", before=audit.snapshot(row))
    session.delete(row)


def _refuse_duplicate(session: Session, clash: Any, field: str, what: str, what_zh: str) -> None:
    """A clear 409 naming the field, instead of the database's anonymous unique violation: the
    set-up screen shows it on the box that holds the duplicate."""
    if session.scalar(clash) is not None:
        raise Conflict(
            f"{what} already exists.",
            message_zh=f"{what_zh}已存在。",
            details={"fields": {"json": {field: [f"{what} already exists."]}}},
        )


def create_building(session: Session, actor: Actor, **values: Any) -> Building:
    code = values["code"]
    _refuse_duplicate(
        session,
        select(Building.id).where(
            Building.property_id == values["property_id"], Building.code == code
        ),
        "code",
        f"Building code {code!r:.60}",
        f"楼栋编号 {code:.60} ",
    )
    building = Building(**values)
    session.add(building)
    audit.record(session, actor, building, "create")
    return building


def create_floor(session: Session, actor: Actor, building: Building, **values: Any) -> Floor:
    level = values["level"]
    _refuse_duplicate(
        session,
        select(Floor.id).where(Floor.building_id == building.id, Floor.level == level),
        "level",
        f"Floor level {level} of building {building.code}",
        f"{building.code} 的第 {level} 层",
    )
    floor = Floor(property_id=building.property_id, building_id=building.id, **values)
    session.add(floor)
    audit.record(session, actor, floor, "create")
    return floor


def create_unit(session: Session, actor: Actor, floor: Floor, **values: Any) -> Unit:
    number = values["number"]
    _refuse_duplicate(
        session,
        select(Unit.id).where(Unit.floor_id == floor.id, Unit.number == number),
        "number",
        f"Unit {number!r:.60} on this floor",
        f"本层单元 {number:.60} ",
    )
    unit = Unit(
        property_id=floor.property_id, building_id=floor.building_id, floor_id=floor.id, **values
    )
    session.add(unit)
    audit.record(session, actor, unit, "create")
    return unit


def update_structure(
    session: Session, actor: Actor, item: Building | Floor | Unit, changes: dict[str, Any]
) -> Any:
    before = audit.snapshot(item)
    for key, value in changes.items():
        setattr(item, key, value)
    audit.record(session, actor, item, "update", before=before)
    return item
