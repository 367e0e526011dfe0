"""Row locks, required text and the property a work-order record belongs to. No Flask."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import NotFound, field_error
from ..org.models import Property


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


def get_property(session: Session, property_id: int) -> Property:
    prop = session.scalar(select(Property).where(Property.id == property_id))
    if prop is None:
        raise NotFound("No such property.", message_zh="项目不存在。")
    return prop
