"""The renovation area's look-ups of places: a site's property and units by their labels."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import NotFound
from ..org.models import Building, Property, Unit


def property_of(session: Session, property_id: int) -> Property:
    prop = session.scalar(select(Property).where(Property.id == property_id))
    if prop is None:
        raise NotFound("No such property.", message_zh="项目不存在。")
    return prop


def unit_label(session: Session, unit_id: int, lang: str = "zh") -> str:
    """ "1栋 201": building and unit number, as written on notices and photo strips."""
    row = session.execute(
        select(Building.name_zh, Building.name_en, Unit.number)
        .join(Unit, Unit.building_id == Building.id)
        .where(Unit.id == unit_id)
    ).first()
    if row is None:
        return ""
    name_zh, name_en, number = row
    building = (name_en or name_zh) if lang == "en" else name_zh
    return f"{building} {number}"


def unit_labels(session: Session, unit_ids: Iterable[int]) -> dict[int, str]:
    ids = sorted(set(unit_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(Unit.id, Building.name_zh, Unit.number)
        .join(Building, Building.id == Unit.building_id)
        .where(Unit.id.in_(ids))
    ).all()
    return {uid: f"{building} {number}" for uid, building, number in rows}
