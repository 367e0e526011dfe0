"""Organisation tables: company → properties (项目) → buildings → floors → units, and calendars."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, Versioned, utcnow
from ..tenancy import PropertyRoot, PropertyScoped

DEFAULT_WORKING_DAYS = [1, 2, 3, 4, 5]  # ISO weekdays, Monday = 1


class Company(Base):
    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Property(PropertyRoot, Versioned, Base):
    """A managed property (项目/管理处): the unit of tenancy and of the working calendar."""

    __tablename__ = "properties"
    __table_args__ = (UniqueConstraint("company_id", "code"),)

    # ``id`` comes from PropertyRoot.
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    client_id: Mapped[uuid.UUID | None] = mapped_column(unique=True)
    code: Mapped[str] = mapped_column(String(40))
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(400), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    working_days: Mapped[list[int]] = mapped_column(
        JSON, default=lambda: list(DEFAULT_WORKING_DAYS)
    )
    day_shift_start: Mapped[dt.time] = mapped_column(Time, default=dt.time(8, 0))
    day_shift_end: Mapped[dt.time] = mapped_column(Time, default=dt.time(17, 0))
    late_shift_end: Mapped[dt.time] = mapped_column(Time, default=dt.time(20, 0))
    night_handover: Mapped[dt.time] = mapped_column(Time, default=dt.time(23, 50))
    # Per-property overrides of product defaults (upload deadline, spot-check quota, …).
    settings: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    buildings: Mapped[list[Building]] = relationship(
        back_populates="property", order_by="Building.id"
    )


class CalendarDay(PropertyScoped, Base):
    """An exception to the weekly pattern: a holiday, or a make-up working day (调休)."""

    __tablename__ = "calendar_days"
    __table_args__ = (UniqueConstraint("property_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[uuid.UUID | None] = mapped_column(unique=True)
    day: Mapped[dt.date]
    is_working_day: Mapped[bool]
    name: Mapped[str] = mapped_column(String(100), default="")


class Building(PropertyScoped, Versioned, Base):
    __tablename__ = "buildings"
    __table_args__ = (UniqueConstraint("property_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[uuid.UUID | None] = mapped_column(unique=True)
    code: Mapped[str] = mapped_column(String(40))
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]

    property: Mapped[Property] = relationship(back_populates="buildings")
    floors: Mapped[list[Floor]] = relationship(back_populates="building", order_by="Floor.level")


class Floor(PropertyScoped, Versioned, Base):
    __tablename__ = "floors"
    __table_args__ = (UniqueConstraint("building_id", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[uuid.UUID | None] = mapped_column(unique=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    level: Mapped[int]  # negative for basements
    name: Mapped[str] = mapped_column(String(40))  # as signed on site: "B1", "12F", "天台"

    building: Mapped[Building] = relationship(back_populates="floors")
    units: Mapped[list[Unit]] = relationship(back_populates="floor", order_by="Unit.number")


class Unit(PropertyScoped, Versioned, Base):
    __tablename__ = "units"
    __table_args__ = (
        UniqueConstraint("floor_id", "number"),
        CheckConstraint("kind IN ('residential', 'commercial', 'office', 'other')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[uuid.UUID | None] = mapped_column(unique=True)
    floor_id: Mapped[int] = mapped_column(ForeignKey("floors.id"), index=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    number: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20), default="residential")
    owner_name: Mapped[str] = mapped_column(String(100), default="")
    owner_phone: Mapped[str] = mapped_column(String(40), default="")

    floor: Mapped[Floor] = relationship(back_populates="units")
