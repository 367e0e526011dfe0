"""The versioned violation checklist (R01–R32) and the measures ladder (M1–M7)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...db import Base, one_of, utcnow
from ...tenancy import CompanyScoped
from .vocabulary import APPROVALS, ITEM_KINDS, SEVERITIES


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
        CheckConstraint(one_of("kind", ITEM_KINDS), name="kind"),
        CheckConstraint("(kind = 'item') = (severity IS NOT NULL)", name="items_have_severity"),
        CheckConstraint("severity IS NULL OR " + one_of("severity", SEVERITIES), name="severity"),
        CheckConstraint(one_of("approval", APPROVALS), name="approval"),
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
