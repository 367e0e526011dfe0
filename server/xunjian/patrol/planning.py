"""Checkpoints and routes: the patrol set-up rules. No Flask imports.

Runs are in ``runs.py``, schedules and alerts in ``schedule.py``, night spot checks in
``spotchecks.py``, handovers in ``handover.py``.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from .. import audit
from ..auth.models import RoleAssignment, User
from ..errors import Conflict, field_error
from ..org.models import Building, Floor, Unit
from ..permissions import ROLES
from ..tenancy import Actor, unscoped
from . import geofence as gf
from .models import Checkpoint, Route, RouteStop, RouteWindow

QR_PREFIX = "xjcp:"  # printed labels encode "xjcp:<token>"; the bare token is accepted too


def pairs(rows: Iterable[Any]) -> dict[Any, Any]:
    """Two-column query results as a dict."""
    return {key: value for key, value in rows}


def new_qr_token() -> str:
    return secrets.token_urlsafe(16)  # 128 random bits


def normalise_qr(scanned: str) -> str:
    scanned = scanned.strip()
    return scanned[len(QR_PREFIX) :] if scanned.lower().startswith(QR_PREFIX) else scanned


# --- checkpoints --------------------------------------------------------------------------


def _check_place(session: Session, property_id: int, values: dict[str, Any]) -> None:
    """Building, floor and unit must exist at this property and nest inside each other."""
    building_id, floor_id, unit_id = (values.get(k) for k in ("building_id", "floor_id", "unit_id"))
    if unit_id is not None:
        unit = session.scalar(select(Unit).where(Unit.id == unit_id))
        if unit is None or unit.property_id != property_id:
            raise field_error("unit_id", "No such unit at this property.", "该项目没有此房号。")
        if floor_id not in (None, unit.floor_id):
            raise field_error("unit_id", "The unit is not on that floor.", "该房号不在此楼层。")
        floor_id = values["floor_id"] = unit.floor_id
    if floor_id is not None:
        floor = session.scalar(select(Floor).where(Floor.id == floor_id))
        if floor is None or floor.property_id != property_id:
            raise field_error("floor_id", "No such floor at this property.", "该项目没有此楼层。")
        if building_id not in (None, floor.building_id):
            raise field_error(
                "floor_id", "The floor is not in that building.", "该楼层不属于此楼栋。"
            )
        building_id = values["building_id"] = floor.building_id
    if building_id is not None:
        building = session.scalar(select(Building).where(Building.id == building_id))
        if building is None or building.property_id != property_id:
            raise field_error(
                "building_id", "No such building at this property.", "该项目没有此楼栋。"
            )


def _place_geometry(values: dict[str, Any]) -> None:
    """Geofence and position complete each other: a fence without a position takes a point
    inside it; a position without a fence gets a default circle, so GPS check-ins work."""
    if values.get("geofence") is not None:
        values["geofence"] = gf.parse_geofence(values["geofence"])
        if values.get("latitude") is None:
            lon, lat = gf.fence_of(values["geofence"]).anchor
            values["latitude"], values["longitude"] = lat, lon
    elif values.get("latitude") is not None and "geofence" not in values:
        values["geofence"] = gf.circle(values["longitude"], values["latitude"])
    if (values.get("latitude") is None) != (values.get("longitude") is None):
        raise field_error(
            "latitude", "Give latitude and longitude together.", "纬度和经度须同时提供。"
        )
    if values.get("plan_x") is not None and not values.get("plan_image_key"):
        raise field_error(
            "plan_image_key",
            "A floor-plan position needs the floor-plan image (plan_image_key).",
            "平面图坐标需要平面图图片（plan_image_key）。",
        )
    if (values.get("plan_x") is None) != (values.get("plan_y") is None):
        raise field_error(
            "plan_x", "Give plan_x and plan_y together.", "plan_x 与 plan_y 须同时提供。"
        )


def _unique(session: Session, property_id: int, column: Any, value: Any, ident: int | None) -> None:
    if value is None:
        return
    clash = session.scalar(
        select(Checkpoint.id).where(Checkpoint.property_id == property_id, column == value)
    )
    if clash is not None and clash != ident:
        name = column.key
        raise Conflict(
            f"Another checkpoint of this property already has this {name} ({value}).",
            message_zh=f"本项目已有相同 {name} 的巡查点（{value}）。",
            code=f"duplicate_{name}",
            details={"field": name},
        )


def create_checkpoint(
    session: Session, actor: Actor, property_id: int, **values: Any
) -> Checkpoint:
    _check_place(session, property_id, values)
    _place_geometry(values)
    _unique(session, property_id, Checkpoint.code, values["code"], None)
    _unique(session, property_id, Checkpoint.nfc_tag_id, values.get("nfc_tag_id"), None)
    checkpoint = Checkpoint(property_id=property_id, qr_token=new_qr_token(), **values)
    session.add(checkpoint)
    gf.bump_revision(session, property_id)
    audit.record(session, actor, checkpoint, "create")
    return checkpoint


_PLACE_FIELDS = (
    "building_id",
    "floor_id",
    "unit_id",
    "latitude",
    "longitude",
    "plan_image_key",
    "plan_x",
    "plan_y",
    "geofence",
)


def update_checkpoint(
    session: Session, actor: Actor, checkpoint: Checkpoint, changes: dict[str, Any]
) -> Checkpoint:
    rotate = changes.pop("rotate_qr_token", False)
    merged = {key: getattr(checkpoint, key) for key in _PLACE_FIELDS}
    merged.update({k: v for k, v in changes.items() if k in _PLACE_FIELDS})
    old = checkpoint.geofence
    moved = (merged["latitude"], merged["longitude"]) != (checkpoint.latitude, checkpoint.longitude)
    keep_circle = "geofence" not in changes and old is not None and old["type"] == "Point"
    if keep_circle and moved and merged["latitude"] is not None:  # a circle follows its centre
        assert old is not None
        merged["geofence"] = gf.circle(merged["longitude"], merged["latitude"], old["radius_m"])
    _check_place(session, checkpoint.property_id, merged)
    _place_geometry(merged)
    pid = checkpoint.property_id
    _unique(session, pid, Checkpoint.code, changes.get("code"), checkpoint.id)
    _unique(session, pid, Checkpoint.nfc_tag_id, changes.get("nfc_tag_id"), checkpoint.id)
    before = audit.snapshot(checkpoint)
    for key, value in {**changes, **merged}.items():
        if getattr(checkpoint, key) != value:
            setattr(checkpoint, key, value)
    if rotate:  # a label was copied or lost: old prints stop working at once
        checkpoint.qr_token = new_qr_token()
    gf.bump_revision(session, pid)
    audit.record(session, actor, checkpoint, "update", before=before)
    return checkpoint


def checkpoint_by_token(session: Session, property_id: int, scanned: str) -> Checkpoint:
    """The checkpoint a scanned QR code names, at this property only.

    Unknown codes and codes of other properties get the same answer, so a scan never reveals
    that a code exists elsewhere.
    """
    checkpoint = session.scalar(
        select(Checkpoint).where(
            Checkpoint.property_id == property_id, Checkpoint.qr_token == normalise_qr(scanned)
        )
    )
    if checkpoint is None:
        raise field_error(
            "qr_token",
            "This code is not a checkpoint of this property. Scan the checkpoint's label again.",
            "该二维码不是本项目的巡查点，请重新扫描巡查点标签。",
            code="unknown_checkpoint_code",
        )
    return checkpoint


# --- routes -------------------------------------------------------------------------------


def _time_minutes(value: dt.time) -> int:
    return value.hour * 60 + value.minute


def expand_windows(windows: Iterable[dict[str, Any]]) -> list[RouteWindow]:
    """API/YAML windows ({weekdays, start, end, tolerance}) as one row per weekday, refusing
    overlaps (a run must belong to one window)."""
    rows: list[RouteWindow] = []
    week = 7 * 1440
    spans: list[tuple[int, int, str]] = []
    for i, window in enumerate(windows):
        start, end = window["start"], window["end"]
        if start == end:
            raise field_error(
                f"windows[{i}]",
                "A window must not start and end at the same time.",
                "时段的开始与结束时间不能相同。",
            )
        length = (_time_minutes(end) - _time_minutes(start)) % 1440
        for weekday in sorted(set(window["weekdays"])):
            begin = (weekday - 1) * 1440 + _time_minutes(start)
            label = f"{weekday} {start:%H:%M}-{end:%H:%M}"
            for other_begin, other_length, other_label in spans:
                # Overlap on a circular week: compare both ways round.
                if (begin - other_begin) % week < other_length or (
                    other_begin - begin
                ) % week < length:
                    raise field_error(
                        f"windows[{i}]",
                        f"Windows overlap (weekday {label} and {other_label}).",
                        f"巡查时段重叠（{label} 与 {other_label}）。",
                    )
            spans.append((begin, length, label))
            rows.append(
                RouteWindow(
                    weekday=weekday,
                    start_time=start,
                    end_time=end,
                    start_tolerance_minutes=window.get("start_tolerance_minutes", 15),
                )
            )
    return rows


def grouped_windows(route: Route) -> list[dict[str, Any]]:
    return route.window_groups


def _stops(session: Session, property_id: int, stops: list[dict[str, Any]]) -> list[RouteStop]:
    if not stops:
        raise field_error(
            "stops", "A route needs at least one checkpoint.", "路线至少需要一个巡查点。"
        )
    ids = [s["checkpoint_id"] for s in stops]
    if len(set(ids)) != len(ids):
        raise field_error(
            "stops",
            "A checkpoint may appear only once in a route.",
            "同一巡查点在一条路线中只能出现一次。",
        )
    found = {
        c.id: c
        for c in session.scalars(
            select(Checkpoint).where(Checkpoint.property_id == property_id, Checkpoint.id.in_(ids))
        )
    }
    missing = [i for i in ids if i not in found]
    if missing:
        raise field_error(
            "stops",
            f"No such checkpoints at this property: {missing}.",
            f"本项目没有这些巡查点：{missing}。",
        )
    inactive = [found[i].code for i in ids if not found[i].active]
    if inactive:
        raise field_error(
            "stops", f"Checkpoints not in use: {inactive}.", f"巡查点已停用：{inactive}。"
        )
    return [
        RouteStop(
            property_id=property_id,
            position=n,
            checkpoint_id=s["checkpoint_id"],
            expected_minutes=s.get("expected_minutes", 0),
        )
        for n, s in enumerate(stops, start=1)
    ]


def _check_runners(session: Session, property_id: int, roles: list[str], users: list[int]) -> None:
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise field_error("allowed_roles", f"Unknown roles: {unknown}.", f"未知岗位：{unknown}。")
    if users:
        staff = set(
            session.scalars(
                select(RoleAssignment.user_id).where(
                    RoleAssignment.property_id == property_id, RoleAssignment.user_id.in_(users)
                )
            )
        )
        missing = sorted(set(users) - staff)
        if missing:
            raise field_error(
                "allowed_user_ids",
                f"These users hold no role at this property: {missing}.",
                f"这些用户在本项目没有岗位：{missing}。",
            )


def create_route(
    session: Session,
    actor: Actor,
    now: dt.datetime,
    property_id: int,
    *,
    stops: list[dict[str, Any]],
    windows: list[dict[str, Any]] | None = None,
    **values: Any,
) -> Route:
    if session.scalar(
        select(Route.id).where(Route.property_id == property_id, Route.code == values["code"])
    ):
        raise Conflict(
            f"A route with code {values['code']!r} already exists at this property.",
            message_zh=f"本项目已有编号为 {values['code']} 的路线。",
            code="duplicate_code",
        )
    _check_runners(
        session, property_id, values.get("allowed_roles", []), values.get("allowed_user_ids", [])
    )
    route = Route(
        property_id=property_id, schedule_since=now, created_at=now, updated_at=now, **values
    )
    route.stops = _stops(session, property_id, stops)
    route.windows = expand_windows(windows or [])
    for window in route.windows:
        window.property_id = property_id
    session.add(route)
    audit.record(session, actor, route, "create", after=route_snapshot(route))
    return route


def update_route(
    session: Session, actor: Actor, now: dt.datetime, route: Route, changes: dict[str, Any]
) -> Route:
    before = route_snapshot(route)
    if "code" in changes and changes["code"] != route.code:
        clash = session.scalar(
            select(Route.id).where(
                Route.property_id == route.property_id, Route.code == changes["code"]
            )
        )
        if clash:
            raise Conflict(
                f"A route with code {changes['code']!r} already exists at this property.",
                message_zh=f"本项目已有编号为 {changes['code']} 的路线。",
                code="duplicate_code",
            )
    _check_runners(
        session,
        route.property_id,
        changes.get("allowed_roles", []),
        changes.get("allowed_user_ids", []),
    )
    stops = changes.pop("stops", None)
    windows = changes.pop("windows", None)
    new_stops = _stops(session, route.property_id, stops) if stops is not None else None
    new_windows = expand_windows(windows) if windows is not None else None
    for key, value in changes.items():
        setattr(route, key, value)
    if new_stops is not None:
        route.stops.clear()
        session.flush()  # old positions go before new ones take their unique slots
        route.stops.extend(new_stops)
    if new_windows is not None:
        route.windows.clear()
        for window in new_windows:
            window.property_id = route.property_id
        route.windows.extend(new_windows)
        route.schedule_since = now  # past windows of the new schedule are not "missed"
    route.updated_at = now
    flag_modified(route, "updated_at")  # always write the row: stop/window edits get a new ETag
    audit.record(session, actor, route, "update", before=before, after=route_snapshot(route))
    return route


def route_snapshot(route: Route) -> dict[str, Any]:
    data = audit.snapshot(route)
    data["stops"] = [[s.position, s.checkpoint_id, s.expected_minutes] for s in route.stops]
    data["windows"] = [
        [w.weekday, w.start_time.isoformat(), w.end_time.isoformat(), w.start_tolerance_minutes]
        for w in route.windows
    ]
    return data


def may_run(actor: Actor, route: Route) -> bool:
    if not route.allowed_roles and not route.allowed_user_ids:
        return True
    return actor.user_id in route.allowed_user_ids or actor.has_any_role(
        route.property_id, set(route.allowed_roles)
    )


def user_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(unscoped(select(User.id, User.display_name).where(User.id.in_(wanted))))
    return {i: name for i, name in rows}
