"""Server-side analysis of a run: what a supervisor looks for, stored as flags with reasons.

Per check-in: outside the geofence (GPS accuracy as the buffer), not on the route, a repeat,
out of order, a leg too fast for walking, the phone's clock not believed (org/phone_clock.py),
checked in by someone other than the runner. Per run: late start, missed checkpoints (at the
finish).

Check-ins are analysed in the order they happened (the phone's time when believed), not the
order they reached the server: an offline phone replays its queue later, possibly interleaved.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..geo import distance_m
from ..org import localtime, phone_clock
from .models import Checkin, Checkpoint, Run

WALKING_MAX_MPS = 2.5  # brisk walking / stairs; faster between checkpoints means not walked
POSITION_SLACK_M = 25.0  # checkpoint coordinates are placed by hand, give them some room

# Flags decided once, when the check-in arrives; the others are recomputed for the whole run.
ARRIVAL_FLAGS = frozenset({"outside_geofence", phone_clock.AHEAD, phone_clock.BEHIND, "other_user"})


def flag(code: str, message: str, message_zh: str, **data: Any) -> dict[str, Any]:
    return {"code": code, "message": message, "message_zh": message_zh, "data": data}


def arrival_flags(
    checkin: Checkin,
    checkpoint: Checkpoint,
    run: Run,
    metres_outside: float | None,
    clock: phone_clock.PhoneTime,
) -> list[dict[str, Any]]:
    flags = clock.flags()
    name_en = checkpoint.name_en or checkpoint.name_zh
    accuracy = checkin.accuracy_m
    if metres_outside is not None and accuracy is not None and metres_outside > accuracy:
        flags.append(
            flag(
                "outside_geofence",
                f"{metres_outside:.0f} m outside the geofence of {name_en} "
                f"(GPS accuracy ±{accuracy:.0f} m).",
                f"位于「{checkpoint.name_zh}」电子围栏外 {metres_outside:.0f} 米"
                f"（定位精度 ±{accuracy:.0f} 米）。",
                metres_outside=round(metres_outside, 1),
                accuracy_m=accuracy,
            )
        )
    if checkin.user_id != run.runner_id:
        flags.append(
            flag(
                "other_user",
                "Checked in by someone other than the person running the patrol.",
                "打卡人不是本次巡查的执行人。",
                user_id=checkin.user_id,
            )
        )
    return flags


def _position(checkin: Checkin) -> tuple[float, float, float] | None:
    """(lon, lat, uncertainty m): the GPS fix if any, else the checkpoint's mapped position."""
    if checkin.latitude is not None and checkin.longitude is not None:
        return checkin.longitude, checkin.latitude, checkin.accuracy_m or 0.0
    cp = checkin.checkpoint
    if cp.latitude is not None and cp.longitude is not None:
        return cp.longitude, cp.latitude, 0.0
    return None


def _leg_flag(previous: Checkin, current: Checkin) -> dict[str, Any] | None:
    a, b = _position(previous), _position(current)
    if a is None or b is None:
        return None
    metres = distance_m(a[0], a[1], b[0], b[1])
    seconds = max(0.0, (current.checked_in_at - previous.checked_in_at).total_seconds())
    allowed = POSITION_SLACK_M + a[2] + b[2] + WALKING_MAX_MPS * seconds
    if metres <= allowed:
        return None
    speed = metres / seconds if seconds else None
    speed_en = f"{speed:.1f} m/s" if speed is not None else "no time at all"
    speed_zh = f"{speed:.1f} 米/秒" if speed is not None else "几乎无间隔"
    prev_name = previous.checkpoint.name_zh
    return flag(
        "too_fast",
        f"{metres:.0f} m from {previous.checkpoint.name_en or prev_name} in {seconds:.0f} s "
        f"({speed_en}); walking is at most {WALKING_MAX_MPS} m/s.",
        f"距上一巡查点「{prev_name}」{metres:.0f} 米，仅用 {seconds:.0f} 秒（{speed_zh}），"
        f"超过步行速度上限 {WALKING_MAX_MPS} 米/秒。",
        metres=round(metres, 1),
        seconds=round(seconds, 1),
        previous_checkin_id=previous.id,
    )


def analyse_checkins(session: Session, run: Run) -> list[Checkin]:
    """Recompute the order-dependent flags of every check-in of ``run``; returns them in order."""
    checkins = list(
        session.scalars(
            select(Checkin)
            .where(Checkin.run_id == run.id)
            .order_by(Checkin.checked_in_at, Checkin.id)
        )
    )
    positions = {s.checkpoint_id: s.position for s in run.route.stops}
    seen: set[int] = set()
    furthest = 0
    previous: Checkin | None = None
    for checkin in checkins:
        flags = [f for f in checkin.flags or [] if f["code"] in ARRIVAL_FLAGS]
        name_en = checkin.checkpoint.name_en or checkin.checkpoint.name_zh
        name_zh = checkin.checkpoint.name_zh
        position = positions.get(checkin.checkpoint_id)
        if position is None:
            flags.append(
                flag(
                    "not_on_route",
                    f"{name_en} is not on this route.",
                    f"「{name_zh}」不在本路线上。",
                )
            )
        elif checkin.checkpoint_id in seen:
            flags.append(
                flag("repeat", f"{name_en} was already checked in.", f"「{name_zh}」已打过卡。")
            )
        else:
            if position < furthest:
                flags.append(
                    flag(
                        "out_of_order",
                        f"{name_en} is stop {position} but came after stop {furthest}.",
                        f"「{name_zh}」是第 {position} 站，却在第 {furthest} 站之后打卡。",
                        position=position,
                        after_position=furthest,
                    )
                )
            furthest = max(furthest, position)
            seen.add(checkin.checkpoint_id)
        if previous is not None and (leg := _leg_flag(previous, checkin)) is not None:
            flags.append(leg)
        if flags != checkin.flags:
            checkin.flags = flags
        previous = checkin
    return checkins


def late_start_flag(run: Run, deadline: dt.datetime, tz_name: str) -> dict[str, Any]:
    tz = localtime.tz(tz_name)
    minutes = (run.started_at - deadline).total_seconds() / 60
    return flag(
        "late_start",
        f"Started {run.started_at.astimezone(tz):%H:%M}, {minutes:.0f} min after the latest "
        f"start ({deadline.astimezone(tz):%H:%M}).",
        f"{run.started_at.astimezone(tz):%H:%M} 开始，比最晚开始时间 "
        f"{deadline.astimezone(tz):%H:%M} 晚 {minutes:.0f} 分钟。",
        minutes=round(minutes, 1),
    )


def missed_flags(run: Run, visited: set[int]) -> list[dict[str, Any]]:
    return [
        flag(
            "missed_checkpoint",
            f"Missed stop {stop.position}: {stop.checkpoint.name_en or stop.checkpoint.name_zh}.",
            f"漏巡第 {stop.position} 站：「{stop.checkpoint.name_zh}」。",
            checkpoint_id=stop.checkpoint_id,
            position=stop.position,
        )
        for stop in run.route.stops
        if stop.checkpoint_id not in visited
    ]
