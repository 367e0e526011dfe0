"""Rectification notices (违章整改通知单), their serial counters, re-inspections and the
measures taken on them."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...db import Base, Versioned, one_of, utcnow
from ...tenancy import PropertyScoped
from ..states import MEASURE, NOTICE
from .sites import InspectionResult
from .vocabulary import (
    ACK_KINDS,
    SEVERITIES,
    SIGNER_ROLES,
)


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
        NOTICE.check_constraint(),
        CheckConstraint(one_of("severity", SEVERITIES), name="severity"),
        CheckConstraint(f"(serial IS NULL) = ({_NOT_ISSUED})", name="serial_iff_issued"),
        CheckConstraint(f"(issued_at IS NULL) = ({_NOT_ISSUED})", name="issued_at"),
        CheckConstraint(f"(deadline_at IS NULL) = ({_NOT_ISSUED})", name="deadline_at"),
        CheckConstraint("(issued_at IS NULL) = (issued_by_id IS NULL)", name="issued_by"),
        CheckConstraint("ack_kind IS NULL OR " + one_of("ack_kind", ACK_KINDS), name="ack_kind"),
        CheckConstraint("(ack_kind IS NULL) = (acknowledged_at IS NULL)", name="ack_at"),
        CheckConstraint("state != 'acknowledged' OR ack_kind = 'signed'", name="acknowledged"),
        CheckConstraint("state != 'refused' OR ack_kind = 'refused'", name="refused"),
        CheckConstraint(
            "ack_kind IS NULL OR ack_kind != 'signed' OR (signature_key IS NOT NULL "
            "AND signer_name != '' AND signer_role IS NOT NULL)",
            name="signed_has_signature",
        ),
        CheckConstraint(
            "signer_role IS NULL OR " + one_of("signer_role", SIGNER_ROLES), name="signer_role"
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
        MEASURE.check_constraint(),
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
