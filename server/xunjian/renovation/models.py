"""Renovation enforcement (装修管理): the registry, the versioned violation checklist, daily
inspections, rectification notices (违章整改通知单) with the measures ladder, and deposit
settlements.

States are CHECK-constrained strings tied to the columns each state needs, so the database
refuses e.g. an "acknowledged" notice without a signature, whatever the code does. The allowed
moves between states are in ``states.py``.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, Versioned, utcnow
from ..tenancy import CompanyScoped, PropertyScoped

SEVERITIES = ("critical", "major", "minor")
ITEM_KINDS = ("item", "measure")
APPROVALS = ("none", "manager")
RENOVATION_STATES = (
    "applied",
    "approved",
    "in_progress",
    "completion_inspection",
    "deposit_settled",
    "suspended",
)
# Sites that are inspected every day (a suspended site too: is the work really stopped?).
ACTIVE_STATES = ("in_progress", "suspended")
RESULTS = ("ok", "violation", "not_applicable")
INSPECTION_KINDS = ("daily", "completion")
NOTICE_STATES = (
    "draft",
    "issued",
    "acknowledged",
    "refused",
    "overdue",
    "escalated",
    "reinspection_passed",
    "closed",
    "referred",
    "cancelled",
)
OPEN_NOTICE_STATES = ("issued", "acknowledged", "refused", "overdue", "escalated")
ACK_KINDS = ("signed", "refused")
SIGNER_ROLES = ("owner", "contractor")
MEASURE_STATES = ("requested", "approved", "rejected", "in_effect", "lifted")
SETTLEMENT_STATES = ("draft", "submitted", "approved", "rejected")
DEDUCTION_KINDS = ("violation", "damage", "other")

Money = Numeric(12, 2)
# JSON columns that may be absent store SQL NULL (not JSON null), so CHECKs can test IS NULL.
NullableJSON = JSON(none_as_null=True)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class ChecklistVersion(CompanyScoped, Base):
    """One immutable version of a company's checklist; an edit makes the next version.

    Inspections point at the version they used, so an old inspection keeps the items, names
    and severities it was made with after the company changes its checklist.
    """

    __tablename__ = "renovation_checklist_versions"
    __table_args__ = (
        UniqueConstraint("company_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[uuid.UUID | None] = mapped_column(unique=True)
    number: Mapped[int]
    note: Mapped[str] = mapped_column(String(500), default="")
    source: Mapped[str] = mapped_column(String(300), default="")
    # Days to rectify by severity ({"critical": 1, "major": 3, "minor": 7}) and which
    # severities mean "stop work now": versioned with the severities they refer to.
    deadline_days: Mapped[dict[str, int]] = mapped_column(JSON)
    stop_work_severities: Mapped[list[str]] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    items: Mapped[list[ChecklistItem]] = relationship(
        back_populates="version", order_by="ChecklistItem.position"
    )


class ChecklistItem(Base):
    """A checklist item (R01…) or a measure of the ladder (M1…) within one version."""

    __tablename__ = "renovation_checklist_items"
    __table_args__ = (
        UniqueConstraint("version_id", "code"),
        CheckConstraint(_in("kind", ITEM_KINDS), name="kind"),
        CheckConstraint("(kind = 'item') = (severity IS NOT NULL)", name="items_have_severity"),
        CheckConstraint("severity IS NULL OR " + _in("severity", SEVERITIES), name="severity"),
        CheckConstraint(_in("approval", APPROVALS), name="approval"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("renovation_checklist_versions.id"), index=True
    )
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(10))
    code: Mapped[str] = mapped_column(String(16))
    seed_no: Mapped[int | None]
    category: Mapped[str] = mapped_column(String(30), default="")
    severity: Mapped[str | None] = mapped_column(String(10))
    approval: Mapped[str] = mapped_column(String(10), default="none")
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(300), default="")
    retired: Mapped[bool] = mapped_column(default=False)

    version: Mapped[ChecklistVersion] = relationship(back_populates="items")


class Renovation(PropertyScoped, Versioned, Base):
    """A unit under renovation: owner, contractor, work permit (施工证), hours and deposit."""

    __tablename__ = "renovations"
    __table_args__ = (
        UniqueConstraint("property_id", "permit_no"),
        CheckConstraint(_in("state", RENOVATION_STATES), name="state"),
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
        CheckConstraint(_in("kind", INSPECTION_KINDS), name="kind"),
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
        CheckConstraint(_in("result", RESULTS), name="result"),
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


class NoticeCounter(PropertyScoped, Base):
    """Last serial number used per property and year; locked FOR UPDATE while allocating."""

    __tablename__ = "renovation_notice_counters"
    __table_args__ = (UniqueConstraint("property_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    last_seq: Mapped[int] = mapped_column(default=0)


_NOT_ISSUED = "state IN ('draft', 'cancelled')"


class Notice(PropertyScoped, Versioned, Base):
    """A Rectification Notice (违章整改通知单) raised from one or more violations."""

    __tablename__ = "renovation_notices"
    __table_args__ = (
        UniqueConstraint("property_id", "serial"),
        CheckConstraint(_in("state", NOTICE_STATES), name="state"),
        CheckConstraint(_in("severity", SEVERITIES), name="severity"),
        CheckConstraint(f"(serial IS NULL) = ({_NOT_ISSUED})", name="serial_iff_issued"),
        CheckConstraint(f"(issued_at IS NULL) = ({_NOT_ISSUED})", name="issued_at"),
        CheckConstraint(f"(deadline_at IS NULL) = ({_NOT_ISSUED})", name="deadline_at"),
        CheckConstraint("(issued_at IS NULL) = (issued_by_id IS NULL)", name="issued_by"),
        CheckConstraint("ack_kind IS NULL OR " + _in("ack_kind", ACK_KINDS), name="ack_kind"),
        CheckConstraint("(ack_kind IS NULL) = (acknowledged_at IS NULL)", name="ack_at"),
        CheckConstraint("state != 'acknowledged' OR ack_kind = 'signed'", name="acknowledged"),
        CheckConstraint("state != 'refused' OR ack_kind = 'refused'", name="refused"),
        CheckConstraint(
            "ack_kind IS NULL OR ack_kind != 'signed' OR (signature_key IS NOT NULL "
            "AND signer_name != '' AND signer_role IS NOT NULL)",
            name="signed_has_signature",
        ),
        CheckConstraint(
            "signer_role IS NULL OR " + _in("signer_role", SIGNER_ROLES), name="signer_role"
        ),
        CheckConstraint(
            "ack_kind IS NULL OR ack_kind != 'refused' OR refusal_photo_client_id IS NOT NULL",
            name="refusal_has_photo",
        ),
        CheckConstraint("state != 'overdue' OR overdue_at IS NOT NULL", name="overdue_at"),
        CheckConstraint("state != 'escalated' OR escalated_at IS NOT NULL", name="escalated_at"),
        CheckConstraint("(escalated_at IS NULL) = (interview_at IS NULL)", name="interview"),
        CheckConstraint(
            "escalated_at IS NULL OR interview_outcome != ''", name="interview_outcome"
        ),
        CheckConstraint(
            "state NOT IN ('reinspection_passed', 'closed') OR reinspection_passed_at IS NOT NULL "
            "OR close_reason != ''",
            name="passed_or_reason",
        ),
        CheckConstraint(
            "state != 'reinspection_passed' OR reinspection_passed_at IS NOT NULL",
            name="reinspection_passed_at",
        ),
        CheckConstraint(
            "(state IN ('closed', 'referred')) = (closed_at IS NOT NULL)", name="closed_at"
        ),
        CheckConstraint("state != 'referred' OR referred_to != ''", name="referred_to"),
        Index("ix_renovation_notices_property_state", "property_id", "state"),
        Index("ix_renovation_notices_deadline", "state", "deadline_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[uuid.UUID | None] = mapped_column(unique=True)
    renovation_id: Mapped[int] = mapped_column(ForeignKey("renovations.id"), index=True)
    state: Mapped[str] = mapped_column(String(24), default="draft")
    serial: Mapped[str | None] = mapped_column(String(60))
    severity: Mapped[str] = mapped_column(String(10))
    stop_work: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(String(1000), default="")
    # Measures chosen on the draft, taken (or put up for approval) when the notice is issued.
    planned_measures: Mapped[list[str]] = mapped_column(JSON, default=list)
    # A deadline date chosen by hand (else: issue date + days for the severity).
    requested_deadline: Mapped[dt.date | None]
    deadline: Mapped[dt.date | None]  # last local day to rectify
    deadline_at: Mapped[dt.datetime | None]  # the moment it becomes overdue
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    issued_at: Mapped[dt.datetime | None]
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ack_kind: Mapped[str | None] = mapped_column(String(10))
    acknowledged_at: Mapped[dt.datetime | None]
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signer_name: Mapped[str] = mapped_column(String(100), default="")
    signer_role: Mapped[str | None] = mapped_column(String(12))
    signature_key: Mapped[str | None] = mapped_column(String(120))
    signature_sha256: Mapped[str | None] = mapped_column(String(64))
    refusal_photo_client_id: Mapped[uuid.UUID | None]
    ack_note: Mapped[str] = mapped_column(String(500), default="")
    overdue_at: Mapped[dt.datetime | None]
    escalated_at: Mapped[dt.datetime | None]
    escalated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    interview_at: Mapped[dt.datetime | None]
    interview_outcome: Mapped[str] = mapped_column(String(1000), default="")
    reinspection_passed_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    close_reason: Mapped[str] = mapped_column(String(1000), default="")
    referred_to: Mapped[str] = mapped_column(String(200), default="")

    violations: Mapped[list[InspectionResult]] = relationship(
        order_by="InspectionResult.id", viewonly=True
    )
    measures: Mapped[list[Measure]] = relationship(back_populates="notice", order_by="Measure.id")
    reinspections: Mapped[list[Reinspection]] = relationship(order_by="Reinspection.id")


class Reinspection(PropertyScoped, Base):
    """A visit to check a notice's violations were rectified; it needs photos either way."""

    __tablename__ = "renovation_reinspections"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("renovation_notices.id"), index=True)
    inspector_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    inspected_at: Mapped[dt.datetime]
    passed: Mapped[bool]
    note: Mapped[str] = mapped_column(String(1000), default="")
    photo_client_ids: Mapped[list[str]] = mapped_column(JSON, default=list)


class Measure(PropertyScoped, Versioned, Base):
    """One measure of the ladder (M1–M7) taken on a notice. Those marked approval=manager
    (M5–M7 by default) start as a request and take effect only after a manager approves."""

    __tablename__ = "renovation_measures"
    __table_args__ = (
        CheckConstraint(_in("state", MEASURE_STATES), name="state"),
        CheckConstraint(
            "NOT requires_approval OR state IN ('requested', 'rejected') OR decided_at IS NOT NULL",
            name="approved_before_effect",
        ),
        CheckConstraint(
            "requires_approval OR state IN ('in_effect', 'lifted')", name="plain_in_effect"
        ),
        CheckConstraint("state != 'rejected' OR decision_note != ''", name="rejection_has_reason"),
        CheckConstraint("(decided_at IS NULL) = (decided_by_id IS NULL)", name="decided_by"),
        CheckConstraint("(state = 'lifted') = (lifted_at IS NOT NULL)", name="lifted_at"),
        CheckConstraint(
            "state NOT IN ('in_effect', 'lifted') OR applied_at IS NOT NULL", name="applied_at"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[uuid.UUID | None] = mapped_column(unique=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("renovation_notices.id"), index=True)
    code: Mapped[str] = mapped_column(String(16))
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(300), default="")
    requires_approval: Mapped[bool]
    state: Mapped[str] = mapped_column(String(12), index=True)
    note: Mapped[str] = mapped_column(String(500), default="")
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[dt.datetime]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None]
    decision_note: Mapped[str] = mapped_column(String(500), default="")
    applied_at: Mapped[dt.datetime | None]
    lifted_at: Mapped[dt.datetime | None]

    notice: Mapped[Notice] = relationship(back_populates="measures")


class Settlement(PropertyScoped, Versioned, Base):
    """Deposit settlement at the completion inspection: itemised deductions, manager approval,
    refund (deposit − deductions) or shortfall claimed from the owner."""

    __tablename__ = "renovation_settlements"
    __table_args__ = (
        CheckConstraint(_in("state", SETTLEMENT_STATES), name="state"),
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
        CheckConstraint(_in("kind", DEDUCTION_KINDS), name="kind"),
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
