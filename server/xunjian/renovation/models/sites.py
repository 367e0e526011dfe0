"""Units under renovation (the registry) and their daily inspections."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...db import Base, Versioned, one_of, utcnow
from ...tenancy import PropertyScoped
from ..states import RENOVATION
from .checklist import ChecklistItem
from .vocabulary import INSPECTION_KINDS, RESULTS, Money


class Renovation(PropertyScoped, Versioned, Base):
    """A unit under renovation: owner, contractor, work permit (施工证), hours and deposit."""

    __tablename__ = "renovations"
    __table_args__ = (
        UniqueConstraint("property_id", "permit_no"),
        RENOVATION.check_constraint(),
        CheckConstraint("(state = 'applied') = (approved_at IS NULL)", name="approved_at"),
        CheckConstraint("(approved_at IS NULL) = (approved_by_id IS NULL)", name="approved_by"),
        CheckConstraint(
            "state = 'applied' OR (permit_no IS NOT NULL AND permit_valid_from IS NOT NULL "
            "AND permit_valid_to IS NOT NULL)",
            name="approved_has_permit",
        ),
        CheckConstraint(
            "state NOT IN ('in_progress', 'completion_inspection', 'deposit_settled') "
            "OR started_at IS NOT NULL",
            name="started_at",
        ),
        CheckConstraint(
            "state NOT IN ('completion_inspection', 'deposit_settled') "
            "OR completion_requested_at IS NOT NULL",
            name="completion_requested_at",
        ),
        CheckConstraint("(state = 'deposit_settled') = (settled_at IS NOT NULL)", name="settled"),
        CheckConstraint("(state = 'suspended') = (suspended_at IS NOT NULL)", name="suspended"),
        CheckConstraint(
            "(state = 'suspended') = (suspended_from IS NOT NULL)", name="suspended_from"
        ),
        CheckConstraint(
            "suspended_from IS NULL OR suspended_from IN ('approved', 'in_progress')",
            name="suspended_from_state",
        ),
        CheckConstraint("state != 'suspended' OR suspended_reason != ''", name="suspend_reason"),
        CheckConstraint("deposit_amount >= 0", name="deposit_not_negative"),
        CheckConstraint("end_date >= start_date", name="dates_ordered"),
        CheckConstraint(
            "permit_valid_to IS NULL OR permit_valid_from IS NULL "
            "OR permit_valid_to >= permit_valid_from",
            name="permit_dates_ordered",
        ),
        Index("ix_renovations_property_state", "property_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[uuid.UUID | None] = mapped_column(unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    state: Mapped[str] = mapped_column(String(24), default="applied")
    owner_name: Mapped[str] = mapped_column(String(100))
    owner_phone: Mapped[str] = mapped_column(String(40), default="")
    contractor_company: Mapped[str] = mapped_column(String(200), default="")
    foreman_name: Mapped[str] = mapped_column(String(100), default="")
    foreman_phone: Mapped[str] = mapped_column(String(40), default="")
    permit_no: Mapped[str | None] = mapped_column(String(60))
    permit_valid_from: Mapped[dt.date | None]
    permit_valid_to: Mapped[dt.date | None]
    # {"weekday": [["08:00", "12:00"], …], "weekend": […]}: local times at the property.
    hours: Mapped[dict[str, Any]] = mapped_column(JSON)
    start_date: Mapped[dt.date]
    end_date: Mapped[dt.date]
    deposit_amount: Mapped[decimal.Decimal] = mapped_column(Money)
    # Evidence client UUIDs or object keys of the application's documents (drawings, ID…).
    documents: Mapped[list[str]] = mapped_column(JSON, default=list)
    description: Mapped[str] = mapped_column(String(1000), default="")
    # The floor manager who inspects the site daily (None: any floor manager of the property).
    inspector_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    approved_at: Mapped[dt.datetime | None]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[dt.datetime | None]
    completion_requested_at: Mapped[dt.datetime | None]
    settled_at: Mapped[dt.datetime | None]
    suspended_at: Mapped[dt.datetime | None]
    suspended_from: Mapped[str | None] = mapped_column(String(24))
    suspended_reason: Mapped[str] = mapped_column(String(500), default="")


class Inspection(PropertyScoped, Base):
    """One daily (or completion) inspection of a site against one checklist version."""

    __tablename__ = "renovation_inspections"
    __table_args__ = (
        CheckConstraint(one_of("kind", INSPECTION_KINDS), name="kind"),
        CheckConstraint("violation_count >= 0", name="violation_count"),
        Index("ix_renovation_inspections_day", "property_id", "local_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    renovation_id: Mapped[int] = mapped_column(ForeignKey("renovations.id"), index=True)
    checklist_version_id: Mapped[int] = mapped_column(
        ForeignKey("renovation_checklist_versions.id"), index=True
    )
    kind: Mapped[str] = mapped_column(String(12), default="daily")
    inspector_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    inspected_at: Mapped[dt.datetime]
    received_at: Mapped[dt.datetime]
    local_day: Mapped[dt.date]
    # Inspected outside the site's permitted hours: R24 was suggested to the inspector.
    outside_hours: Mapped[bool] = mapped_column(default=False)
    suggested_items: Mapped[list[str]] = mapped_column(JSON, default=list)
    violation_count: Mapped[int] = mapped_column(default=0)
    note: Mapped[str] = mapped_column(String(1000), default="")
    # A patrol finding forwarded to renovation that this inspection followed up.
    finding_id: Mapped[int | None] = mapped_column(ForeignKey("patrol_findings.id"), index=True)

    results: Mapped[list[InspectionResult]] = relationship(
        back_populates="inspection", order_by="InspectionResult.position"
    )


class InspectionResult(PropertyScoped, Base):
    """One item of an inspection: OK, violation (note and photos) or not applicable."""

    __tablename__ = "renovation_inspection_results"
    __table_args__ = (
        UniqueConstraint("inspection_id", "item_id"),
        CheckConstraint(one_of("result", RESULTS), name="result"),
        CheckConstraint("result != 'violation' OR note != ''", name="violation_has_note"),
        CheckConstraint("notice_id IS NULL OR result = 'violation'", name="notice_only_violation"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("renovation_inspections.id"), index=True)
    renovation_id: Mapped[int] = mapped_column(ForeignKey("renovations.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("renovation_checklist_items.id"))
    position: Mapped[int]
    code: Mapped[str] = mapped_column(String(16))
    result: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(String(1000), default="")
    # Evidence client UUIDs; a photo may reach the server before or after the inspection.
    photo_client_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("renovation_notices.id"), index=True)

    inspection: Mapped[Inspection] = relationship(back_populates="results")
    item: Mapped[ChecklistItem] = relationship()
