"""Patrol read models: the statements behind the list endpoints (the views only page them).

Every statement runs in the request's scoped session, so other properties never appear; the
``property_id`` filters here pick one of the actor's properties.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ..org import localtime
from ..org.models import Property
from . import geofence, spotchecks
from .models import Alert, Checkpoint, Finding, Handover, Route, Run, SpotCheck, StormDay


def _equal(stmt: Select[Any], model: type[Any], **filters: Any) -> Select[Any]:
    """``column == value`` for each filter given (``None`` means "not filtered")."""
    for name, value in filters.items():
        if value is not None:
            stmt = stmt.where(getattr(model, name) == value)
    return stmt


def checkpoints(
    property_id: int, building_id: int | None = None, active: bool | None = None
) -> Select[Any]:
    stmt = _equal(select(Checkpoint), Checkpoint, property_id=property_id, building_id=building_id)
    if active is not None:
        stmt = stmt.where(Checkpoint.active.is_(active))
    return stmt


def located_checkpoints(
    session: Session, property_id: int, longitude: float, latitude: float, accuracy_m: float
) -> list[dict[str, Any]]:
    """Checkpoints whose geofence contains a GPS fix, nearest first, with how far outside."""
    hits = geofence.checkpoints_at(session, property_id, longitude, latitude, accuracy_m)
    found = {
        c.id: c
        for c in session.scalars(select(Checkpoint).where(Checkpoint.id.in_([h for h, _ in hits])))
    }
    return [
        {
            "checkpoint_id": ident,
            "code": found[ident].code,
            "name_zh": found[ident].name_zh,
            "name_en": found[ident].name_en,
            "metres_outside": round(metres, 1),
        }
        for ident, metres in hits
        if ident in found
    ]


def routes(property_id: int, active: bool | None = None) -> Select[Any]:
    stmt = select(Route).where(Route.property_id == property_id)
    if active is not None:
        stmt = stmt.where(Route.active.is_(active))
    return stmt


def runs(
    prop: Property,
    day: dt.date | None = None,
    *,
    state: str | None = None,
    route_id: int | None = None,
    runner_id: int | None = None,
) -> Select[Any]:
    """Runs of a property; ``day`` is a local day of the property."""
    stmt = _equal(
        select(Run), Run, property_id=prop.id, state=state, route_id=route_id, runner_id=runner_id
    )
    if day is not None:
        since, until = localtime.day_bounds(prop, day)
        stmt = stmt.where(Run.started_at >= since, Run.started_at < until)
    return stmt


def findings(
    property_id: int,
    *,
    status: str | None = None,
    forward_target: str | None = None,
    run_id: int | None = None,
) -> Select[Any]:
    return _equal(
        select(Finding),
        Finding,
        property_id=property_id,
        status=status,
        forward_target=forward_target,
        run_id=run_id,
    )


def spot_checks(prop: Property, month: tuple[int, int] | None = None) -> Select[Any]:
    """Spot checks of a property; ``month`` (year, month) in the property's time zone."""
    stmt = select(SpotCheck).where(SpotCheck.property_id == prop.id)
    if month is not None:
        since, until = spotchecks.month_range(prop, *month)
        stmt = stmt.where(SpotCheck.checked_at >= since, SpotCheck.checked_at < until)
    return stmt


def storm_days(property_id: int, year: int | None = None) -> Select[Any]:
    stmt = select(StormDay).where(StormDay.property_id == property_id)
    if year is not None:
        stmt = stmt.where(
            StormDay.day >= dt.date(year, 1, 1), StormDay.day <= dt.date(year, 12, 31)
        )
    return stmt


def handovers(property_id: int, state: str | None = None) -> Select[Any]:
    return _equal(select(Handover), Handover, property_id=property_id, state=state)


def alerts(property_id: int, state: str | None = None) -> Select[Any]:
    return _equal(select(Alert), Alert, property_id=property_id, state=state)
