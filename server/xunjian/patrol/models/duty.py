"""Night duty: storm days, spot checks of guard posts (夜间查岗) and shift handovers (交接班)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...db import Base, Versioned, one_of, utcnow
from ...tenancy import PropertyScoped
from ..states import HANDOVER
from .vocabulary import HANDOVER_ITEM_KINDS, SPOT_CHECK_STATUSES, STORM_KINDS


class StormDay(PropertyScoped, Base):
    """A typhoon/rainstorm day: it needs its own night spot check on top of the monthly quota."""

    __tablename__ = "patrol_storm_days"
    __table_args__ = (
        UniqueConstraint("property_id", "day"),
        CheckConstraint(one_of("kind", STORM_KINDS), name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[uuid.UUID | None] = mapped_column(unique=True)
    day: Mapped[dt.date]
    kind: Mapped[str] = mapped_column(String(12), default="typhoon")
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class SpotCheck(PropertyScoped, Base):
    """A night check of a guard post, signed by checker and guard; immutable once signed."""

    __tablename__ = "patrol_spot_checks"
    __table_args__ = (
        CheckConstraint(one_of("status", SPOT_CHECK_STATUSES), name="status"),
        CheckConstraint("status != 'other' OR remarks != ''", name="other_has_remarks"),
        CheckConstraint("guard_user_id IS NOT NULL OR guard_name != ''", name="guard_named"),
        CheckConstraint(
            "(guard_signature_key IS NULL) = (guard_signature_sha256 IS NULL)",
            name="guard_signature_hash",
        ),
        # An absent guard cannot sign; everyone else signs the record of their check.
        CheckConstraint(
            "status = 'absent' OR guard_signature_key IS NOT NULL", name="guard_signed"
        ),
        Index("ix_patrol_spot_checks_property_at", "property_id", "checked_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[uuid.UUID | None] = mapped_column(unique=True)
    checker_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    post: Mapped[str] = mapped_column(String(100))
    guard_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    guard_name: Mapped[str] = mapped_column(String(100), default="")
    checked_at: Mapped[dt.datetime]
    received_at: Mapped[dt.datetime]
    status: Mapped[str] = mapped_column(String(16))
    remarks: Mapped[str] = mapped_column(String(1000), default="")
    photo_client_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    checker_signature_key: Mapped[str] = mapped_column(String(120))
    checker_signature_sha256: Mapped[str] = mapped_column(String(64))
    guard_signature_key: Mapped[str | None] = mapped_column(String(120))
    guard_signature_sha256: Mapped[str | None] = mapped_column(String(64))


class Handover(PropertyScoped, Versioned, Base):
    """Handover Record (交接班记录表): items, open matters, both people's confirmations."""

    __tablename__ = "patrol_handovers"
    __table_args__ = (
        HANDOVER.check_constraint(),
        CheckConstraint("outgoing_user_id != incoming_user_id", name="two_people"),
        CheckConstraint("(state = 'draft') = (outgoing_confirmed_at IS NULL)", name="outgoing"),
        CheckConstraint("(state = 'completed') = (completed_at IS NOT NULL)", name="completed"),
        CheckConstraint("state = 'completed' OR pending_photo_count = 0", name="exception_at_end"),
        CheckConstraint("pending_photo_count >= 0", name="pending_count"),
        Index("ix_patrol_handovers_property_created", "property_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[uuid.UUID | None] = mapped_column(unique=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    outgoing_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    incoming_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    shift: Mapped[str] = mapped_column(String(60), default="")
    state: Mapped[str] = mapped_column(String(20), default="draft")
    open_matters: Mapped[list[str]] = mapped_column(JSON, default=list)
    outgoing_device_id: Mapped[str | None] = mapped_column(String(100))
    outgoing_confirmed_at: Mapped[dt.datetime | None]
    completed_at: Mapped[dt.datetime | None]
    # The exception: photos still on the outgoing phone when the incoming person confirmed.
    pending_photo_count: Mapped[int] = mapped_column(default=0)
    pending_photos: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]

    items: Mapped[list[HandoverItem]] = relationship(
        back_populates="handover", order_by="HandoverItem.position", cascade="all, delete-orphan"
    )


class HandoverItem(PropertyScoped, Base):
    __tablename__ = "patrol_handover_items"
    __table_args__ = (
        UniqueConstraint("handover_id", "position"),
        CheckConstraint(one_of("kind", HANDOVER_ITEM_KINDS), name="kind"),
        CheckConstraint("count BETWEEN 1 AND 100000", name="count"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    handover_id: Mapped[int] = mapped_column(
        ForeignKey("patrol_handovers.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(String(200), default="")
    count: Mapped[int] = mapped_column(default=1)

    handover: Mapped[Handover] = relationship(back_populates="items")
