"""Patrol runs: start, check in, record findings, finish; forwarding findings. No Flask imports.

Every step arrives with the phone's time and is stored with the server's as well. A step the
phone queued offline is replayed later under the same client UUID and counted once (the views
use ``idempotent_create``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..errors import Conflict, Forbidden
from ..evidence.models import Evidence
from ..org import localtime, phone_clock
from ..org.models import Property, Unit
from ..permissions import roles_label
from ..tenancy import Actor
from . import geofence as gf
from .analysis import analyse_checkins, arrival_flags, late_start_flag, missed_flags
from .models import Checkin, Checkpoint, Finding, Route, Run
from .planning import checkpoint_by_token, field_error, may_run
from .schedule import resolve_alert_for_run, window_for_start
from .states import FINDING, RUN

DEFAULT_MAX_GPS_ACCURACY_M = 100.0  # per property: settings["patrol_max_gps_accuracy_m"]


def max_gps_accuracy(prop: Property) -> float:
    value = (prop.settings or {}).get("patrol_max_gps_accuracy_m")
    return (
        float(value) if isinstance(value, int | float) and value > 0 else DEFAULT_MAX_GPS_ACCURACY_M
    )


def _property(session: Session, property_id: int) -> Property:
    prop = session.scalar(select(Property).where(Property.id == property_id))
    assert prop is not None  # the run/route was loaded through the same scope
    return prop


def _step(clock: phone_clock.PhoneTime, step: str) -> list[dict[str, Any]]:
    """The clock flag of a run's start or finish, saying which (a run has one flags list)."""
    return [{**f, "data": {**f["data"], "step": step}} for f in clock.flags()]


def start_run(
    session: Session,
    actor: Actor,
    now: dt.datetime,
    route: Route,
    *,
    client_id: uuid.UUID | None = None,
    device_time: dt.datetime | None = None,
) -> Run:
    if not route.active:
        raise Conflict(
            "This route is no longer in use.", message_zh="该路线已停用。", code="route_inactive"
        )
    if not may_run(actor, route):
        raise Forbidden(
            "This route is assigned to other people.",
            message_zh=f"该路线指定由其他人员执行（{roles_label(route.allowed_roles)}）。",
            details={
                "allowed_roles": route.allowed_roles,
                "allowed_user_ids": route.allowed_user_ids,
            },
        )
    prop = _property(session, route.property_id)
    clock = phone_clock.judge(prop, device_time, now)
    started = clock.at
    window = window_for_start(route, localtime.tz(prop), started)
    run = Run(
        property_id=route.property_id,
        client_id=client_id,
        route_id=route.id,
        runner_id=actor.user_id,
        state="in_progress",
        started_at=started,
        received_at=now,
        device_started_at=device_time,
        window_start=window.start if window else None,
        window_end=window.end if window else None,
        expected_count=len(route.stops),
        flags=_step(clock, "start"),
    )
    run.route = route
    if window is not None and started > window.deadline:
        run.flags = [*run.flags, late_start_flag(run, window.deadline, prop.timezone)]
    session.add(run)
    audit.record(session, actor, run, "start", extra=clock.audit())
    resolve_alert_for_run(session, run, now)
    return run


def _by_tag(session: Session, property_id: int, nfc_tag_id: str) -> Checkpoint:
    checkpoint = session.scalar(
        select(Checkpoint).where(
            Checkpoint.property_id == property_id, Checkpoint.nfc_tag_id == nfc_tag_id.strip()
        )
    )
    if checkpoint is None:
        raise field_error(
            "nfc_tag_id",
            "This tag is not a checkpoint of this property.",
            "该 NFC 标签不是本项目的巡查点。",
            code="unknown_checkpoint_code",
        )
    return checkpoint


def _visited(session: Session, run: Run) -> set[int]:
    return set(session.scalars(select(Checkin.checkpoint_id).where(Checkin.run_id == run.id)))


def _by_position(
    session: Session,
    run: Run,
    lon: float,
    lat: float,
    accuracy_m: float,
    checkpoint_id: int | None,
) -> Checkpoint:
    """GPS-only check-in: the geofence the fix falls in, preferring the route's next stop."""
    prop = _property(session, run.property_id)
    limit = max_gps_accuracy(prop)
    if accuracy_m > limit:
        raise field_error(
            "accuracy_m",
            f"The GPS fix is too imprecise (±{accuracy_m:.0f} m; at most ±{limit:.0f} m). "
            "Wait for a better fix or scan the checkpoint's QR code.",
            f"定位精度不足（±{accuracy_m:.0f} 米，要求 ±{limit:.0f} 米以内），请稍候或扫描二维码。",
            code="imprecise_fix",
        )
    hits = dict(gf.checkpoints_at(session, run.property_id, lon, lat, accuracy_m))
    if checkpoint_id is not None:
        hits = {k: v for k, v in hits.items() if k == checkpoint_id}
    if not hits:
        raise field_error(
            "latitude",
            f"You are not within a checkpoint's geofence (±{accuracy_m:.0f} m). Move closer or "
            "scan the checkpoint's QR code.",
            f"当前位置不在巡查点电子围栏内（±{accuracy_m:.0f} 米），请靠近或扫描二维码。",
            code="not_at_checkpoint",
        )
    positions = {s.checkpoint_id: s.position for s in run.route.stops}
    visited = _visited(session, run)

    def rank(item: tuple[int, float]) -> tuple[int, int, float]:
        ident, metres = item
        on_route = ident in positions
        group = 0 if on_route and ident not in visited else 1 if on_route else 2
        return group, positions.get(ident, 0), metres

    chosen = min(hits.items(), key=rank)[0]
    checkpoint = session.scalar(select(Checkpoint).where(Checkpoint.id == chosen))
    assert checkpoint is not None
    return checkpoint


def check_in(
    session: Session,
    actor: Actor,
    now: dt.datetime,
    run: Run,
    *,
    client_id: uuid.UUID,
    qr_token: str | None = None,
    nfc_tag_id: str | None = None,
    checkpoint_id: int | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    accuracy_m: float | None = None,
    device_time: dt.datetime | None = None,
) -> Checkin:
    RUN.check(run, "check_in")
    has_fix = latitude is not None and longitude is not None and accuracy_m is not None
    if qr_token:
        checkpoint, method = checkpoint_by_token(session, run.property_id, qr_token), "qr"
    elif nfc_tag_id:
        checkpoint, method = _by_tag(session, run.property_id, nfc_tag_id), "nfc"
    elif has_fix:
        assert latitude is not None and longitude is not None and accuracy_m is not None
        checkpoint = _by_position(session, run, longitude, latitude, accuracy_m, checkpoint_id)
        method = "gps"
    else:
        raise field_error(
            "qr_token",
            "Scan the checkpoint's QR code or NFC tag, or send a GPS fix with its accuracy.",
            "请扫描巡查点二维码或 NFC 标签，或提供含精度的 GPS 定位。",
            code="no_proof_of_presence",
        )
    if checkpoint_id is not None and checkpoint.id != checkpoint_id:
        raise field_error(
            "checkpoint_id",
            "The scanned code belongs to a different checkpoint than the one chosen.",
            "扫描的二维码与所选巡查点不一致。",
            code="checkpoint_mismatch",
        )
    if not checkpoint.active:
        raise field_error(
            "qr_token",
            "This checkpoint is no longer in use.",
            "该巡查点已停用。",
            code="checkpoint_inactive",
        )
    clock = phone_clock.judge(
        _property(session, run.property_id), device_time, now, not_before=run.started_at
    )
    outside = None
    if has_fix and checkpoint.geofence:
        assert latitude is not None and longitude is not None
        outside = gf.fence_of(checkpoint.geofence).metres_outside(longitude, latitude)
    checkin = Checkin(
        property_id=run.property_id,
        client_id=client_id,
        run_id=run.id,
        checkpoint_id=checkpoint.id,
        user_id=actor.user_id,
        method=method,
        latitude=latitude if has_fix else None,
        longitude=longitude if has_fix else None,
        accuracy_m=accuracy_m if has_fix else None,
        device_time=device_time,
        received_at=now,
        checked_in_at=clock.at,
        metres_outside=None if outside is None else round(outside, 1),
    )
    checkin.checkpoint = checkpoint
    checkin.flags = arrival_flags(checkin, checkpoint, run, outside, clock)
    session.add(checkin)
    session.flush()
    analyse_checkins(session, run)
    audit.record(session, actor, checkin, "create", extra=clock.audit())
    return checkin


def finding_photo_required(prop: Property) -> bool:
    """The manuals want photo evidence of every problem; a property may turn that off
    (setting ``finding_photo_required``: false), e.g. where phones may not photograph."""
    value = (prop.settings or {}).get("finding_photo_required", True)
    return value if isinstance(value, bool) else True


def record_finding(
    session: Session,
    actor: Actor,
    now: dt.datetime,
    run: Run,
    *,
    client_id: uuid.UUID,
    outcome: str,
    category: str = "",
    note: str = "",
    photo_client_ids: Iterable[uuid.UUID] = (),
    checkin_client_id: uuid.UUID | None = None,
    checkpoint_id: int | None = None,
    unit_id: int | None = None,
    device_time: dt.datetime | None = None,
) -> Finding:
    RUN.check(run, "record_finding")
    if outcome == "problem" and not category:
        raise field_error("category", "A problem needs a category.", "发现问题时须选择问题类别。")
    photos = list(dict.fromkeys(str(p) for p in photo_client_ids))
    needs_photo = outcome == "problem" and not photos
    if needs_photo and finding_photo_required(_property(session, run.property_id)):
        raise field_error(
            "photo_client_ids",
            "A problem needs at least one photo: take it before saving the finding.",
            "发现问题须至少拍一张照片，请拍照后再保存。",
        )
    checkin_id = None
    if checkin_client_id is not None:
        checkin = session.scalar(
            select(Checkin).where(Checkin.run_id == run.id, Checkin.client_id == checkin_client_id)
        )
        if checkin is None:
            raise field_error(
                "checkin_client_id",
                "No such check-in in this run; send the check-in first.",
                "本次巡查中没有该打卡记录，请先提交打卡。",
            )
        checkin_id, checkpoint_id = checkin.id, checkin.checkpoint_id
    elif checkpoint_id is not None and not session.scalar(
        select(Checkpoint.id).where(
            Checkpoint.id == checkpoint_id, Checkpoint.property_id == run.property_id
        )
    ):
        raise field_error("checkpoint_id", "No such checkpoint.", "巡查点不存在。")
    if unit_id is not None and not session.scalar(
        select(Unit.id).where(Unit.id == unit_id, Unit.property_id == run.property_id)
    ):
        raise field_error("unit_id", "No such unit at this property.", "该项目没有此房号。")
    # A finding has no flags column: a time not believed is told in its audit entry.
    clock = phone_clock.judge(
        _property(session, run.property_id), device_time, now, not_before=run.started_at
    )
    finding = Finding(
        property_id=run.property_id,
        client_id=client_id,
        run_id=run.id,
        checkin_id=checkin_id,
        checkpoint_id=checkpoint_id,
        unit_id=unit_id,
        reported_by_id=actor.user_id,
        outcome=outcome,
        category=category,
        note=note,
        photo_client_ids=photos,
        status="no_action" if outcome == "ok" else "open",
        recorded_at=clock.at,
        received_at=now,
    )
    session.add(finding)
    audit.record(session, actor, finding, "create", extra=clock.audit())
    return finding


def finish_run(
    session: Session,
    actor: Actor,
    now: dt.datetime,
    run: Run,
    *,
    reason: str = "",
    device_time: dt.datetime | None = None,
) -> Run:
    RUN.check(run, "finish")  # 409 unless in progress, before anything else is judged
    checkins = analyse_checkins(session, run)
    route_ids = {s.checkpoint_id for s in run.route.stops}
    visited = {c.checkpoint_id for c in checkins} & route_ids
    missed = missed_flags(run, visited)
    reason = reason.strip()
    if missed and not reason:
        raise field_error(
            "reason",
            f"{len(missed)} of {len(route_ids)} checkpoints are not checked in yet; finishing "
            "early needs a reason.",
            f"还有 {len(missed)} 个巡查点未打卡，提前结束须填写原因。",
            code="reason_required",
        )
    clock = phone_clock.judge(
        _property(session, run.property_id), device_time, now, not_before=run.started_at
    )
    kept = {"late_start", phone_clock.AHEAD, phone_clock.BEHIND}  # decided at the start
    RUN.apply(
        session,
        actor,
        run,
        "finish_early" if missed else "finish",
        now=now,
        action="finish",  # the audit log has always named both ways of ending "finish"
        audit_extra=clock.audit(),
        # Within the skew a phone may put the finish a moment before the start: the start wins.
        finished_at=max(clock.at, run.started_at),
        finished_by_id=actor.user_id,
        finish_reason=reason,
        visited_count=len(visited),
        expected_count=len(route_ids),
        flags=[f for f in run.flags if f["code"] in kept] + _step(clock, "finish") + missed,
    )
    return run


def forward_finding(
    session: Session,
    actor: Actor,
    now: dt.datetime,
    finding: Finding,
    *,
    target: str,
    note: str = "",
) -> Finding:
    """Mark a problem for the work-order or renovation area to take over (they consume
    ``status = forwarded`` findings by ``forward_target``)."""
    FINDING.check(finding, "forward")
    if target == "renovation" and finding.unit_id is None:
        raise field_error(
            "target",
            "Only a finding at a unit can open a renovation inspection.",
            "只有针对具体房号的发现才能转为装修检查。",
        )
    FINDING.apply(
        session,
        actor,
        finding,
        "forward",
        now=now,
        forward_target=target,
        forward_note=note,
        forwarded_at=now,
        forwarded_by_id=actor.user_id,
    )
    return finding


# --- read models --------------------------------------------------------------------------


def photos_of(session: Session, client_ids: Iterable[str]) -> dict[str, int]:
    """Evidence ids of the photos that have arrived, by client UUID (others are still queued
    on a phone). Evidence is scoped like everything else: other properties' photos never match."""
    wanted = []
    for value in client_ids:
        try:
            wanted.append(uuid.UUID(value))
        except ValueError:
            continue
    if not wanted:
        return {}
    rows = session.execute(
        select(Evidence.client_id, Evidence.id).where(Evidence.client_id.in_(wanted))
    )
    return {str(cid): ident for cid, ident in rows}


def photo_list(ids: list[str], arrived: dict[str, int]) -> list[dict[str, Any]]:
    return [{"client_id": cid, "evidence_id": arrived.get(cid)} for cid in ids]


def run_detail(session: Session, run: Run) -> dict[str, Any]:
    checkins = list(
        session.scalars(
            select(Checkin)
            .where(Checkin.run_id == run.id)
            .order_by(Checkin.checked_in_at, Checkin.id)
        )
    )
    findings = list(
        session.scalars(select(Finding).where(Finding.run_id == run.id).order_by(Finding.id))
    )
    first: dict[int, Checkin] = {}
    for checkin in checkins:
        first.setdefault(checkin.checkpoint_id, checkin)
    stops = [
        {
            "position": stop.position,
            "checkpoint_id": stop.checkpoint_id,
            "code": stop.checkpoint.code,
            "name_zh": stop.checkpoint.name_zh,
            "name_en": stop.checkpoint.name_en,
            "expected_minutes": stop.expected_minutes,
            "visited": stop.checkpoint_id in first,
            "checked_in_at": first[stop.checkpoint_id].checked_in_at
            if stop.checkpoint_id in first
            else None,
        }
        for stop in run.route.stops
    ]
    flagged = sum(1 for c in checkins if c.flags) + len(run.flags)
    return {
        "run": run,
        "stops": stops,
        "checkins": checkins,
        "findings": findings,
        "finding_photo_required": finding_photo_required(_property(session, run.property_id)),
        "visited": sum(1 for s in stops if s["visited"]),
        "flag_count": flagged,
    }
