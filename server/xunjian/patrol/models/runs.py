"""Patrol runs as they happen: runs, check-ins, findings and missed-run alerts."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...db import Base, Versioned, one_of
from ...tenancy import PropertyScoped
from ..states import ALERT, FINDING, RUN
from .places import Checkpoint, Route
from .vocabulary import (
    ALERT_KINDS,
    CHECKIN_METHODS,
    FINDING_CATEGORIES,
    FINDING_OUTCOMES,
    FORWARD_TARGETS,
)


class Run(PropertyScoped, Versioned, Base):
    """One walk of a route. Check-ins do not touch this row, so its ETag changes only when
    its lifecycle does (the phone can finish with the ETag it got at the start)."""

    __tablename__ = "patrol_runs"
    __table_args__ = (
        RUN.check_constraint(),
        CheckConstraint("(state = 'in_progress') = (finished_at IS NULL)", name="finished_at"),
        CheckConstraint("(state = 'in_progress') = (finished_by_id IS NULL)", name="finished_by"),
        CheckConstraint("state != 'ended_early' OR finish_reason != ''", name="early_has_reason"),
        CheckConstraint("(window_start IS NULL) = (window_end IS NULL)", name="window"),
        Index("ix_patrol_runs_property_started", "property_id", "started_at"),
        Index("ix_patrol_runs_route_started", "route_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[uuid.UUID | None] = mapped_column(unique=True)
    route_id: Mapped[int] = mapped_column(ForeignKey("patrol_routes.id"))
    runner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    state: Mapped[str] = mapped_column(String(20), default="in_progress")
    # started_at is the moment analysis uses (the phone's time when plausible, see runs.py);
    # received_at is when the server heard of it.
    started_at: Mapped[dt.datetime]
    received_at: Mapped[dt.datetime]
    device_started_at: Mapped[dt.datetime | None]
    window_start: Mapped[dt.datetime | None]
    window_end: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    finished_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    finish_reason: Mapped[str] = mapped_column(String(500), default="")
    expected_count: Mapped[int] = mapped_column(default=0)
    visited_count: Mapped[int | None]  # set at finish
    # [{code, message, message_zh, data}] — late start, missed checkpoints.
    flags: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    route: Mapped[Route] = relationship()


class Checkin(PropertyScoped, Base):
    __tablename__ = "patrol_checkins"
    __table_args__ = (
        CheckConstraint(one_of("method", CHECKIN_METHODS), name="method"),
        CheckConstraint("(latitude IS NULL) = (longitude IS NULL)", name="lat_lon_together"),
        CheckConstraint("(accuracy_m IS NULL) = (latitude IS NULL)", name="fix_has_accuracy"),
        CheckConstraint("method != 'gps' OR latitude IS NOT NULL", name="gps_has_fix"),
        Index("ix_patrol_checkins_run_at", "run_id", "checked_in_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("patrol_runs.id"))
    checkpoint_id: Mapped[int] = mapped_column(ForeignKey("patrol_checkpoints.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    method: Mapped[str] = mapped_column(String(10))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    accuracy_m: Mapped[float | None]
    device_time: Mapped[dt.datetime | None]
    received_at: Mapped[dt.datetime]
    checked_in_at: Mapped[dt.datetime]
    metres_outside: Mapped[float | None]  # beyond the geofence, before the accuracy buffer
    flags: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    checkpoint: Mapped[Checkpoint] = relationship()


class Finding(PropertyScoped, Versioned, Base):
    """What the patroller saw: OK, or a problem (category, note, photos)."""

    __tablename__ = "patrol_findings"
    __table_args__ = (
        CheckConstraint(one_of("outcome", FINDING_OUTCOMES), name="outcome"),
        FINDING.check_constraint(),
        CheckConstraint(one_of("category", ("", *FINDING_CATEGORIES)), name="category"),
        CheckConstraint("(outcome = 'ok') = (status = 'no_action')", name="ok_needs_no_action"),
        CheckConstraint("outcome = 'ok' OR category != ''", name="problem_has_category"),
        CheckConstraint(
            "forward_target IS NULL OR " + one_of("forward_target", FORWARD_TARGETS),
            name="forward_target",
        ),
        CheckConstraint("(status = 'forwarded') = (forwarded_at IS NOT NULL)", name="forwarded"),
        CheckConstraint(
            "(forwarded_at IS NULL) = (forward_target IS NULL)", name="forward_has_target"
        ),
        CheckConstraint(
            "forward_target IS NULL OR forward_target != 'renovation' OR unit_id IS NOT NULL",
            name="renovation_needs_unit",
        ),
        Index("ix_patrol_findings_property_status", "property_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("patrol_runs.id"), index=True)
    checkin_id: Mapped[int | None] = mapped_column(ForeignKey("patrol_checkins.id"))
    checkpoint_id: Mapped[int | None] = mapped_column(ForeignKey("patrol_checkpoints.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    reported_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[str] = mapped_column(String(10))
    category: Mapped[str] = mapped_column(String(20), default="")
    note: Mapped[str] = mapped_column(String(1000), default="")
    # Evidence client UUIDs; a photo may arrive before or after the finding (no FK).
    photo_client_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(12))
    forward_target: Mapped[str | None] = mapped_column(String(12))
    forward_note: Mapped[str] = mapped_column(String(500), default="")
    forwarded_at: Mapped[dt.datetime | None]
    forwarded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime]
    received_at: Mapped[dt.datetime]


class Alert(PropertyScoped, Versioned, Base):
    """A scheduled window that was not started by its start + tolerance."""

    __tablename__ = "patrol_alerts"
    __table_args__ = (
        UniqueConstraint("route_id", "kind", "window_start"),
        CheckConstraint(one_of("kind", ALERT_KINDS), name="kind"),
        ALERT.check_constraint(),
        CheckConstraint(
            "state = 'open' OR acknowledged_at IS NOT NULL OR resolved_at IS NOT NULL",
            name="closed_has_time",
        ),
        CheckConstraint("(state = 'resolved') = (resolved_at IS NOT NULL)", name="resolved_at"),
        CheckConstraint(
            "(acknowledged_at IS NULL) = (acknowledged_by_id IS NULL)", name="acknowledged_by"
        ),
        Index("ix_patrol_alerts_property_state", "property_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default="missed_run")
    route_id: Mapped[int] = mapped_column(ForeignKey("patrol_routes.id"))
    window_start: Mapped[dt.datetime]
    window_end: Mapped[dt.datetime]
    deadline: Mapped[dt.datetime]
    raised_at: Mapped[dt.datetime]
    state: Mapped[str] = mapped_column(String(12), default="open")
    message: Mapped[str] = mapped_column(String(300))
    message_zh: Mapped[str] = mapped_column(String(300))
    acknowledged_at: Mapped[dt.datetime | None]
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[dt.datetime | None]
    resolution: Mapped[str] = mapped_column(String(300), default="")
    run_id: Mapped[int | None] = mapped_column(ForeignKey("patrol_runs.id"))
