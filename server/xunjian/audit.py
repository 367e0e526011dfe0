"""The append-only audit log: who changed what, when, from what to what.

Rows are only ever inserted; database triggers (see the first migration) refuse UPDATE and
DELETE on both SQLite and PostgreSQL, so not even a bug in our own code can rewrite history.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import uuid
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    ForeignKey,
    Index,
    Select,
    String,
    and_,
    inspect,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from .db import Base, utcnow
from .tenancy import Actor, PropertyScoped


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity", "entity_type", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), index=True)
    # Nullable: company-level changes (a staff account) belong to no single property.
    property_id: Mapped[int | None] = mapped_column(ForeignKey("properties.id"), index=True)
    entity_type: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(60))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    request_id: Mapped[str] = mapped_column(String(64), default="")


_SECRET_FIELDS = {"password_hash", "token_hash"}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def snapshot(obj: Any) -> dict[str, Any]:
    """Column values of an ORM object, JSON-ready, without secrets."""
    mapper = inspect(obj).mapper
    return {
        attr.key: _jsonable(getattr(obj, attr.key))
        for attr in mapper.column_attrs
        if attr.key not in _SECRET_FIELDS
    }


def record(
    session: Session,
    actor: Actor | None,
    entity: Any,
    action: str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    request_id: str = "",
    property_id: int | None = None,
    extra: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one audit entry. ``after`` defaults to the entity's current state; ``extra``
    adds what the row has no column for (e.g. the phone's clock verdict, org/phone_clock.py)."""
    session.flush()  # the entity needs its id, and its defaults, before we describe it
    if after is None and action != "delete":
        after = snapshot(entity)
    if extra:
        after = {**(after or {}), **_jsonable(extra)}
    if property_id is None and isinstance(entity, PropertyScoped):
        property_id = entity.property_id
    request_id = request_id or str(session.info.get("request_id", ""))
    company_id = getattr(entity, "company_id", None) or (actor.company_id if actor else None)
    entry = AuditEntry(
        actor_id=actor.user_id if actor else None,
        company_id=company_id,
        property_id=property_id,
        entity_type=type(entity).__tablename__,
        entity_id=str(inspect(entity).identity[0]) if inspect(entity).identity else "",
        action=action,
        before=before,
        after=after,
        request_id=request_id,
    )
    session.add(entry)
    return entry


def entries(property_ids: list[int], company_id: int | None = None, **filters: Any) -> Select[Any]:
    """Entries of ``property_ids``, plus the company-level ones (staff accounts: no property)
    of ``company_id`` when given; ``filters`` are columns (property_id, entity_type, …)."""
    visible: ColumnElement[bool] = AuditEntry.property_id.in_(property_ids)
    if company_id is not None:
        company_level = and_(AuditEntry.property_id.is_(None), AuditEntry.company_id == company_id)
        visible = or_(visible, company_level)
    stmt = select(AuditEntry).where(visible)
    for name, value in filters.items():
        stmt = stmt.where(getattr(AuditEntry, name) == value)
    return stmt
