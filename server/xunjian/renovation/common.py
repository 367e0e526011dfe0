"""Small helpers shared by the renovation services (no Flask)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import NotFound, field_error
from ..evidence.models import Evidence
from ..org.models import Building, Property, Unit
from ..tenancy import unscoped


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


def check_photos(
    session: Session,
    property_id: int,
    client_ids: list[uuid.UUID] | list[str],
    field: str,
    *,
    required: bool,
    what: str = "This",
    what_zh: str = "此项",
) -> list[str]:
    """Photo client UUIDs as strings. A photo may still be in the phone's outbox (offline), so
    one not yet uploaded is accepted; one already uploaded must be at the same property."""
    ids = [str(c) for c in client_ids]
    if required and not ids:
        raise field_error(
            field,
            f"{what} needs at least one photo.",
            f"{what_zh}至少需要一张照片。",
            code="photo_required",
        )
    if len(set(ids)) != len(ids):
        raise field_error(field, "A photo is listed twice.", "照片重复。")
    if ids:
        uuids = [uuid.UUID(c) for c in ids]
        elsewhere = session.scalars(
            unscoped(
                select(Evidence.client_id).where(
                    Evidence.client_id.in_(uuids), Evidence.property_id != property_id
                )
            )
        ).all()
        if elsewhere:
            raise field_error(
                field,
                "A photo belongs to another property.",
                "照片属于其他项目。",
                code="photo_elsewhere",
            )
    return ids


def evidence_by_client_ids(session: Session, client_ids: Iterable[str]) -> list[Evidence]:
    """The photos of these client UUIDs that have arrived, in the order given."""
    ids = [uuid.UUID(c) for c in client_ids]
    if not ids:
        return []
    found = {
        e.client_id: e for e in session.scalars(select(Evidence).where(Evidence.client_id.in_(ids)))
    }
    return [found[c] for c in ids if c in found]
