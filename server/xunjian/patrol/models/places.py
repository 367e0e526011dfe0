"""Where patrols go: checkpoints (with their geofence revision) and routes with their stops and
time windows."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...db import Base, Versioned, utcnow
from ...tenancy import PropertyScoped
from .vocabulary import NullableJSON


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
