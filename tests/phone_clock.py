"""Helpers for the phone-clock tests of every area (the policy: xunjian/org/phone_clock.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xunjian.audit import AuditEntry
from xunjian.org.models import Property


def set_skew(session: Session, property_id: int, minutes: float) -> None:
    """The property's ``clock_skew_minutes`` (the one setting the policy reads)."""
    prop = session.scalar(select(Property).where(Property.id == property_id))
    assert prop is not None
    prop.settings = {**(prop.settings or {}), "clock_skew_minutes": minutes}
    session.commit()


def clock_note(session: Session, table: str, entity_id: int | str) -> dict[str, Any]:
    """The ``phone_clock`` verdict in the newest audit entry of one record."""
    session.expire_all()
    after = session.scalar(
        select(AuditEntry.after)
        .where(AuditEntry.entity_type == table, AuditEntry.entity_id == str(entity_id))
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    assert after is not None and "phone_clock" in after, after
    return after["phone_clock"]
