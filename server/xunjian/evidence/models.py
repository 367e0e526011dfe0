"""Photo evidence, its hash chain, devices' outbox reports and the duty-device loan register."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, Versioned, one_of, utcnow
from ..tenancy import PropertyScoped
from .states import LOAN, REVIEW

CONTEXT_TYPES = (
    "patrol_checkin",
    "patrol_finding",
    "renovation_item",
    "notice",
    "workorder_before",
    "workorder_after",
    "spot_check",
    "handover",
    "ad_hoc",
)
REVIEW_STATES = REVIEW.states
DERIVATIVE_STATES = ("pending", "ready", "failed")


class Evidence(PropertyScoped, Versioned, Base):
    """One photo. The original bytes live in object storage under a content-addressed key."""

    __tablename__ = "evidence"
    __table_args__ = (
        CheckConstraint(one_of("context_type", CONTEXT_TYPES), name="context_type"),
        REVIEW.check_constraint(),
        CheckConstraint(one_of("derivatives_state", DERIVATIVE_STATES), name="derivatives_state"),
        # A decision is a person and a time; a rejection also needs its reason.
        CheckConstraint(
            "(review_status = 'pending') = (reviewed_at IS NULL)", name="reviewed_at_iff_decided"
        ),
        CheckConstraint(
            "review_status != 'rejected' OR review_reason != ''", name="rejection_has_reason"
        ),
        CheckConstraint(
            "(derivatives_state = 'ready') = (display_key IS NOT NULL)", name="ready_has_display"
        ),
        Index("ix_evidence_property_received", "property_id", "received_at"),
        Index("ix_evidence_context", "context_type", "context_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    device_id: Mapped[str] = mapped_column(String(100), default="", index=True)
    context_type: Mapped[str] = mapped_column(String(30))
    context_id: Mapped[str] = mapped_column(String(60), default="")
    note: Mapped[str] = mapped_column(String(500), default="")

    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size_bytes: Mapped[int]
    mime: Mapped[str] = mapped_column(String(40))
    width: Mapped[int]
    height: Mapped[int]
    original_key: Mapped[str] = mapped_column(String(200))
    display_key: Mapped[str | None] = mapped_column(String(200))
    thumb_key: Mapped[str | None] = mapped_column(String(200))
    derivatives_state: Mapped[str] = mapped_column(String(10), default="pending")
    derivatives_error: Mapped[str] = mapped_column(String(300), default="")

    # Times: what the server saw, what the phone said, what the camera wrote into EXIF.
    received_at: Mapped[dt.datetime] = mapped_column(index=True)
    captured_at: Mapped[dt.datetime | None]
    exif_taken_at: Mapped[dt.datetime | None]
    exif_offset: Mapped[str | None] = mapped_column(String(10))
    exif_latitude: Mapped[float | None]
    exif_longitude: Mapped[float | None]
    exif_make: Mapped[str | None] = mapped_column(String(60))
    exif_model: Mapped[str | None] = mapped_column(String(60))
    # Place as the browser reported it (kept here; stripped from every derivative).
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    accuracy_m: Mapped[float | None]

    flags: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    review_status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[dt.datetime | None]
    review_reason: Mapped[str] = mapped_column(String(500), default="")

    short_code: Mapped[str] = mapped_column(String(16), unique=True)
    signature: Mapped[str] = mapped_column(String(120))
    chain_seq: Mapped[int | None] = mapped_column(unique=True)


class ChainEntry(Base):
    """One link of the evidence hash chain: each entry's hash covers the previous entry's hash.

    The chain is global (not per property) so that one walk proves the whole store; entries are
    appended under a row lock on :class:`ChainHead`, which serialises appends on PostgreSQL.
    """

    __tablename__ = "evidence_chain"

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id"), unique=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)  # canonical JSON that was signed
    signature: Mapped[str] = mapped_column(String(120))
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ChainHead(Base):
    __tablename__ = "evidence_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_seq: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str] = mapped_column(String(64))


class DeviceStatus(Base):
    """The latest outbox report of a phone (device heartbeat): who holds un-uploaded photos."""

    __tablename__ = "device_status"

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[str] = mapped_column(String(100), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    reported_at: Mapped[dt.datetime]
    outbox_count: Mapped[int] = mapped_column(default=0)
    pending_photo_count: Mapped[int] = mapped_column(default=0)
    oldest_pending_at: Mapped[dt.datetime | None]
    # [{client_id, captured_at, context_type, context_id}] as the phone reported them.
    pending_photos: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    battery_level: Mapped[float | None]
    storage_free_bytes: Mapped[int | None]
    app_version: Mapped[str] = mapped_column(String(40), default="")


LOAN_STATES = LOAN.states
LOAN_ITEM_KINDS = ("camera", "phone", "radio", "key", "other")


class Loan(PropertyScoped, Versioned, Base):
    """Item Loan Register (物品借用登记表) for shared duty cameras and phones."""

    __tablename__ = "loans"
    __table_args__ = (
        LOAN.check_constraint(),
        CheckConstraint(one_of("item_kind", LOAN_ITEM_KINDS), name="item_kind"),
        CheckConstraint("(state = 'returned') = (returned_at IS NOT NULL)", name="returned_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[uuid.UUID | None] = mapped_column(unique=True)
    item_code: Mapped[str] = mapped_column(String(40))
    item_name: Mapped[str] = mapped_column(String(100))
    item_kind: Mapped[str] = mapped_column(String(10), default="camera")
    borrower_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    lent_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    purpose: Mapped[str] = mapped_column(String(300))
    borrowed_at: Mapped[dt.datetime]
    due_at: Mapped[dt.datetime] = mapped_column(index=True)
    state: Mapped[str] = mapped_column(String(10), default="borrowed")
    returned_at: Mapped[dt.datetime | None]
    returned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    photos_stored: Mapped[bool | None]
    card_cleared: Mapped[bool | None]
    battery_ok: Mapped[bool | None]
    return_note: Mapped[str] = mapped_column(String(300), default="")
