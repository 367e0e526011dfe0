"""Import a property's structure from a validated document (see property_structure.schema.json).

Idempotent: rows are matched by natural keys (property code, building code, floor level, unit
number), so re-importing a corrected file updates in place instead of duplicating.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import field_error
from ..permissions import require, require_anywhere
from ..tenancy import Actor
from . import structure
from .models import Building, Floor, Property, Unit

_TIME_FIELDS = ("day_shift_start", "day_shift_end", "late_shift_end", "night_handover")


def _property_values(doc: dict[str, Any]) -> dict[str, Any]:
    values = dict(doc)
    for name in _TIME_FIELDS:
        if name in values:
            values[name] = dt.time.fromisoformat(values[name])
    return values


def _changed(item: Any, values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if getattr(item, k) != v}


def import_into(
    session: Session, actor: Actor, prop: Property, data: dict[str, Any]
) -> dict[str, int]:
    """The in-app import, addressed to one property: the file must describe that property (by
    its code), so a file of another property cannot be poured into this one by mistake."""
    if data["property"]["code"] != prop.code:
        raise field_error(
            "property.code",
            f"The file describes property {data['property']['code']!r:.60}, "
            f"not this one ({prop.code}).",
            f"文件描述的是项目 {data['property']['code']:.60}，不是本项目（{prop.code}）。",
            code="wrong_property",
        )
    return import_structure(session, actor, data)


def import_structure(session: Session, actor: Actor, data: dict[str, Any]) -> dict[str, int]:
    """The CLI's (and the demo's) entry point, so it checks the role itself, as a view would:
    the structure of a property is written by its administrators only."""
    counts: Counter[str] = Counter()
    values = _property_values(data["property"])
    prop = session.scalar(
        select(Property).where(
            Property.company_id == actor.company_id, Property.code == values["code"]
        )
    )
    if prop is None:
        require_anywhere(actor, "org.property.create")
        prop = structure.create_property(session, actor, **values)
        counts["properties_created"] += 1
        # A new property must be reachable by the importing admin in this same session.
        actor = Actor(
            user_id=actor.user_id,
            company_id=actor.company_id,
            username=actor.username,
            is_admin=actor.is_admin,
            roles={**actor.roles, prop.id: frozenset({"admin"})},
            display_name=actor.display_name,
        )
    else:
        require(actor, "org.structure.write", prop.id)
        if changes := _changed(prop, {k: v for k, v in values.items() if k != "code"}):
            structure.update_property(session, actor, prop, changes)
            counts["properties_updated"] += 1

    for entry in data.get("calendar", []):
        structure.set_calendar_day(
            session,
            actor,
            prop,
            day=dt.date.fromisoformat(entry["day"]),
            is_working_day=entry["is_working_day"],
            name=entry.get("name", ""),
        )
        counts["calendar_days"] += 1

    for b_doc in data.get("buildings", []):
        floors = b_doc.get("floors", [])
        b_values = {k: v for k, v in b_doc.items() if k != "floors"}
        building = session.scalar(
            select(Building).where(
                Building.property_id == prop.id, Building.code == b_values["code"]
            )
        )
        if building is None:
            building = structure.create_building(session, actor, property_id=prop.id, **b_values)
            session.flush()
            counts["buildings_created"] += 1
        elif changes := _changed(building, b_values):
            structure.update_structure(session, actor, building, changes)
            counts["buildings_updated"] += 1
        for f_doc in floors:
            units = f_doc.get("units", [])
            f_values = {k: v for k, v in f_doc.items() if k != "units"}
            floor = session.scalar(
                select(Floor).where(
                    Floor.building_id == building.id, Floor.level == f_values["level"]
                )
            )
            if floor is None:
                floor = structure.create_floor(session, actor, building, **f_values)
                session.flush()
                counts["floors_created"] += 1
            elif changes := _changed(floor, f_values):
                structure.update_structure(session, actor, floor, changes)
                counts["floors_updated"] += 1
            for u_doc in units:
                unit = session.scalar(
                    select(Unit).where(Unit.floor_id == floor.id, Unit.number == u_doc["number"])
                )
                if unit is None:
                    structure.create_unit(session, actor, floor, **u_doc)
                    counts["units_created"] += 1
                elif changes := _changed(unit, u_doc):
                    structure.update_structure(session, actor, unit, changes)
                    counts["units_updated"] += 1
    session.flush()
    counts["property_id"] = prop.id
    return dict(counts)
