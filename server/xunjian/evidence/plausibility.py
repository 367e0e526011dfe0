"""Time and place plausibility of a photo: flags with reasons, never silent rejection.

A flag does not refuse the photo (it may be the only evidence there is); it tells the
supervisor what to look at, in words, in both languages.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ..geo import distance_m, metres_outside
from ..org import localtime, phone_clock
from ..org.models import Property
from .contexts import ContextInfo

# EXIF GPS and the browser's fix disagree beyond this (plus the reported accuracy).
EXIF_GPS_TOLERANCE_M = 150.0


@dataclass(frozen=True)
class Facts:
    clock: phone_clock.PhoneTime  # the phone's captured_at judged against the receipt time
    exif_taken_at: dt.datetime | None
    latitude: float | None
    longitude: float | None
    accuracy_m: float | None
    exif_latitude: float | None
    exif_longitude: float | None


def _flag(code: str, reason: str, reason_zh: str) -> dict[str, Any]:
    return {"code": code, "reason": reason, "reason_zh": reason_zh}


def _minutes(delta: dt.timedelta) -> int:
    return round(abs(delta.total_seconds()) / 60)


def upload_deadline(prop: Property, day: dt.date) -> dt.datetime:
    """Camera rule 3: photos are handed in the same day, by the end of the day shift (a setting)."""
    setting = (prop.settings or {}).get("upload_deadline")
    at = dt.time.fromisoformat(setting) if isinstance(setting, str) else prop.day_shift_end
    return localtime.at_local(prop, day, at)


def check(facts: Facts, prop: Property, context: ContextInfo | None) -> list[dict[str, Any]]:
    # The phone's clock by the one policy (org/phone_clock.py). ``captured_at`` is stored as
    # the phone sent it; a time not believed is flagged, and the receipt time stands for when
    # the photo was taken in the checks below.
    clock = facts.clock
    received_at, captured_at = clock.received, clock.device
    flags = [_flag(f["code"], f["message"], f["message_zh"]) for f in clock.flags()]
    skew = phone_clock.skew(prop)
    tz = localtime.tz(prop)
    taken = clock.at if captured_at else facts.exif_taken_at or received_at

    if captured_at and facts.exif_taken_at:
        gap = facts.exif_taken_at - captured_at
        if abs(gap) > skew:
            m = _minutes(gap)
            flags.append(
                _flag(
                    "exif_time_mismatch",
                    f"The photo's own timestamp (EXIF) differs from the phone's by {m} min: "
                    "it may be an older picture.",
                    f"照片自带时间（EXIF）与手机记录相差 {m} 分钟，可能是旧照片。",
                )
            )
    if context and context.started_at and taken < context.started_at - skew:
        m = _minutes(context.started_at - taken)
        flags.append(
            _flag(
                "before_task_start",
                f"Taken {m} min before its task started.",
                f"拍摄时间早于任务开始 {m} 分钟。",
            )
        )
    deadline = upload_deadline(prop, localtime.local_day(prop, taken))
    if received_at > deadline:
        flags.append(
            _flag(
                "late_upload",
                f"Handed in after the same-day deadline "
                f"({deadline.astimezone(tz):%Y-%m-%d %H:%M}).",
                f"晚于当日上传截止时间（{deadline.astimezone(tz):%Y-%m-%d %H:%M}）上传。",
            )
        )
    if facts.latitude is None or facts.longitude is None:
        flags.append(_flag("no_location", "The phone gave no location.", "手机未提供定位。"))
    else:
        accuracy = facts.accuracy_m or 0.0
        if context and context.geofence is not None:
            outside = metres_outside(context.geofence, facts.longitude, facts.latitude)
            if outside > accuracy:
                flags.append(
                    _flag(
                        "outside_geofence",
                        f"Taken {outside:.0f} m outside the expected area "
                        f"(location accuracy ±{accuracy:.0f} m).",
                        f"拍摄位置在指定范围外 {outside:.0f} 米（定位精度 ±{accuracy:.0f} 米）。",
                    )
                )
        if facts.exif_latitude is not None and facts.exif_longitude is not None:
            apart = distance_m(
                facts.longitude, facts.latitude, facts.exif_longitude, facts.exif_latitude
            )
            if apart > EXIF_GPS_TOLERANCE_M + accuracy:
                flags.append(
                    _flag(
                        "exif_gps_mismatch",
                        f"The photo's own GPS (EXIF) is {apart:.0f} m from where the phone was.",
                        f"照片自带定位（EXIF）与手机位置相距 {apart:.0f} 米。",
                    )
                )
    return flags
