"""Deposit settlements at the completion inspection and their itemised deductions."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...db import Base, Versioned, one_of, utcnow
from ...tenancy import PropertyScoped
from ..states import SETTLEMENT
from .vocabulary import DEDUCTION_KINDS, Money


class Settlement(PropertyScoped, Versioned, Base):
    """Deposit settlement at the completion inspection: itemised deductions, manager approval,
    refund (deposit − deductions) or shortfall claimed from the owner."""

    __tablename__ = "renovation_settlements"
    __table_args__ = (
        SETTLEMENT.check_constraint(),
        CheckConstraint(
            "(state IN ('approved', 'rejected')) = (decided_at IS NOT NULL)", name="decided_at"
        ),
        CheckConstraint("(decided_at IS NULL) = (decided_by_id IS NULL)", name="decided_by"),
        CheckConstraint("state != 'rejected' OR decision_note != ''", name="rejection_reason"),
        CheckConstraint("state = 'draft' OR submitted_at IS NOT NULL", name="submitted_at"),
        CheckConstraint(
            "deposit_amount >= 0 AND total_deductions >= 0 AND refund_amount >= 0 "
            "AND shortfall_amount >= 0",
            name="amounts_not_negative",
        ),
        CheckConstraint("refund_amount = 0 OR shortfall_amount = 0", name="refund_or_shortfall"),
        # deposit − deductions = refund − shortfall (to the cent; SQLite stores REAL).
        CheckConstraint(
            "ABS(deposit_amount - total_deductions - refund_amount + shortfall_amount) < 0.005",
            name="balance",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[uuid.UUID | None] = mapped_column(unique=True)
    renovation_id: Mapped[int] = mapped_column(ForeignKey("renovations.id"), unique=True)
    state: Mapped[str] = mapped_column(String(12), default="draft")
    deposit_amount: Mapped[decimal.Decimal] = mapped_column(Money)
    total_deductions: Mapped[decimal.Decimal] = mapped_column(Money)
    refund_amount: Mapped[decimal.Decimal] = mapped_column(Money)
    shortfall_amount: Mapped[decimal.Decimal] = mapped_column(Money)
    note: Mapped[str] = mapped_column(String(1000), default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[dt.datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None]
    decision_note: Mapped[str] = mapped_column(String(500), default="")

    deductions: Mapped[list[Deduction]] = relationship(
        back_populates="settlement", order_by="Deduction.position", cascade="all, delete-orphan"
    )


class Deduction(PropertyScoped, Base):
    __tablename__ = "renovation_deductions"
    __table_args__ = (
        CheckConstraint(one_of("kind", DEDUCTION_KINDS), name="kind"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(
            "kind != 'violation' OR violation_id IS NOT NULL", name="violation_has_item"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    settlement_id: Mapped[int] = mapped_column(ForeignKey("renovation_settlements.id"), index=True)
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(10))
    violation_id: Mapped[int | None] = mapped_column(ForeignKey("renovation_inspection_results.id"))
    description: Mapped[str] = mapped_column(String(500))
    amount: Mapped[decimal.Decimal] = mapped_column(Money)

    settlement: Mapped[Settlement] = relationship(back_populates="deductions")
