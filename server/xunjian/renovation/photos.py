"""Photos a renovation step cites: checked to exist at the site's property, loaded by client id."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import field_error
from ..evidence.models import Evidence
from ..tenancy import unscoped


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
