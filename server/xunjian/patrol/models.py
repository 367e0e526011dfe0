"""Building patrols (巡楼): checkpoints, routes, runs, check-ins, findings and missed-run alerts;
night spot checks (夜间查岗) with storm days; shift handovers (交接班).

States are CHECK-constrained strings tied to the columns each state needs, so the database
refuses a "completed" handover without its completion time, whatever the code does.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, Versioned, utcnow
from ..tenancy import PropertyScoped

RUN_STATES = ("in_progress", "completed", "ended_early")
CHECKIN_METHODS = ("qr", "nfc", "gps")
FINDING_OUTCOMES = ("ok", "problem")
FINDING_STATUSES = ("no_action", "open", "forwarded")
FINDING_CATEGORIES = (
    "cleaning",
    "security",
    "facility",
    "fire_safety",
    "renovation",
    "parking",
    "greenery",
    "other",
)
FORWARD_TARGETS = ("work_order", "renovation")
ALERT_KINDS = ("missed_run",)
ALERT_STATES = ("open", "acknowledged", "resolved")
SPOT_CHECK_STATUSES = ("present_alert", "asleep", "absent", "other")
STORM_KINDS = ("typhoon", "rainstorm", "other")
HANDOVER_STATES = ("draft", "outgoing_confirmed", "completed")
HANDOVER_ITEM_KINDS = ("key", "radio", "duty_camera", "duty_phone", "deposited_item", "other")

# JSON columns that may be absent store SQL NULL (not JSON null), so CHECKs can test IS NULL.
NullableJSON = JSON(none_as_null=True)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Checkpoint(PropertyScoped, Versioned, Base):
    """A place on a patrol: a QR/NFC tag on the wall, and/or a GPS geofence."""

    __tablename__ = "patrol_checkpoints"
    __table_args__ = (
        UniqueConstraint("property_id", "code"),
        UniqueConstraint("property_id", "nfc_tag_id"),
        CheckConstraint("(latitude IS NULL) = (longitude IS NULL)", name="lat_lon_together"),
        CheckConstraint("latitude IS NULL OR latitude BETWEEN -90 AND 90", name="latitude"),
        CheckConstraint("longitude IS NULL OR longitude BETWEEN -180 AND 180", name="longitude"),
        CheckConstraint("(plan_x IS NULL) = (plan_y IS NULL)", name="plan_xy_together"),
        CheckConstraint("plan_x IS NULL OR plan_image_key IS NOT NULL", name="plan_xy_has_image"),
        CheckConstraint(
            "plan_x IS NULL OR (plan_x BETWEEN 0 AND 1 AND plan_y BETWEEN 0 AND 1)",
            name="plan_xy_fraction",
        ),
        # A geofence needs a reference position (its representative point at least).
        CheckConstraint("geofence IS NULL OR latitude IS NOT NULL", name="geofence_has_position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[uuid.UUID | None] = mapped_column(unique=True)
    code: Mapped[str] = mapped_column(String(40))
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"), index=True)
    floor_id: Mapped[int | None] = mapped_column(ForeignKey("floors.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    # Floor plan: an object-store key of the plan image; x/y as fractions of its width/height,
    # so a re-scaled plan keeps the marks in place.
    plan_image_key: Mapped[str | None] = mapped_column(String(200))
    plan_x: Mapped[float | None]
    plan_y: Mapped[float | None]
    # GeoJSON geometry (lon/lat): a Polygon, or a Point with the foreign member ``radius_m``.
    geofence: Mapped[dict[str, Any] | None] = mapped_column(NullableJSON)
    qr_token: Mapped[str] = mapped_column(String(64), unique=True)
    nfc_tag_id: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class GeoRevision(PropertyScoped, Base):
    """A random token replaced whenever a property's checkpoints change.

    Each server process caches a spatial index per property and rebuilds it only when this token
    differs, so a GPS check-in costs one indexed row read, not a scan of every checkpoint. A
    random token (not a counter) cannot repeat after a rolled-back transaction.
    """

    __tablename__ = "patrol_geo_revisions"
    __table_args__ = (UniqueConstraint("property_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32))


class Route(PropertyScoped, Versioned, Base):
    __tablename__ = "patrol_routes"
    __table_args__ = (UniqueConstraint("property_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[uuid.UUID | None] = mapped_column(unique=True)
    code: Mapped[str] = mapped_column(String(40))
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(default=True)
    # Who may run it: any of these roles or users; both empty = anyone allowed to patrol.
    allowed_roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    allowed_user_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    # Windows whose deadline falls before this moment never raise a missed-run alert.
    schedule_since: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    stops: Mapped[list[RouteStop]] = relationship(
        back_populates="route", order_by="RouteStop.position", cascade="all, delete-orphan"
    )
    windows: Mapped[list[RouteWindow]] = relationship(
        back_populates="route",
        order_by="[RouteWindow.weekday, RouteWindow.start_time]",
        cascade="all, delete-orphan",
    )

    @property
    def window_groups(self) -> list[dict[str, Any]]:
        """The windows as the API takes them: weekdays sharing start, end and tolerance."""
        groups: dict[tuple[dt.time, dt.time, int], list[int]] = {}
        for w in self.windows:
            key = (w.start_time, w.end_time, w.start_tolerance_minutes)
            groups.setdefault(key, []).append(w.weekday)
        return [
            {"weekdays": sorted(days), "start": s, "end": e, "start_tolerance_minutes": tol}
            for (s, e, tol), days in sorted(groups.items())
        ]


class RouteStop(PropertyScoped, Base):
    __tablename__ = "patrol_route_stops"
    __table_args__ = (
        UniqueConstraint("route_id", "position"),
        # Each checkpoint once per route: "visited" then means one thing.
        UniqueConstraint("route_id", "checkpoint_id"),
        CheckConstraint("position >= 1", name="position"),
        CheckConstraint("expected_minutes BETWEEN 0 AND 600", name="expected_minutes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    route_id: Mapped[int] = mapped_column(ForeignKey("patrol_routes.id", ondelete="CASCADE"))
    position: Mapped[int]
    checkpoint_id: Mapped[int] = mapped_column(ForeignKey("patrol_checkpoints.id"), index=True)
    expected_minutes: Mapped[int] = mapped_column(default=0)  # walk from the previous stop

    route: Mapped[Route] = relationship(back_populates="stops")
    checkpoint: Mapped[Checkpoint] = relationship()


class RouteWindow(PropertyScoped, Base):
    """A schedule window in the property's local time; an end before the start means next day."""

    __tablename__ = "patrol_route_windows"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 1 AND 7", name="weekday"),
        CheckConstraint("start_tolerance_minutes BETWEEN 0 AND 240", name="tolerance"),
        CheckConstraint("start_time != end_time", name="not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    route_id: Mapped[int] = mapped_column(
        ForeignKey("patrol_routes.id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[int]  # ISO, Monday = 1: the local day the window starts on
    start_time: Mapped[dt.time] = mapped_column(Time)
    end_time: Mapped[dt.time] = mapped_column(Time)
    start_tolerance_minutes: Mapped[int] = mapped_column(default=15)

    route: Mapped[Route] = relationship(back_populates="windows")


class Run(PropertyScoped, Versioned, Base):
    """One walk of a route. Check-ins do not touch this row, so its ETag changes only when
    its lifecycle does (the phone can finish with the ETag it got at the start)."""

    __tablename__ = "patrol_runs"
    __table_args__ = (
        CheckConstraint(_in("state", RUN_STATES), name="state"),
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
        CheckConstraint(_in("method", CHECKIN_METHODS), name="method"),
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
        CheckConstraint(_in("outcome", FINDING_OUTCOMES), name="outcome"),
        CheckConstraint(_in("status", FINDING_STATUSES), name="status"),
        CheckConstraint(_in("category", ("", *FINDING_CATEGORIES)), name="category"),
        CheckConstraint("(outcome = 'ok') = (status = 'no_action')", name="ok_needs_no_action"),
        CheckConstraint("outcome = 'ok' OR category != ''", name="problem_has_category"),
        CheckConstraint(
            "forward_target IS NULL OR " + _in("forward_target", FORWARD_TARGETS),
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
        CheckConstraint(_in("kind", ALERT_KINDS), name="kind"),
        CheckConstraint(_in("state", ALERT_STATES), name="state"),
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


class StormDay(PropertyScoped, Base):
    """A typhoon/rainstorm day: it needs its own night spot check on top of the monthly quota."""

    __tablename__ = "patrol_storm_days"
    __table_args__ = (
        UniqueConstraint("property_id", "day"),
        CheckConstraint(_in("kind", STORM_KINDS), name="kind"),
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
        CheckConstraint(_in("status", SPOT_CHECK_STATUSES), name="status"),
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
        CheckConstraint(_in("state", HANDOVER_STATES), name="state"),
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
        CheckConstraint(_in("kind", HANDOVER_ITEM_KINDS), name="kind"),
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
