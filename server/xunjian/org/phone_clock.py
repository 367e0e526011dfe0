"""The phone's clock: one policy for every time a phone reports, in every area. No Flask.

A phone stamps each step with its own clock (a check-in's ``device_time``, a photo's
``captured_at``, an inspection's ``inspected_at``, a completion's ``device_time``, a desk
request's ``received_at``) because an offline phone sends its queue later and what matters is
when things happened. Its clock can be wrong. The rule is the same in patrol, renovation, work
orders and evidence, driven by the property's ``clock_skew_minutes`` (default 10):

* **Missing** — the server's receipt time is the record's time. Nothing was replaced, so
  nothing is flagged; the phone's column stays empty, which says whose time it is.
* **Plausible** — at most the skew ahead of the server's receipt, and not before the earliest
  moment the step could have happened: the start of the record it belongs to (a check-in
  cannot precede its run, a completion its order) less the skew, and never more than
  ``MAX_QUEUE_AGE`` before receipt (an offline phone replays days later, not weeks). The
  phone's time is the record's time, unchanged — including a few minutes ahead.
* **Ahead** of receipt by more than the skew, or **behind** the earliest possible moment —
  the phone's time cannot be when it happened. The record keeps the server's receipt time (the
  one moment the server witnessed; for "behind", the step happened no later than that), **and
  keeps the phone's value** (its own column where the model has one, else the audit entry) and
  says so: a ``device_clock_ahead`` / ``device_clock_behind`` flag in both languages with both
  times, on the record's flags where it has them, in the audit entry always.

What is refused: a clock reading is **never** refused for being wrong. The step happened (the
guard was at the checkpoint, the photo exists); only the clock is wrong, and an offline outbox
replays the same time forever, so a refusal would park the person's work with no way to correct
it. A time a person **states** (typed, e.g. when an interview took place) is different: a
stated time in the future, or before the record it belongs to began, cannot be true and the
person is there to correct it, so ``check_stated`` refuses it with a 422 naming the field.
Times without an offset are refused by the schemas (``AwareDateTime``) before they get here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ..errors import field_error
from . import localtime
from .models import Property

DEFAULT_SKEW_MINUTES = 10
# The oldest a queued step can plausibly be when it reaches the server.
MAX_QUEUE_AGE = dt.timedelta(days=14)

AHEAD, BEHIND = "device_clock_ahead", "device_clock_behind"


def skew(prop: Property) -> dt.timedelta:
    """How far a phone's clock may disagree with the server's before it is not believed."""
    value = (prop.settings or {}).get("clock_skew_minutes", DEFAULT_SKEW_MINUTES)
    # Rows written before settings were checked may hold a bad value: fall back, don't fail.
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        value = DEFAULT_SKEW_MINUTES
    return dt.timedelta(minutes=value)


def _minutes(delta: dt.timedelta) -> int:
    return round(abs(delta.total_seconds()) / 60)


@dataclass(frozen=True)
class PhoneTime:
    """The verdict on one phone time: the time the record uses, and what the phone said."""

    at: dt.datetime  # the record's time
    device: dt.datetime | None  # what the phone said, kept as it was
    received: dt.datetime  # when the server received it
    verdict: str  # "missing" | "believed" | "ahead" | "behind"
    earliest: dt.datetime | None  # for "behind": the earliest moment it could have happened
    timezone: str

    @property
    def believed(self) -> bool:
        return self.verdict in ("missing", "believed")

    @property
    def minutes_off(self) -> int:
        if self.device is None or self.believed:
            return 0
        limit = self.received if self.verdict == "ahead" else self.earliest
        assert limit is not None
        return _minutes(self.device - limit)

    def _local(self, at: dt.datetime) -> str:
        return f"{localtime.local(self.timezone, at):%Y-%m-%d %H:%M}"

    def flag(self) -> dict[str, Any] | None:
        """``{code, message, message_zh, data}`` when the phone's time was not used, else None."""
        if self.believed or self.device is None:
            return None
        m, phone, server = self.minutes_off, self._local(self.device), self._local(self.received)
        if self.verdict == "ahead":
            code = AHEAD
            message = (
                f"The phone's clock was {m} min ahead of the server's (phone {phone}); "
                f"the server's receipt time {server} is used."
            )
            message_zh = (
                f"手机时间比服务器快 {m} 分钟（手机 {phone}），已按服务器接收时间 {server} 记录。"
            )
        else:
            assert self.earliest is not None
            code, earliest = BEHIND, self._local(self.earliest)
            message = (
                f"The phone's time {phone} is {m} min before this could have happened "
                f"({earliest}); the server's receipt time {server} is used."
            )
            message_zh = (
                f"手机时间 {phone} 比可能的最早时间 {earliest} 早 {m} 分钟，"
                f"已按服务器接收时间 {server} 记录。"
            )
        return {
            "code": code,
            "message": message,
            "message_zh": message_zh,
            "data": {
                "device_time": self.device.isoformat(),
                "received_at": self.received.isoformat(),
                "minutes": m,
            },
        }

    def flags(self) -> list[dict[str, Any]]:
        flag = self.flag()
        return [flag] if flag else []

    def audit(self) -> dict[str, Any]:
        """For the record's audit entry: what the phone said and what was used, always."""
        flag = self.flag()
        return {
            "phone_clock": {
                "verdict": self.verdict,
                "device_time": self.device.isoformat() if self.device else None,
                "received_at": self.received.isoformat(),
                "used": self.at.isoformat(),
                "flag": flag["code"] if flag else None,
                "minutes": self.minutes_off,
            }
        }


def judge(
    prop: Property,
    device: dt.datetime | None,
    received: dt.datetime,
    *,
    not_before: dt.datetime | None = None,
) -> PhoneTime:
    """The policy above for a clock reading ``device`` received at ``received``.

    ``not_before`` is when the record the step belongs to began (a run's start, an order's
    creation): a step cannot precede it by more than the skew.
    """
    tolerance = skew(prop)
    earliest = received - MAX_QUEUE_AGE
    if not_before is not None:
        earliest = max(earliest, min(not_before, received) - tolerance)
    if device is None:
        verdict = "missing"
    elif device > received + tolerance:
        verdict = "ahead"
    elif device < earliest:
        verdict = "behind"
    else:
        verdict = "believed"
    return PhoneTime(
        at=device if verdict == "believed" and device is not None else received,
        device=device,
        received=received,
        verdict=verdict,
        earliest=earliest if verdict == "behind" else None,
        timezone=prop.timezone,
    )


def check_stated(
    prop: Property,
    at: dt.datetime,
    received: dt.datetime,
    field: str,
    *,
    not_before: dt.datetime | None = None,
) -> dt.datetime:
    """A time a person states (typed, not read off the clock): refused (422) when it cannot
    be true — later than now beyond the skew, or before the record it belongs to began."""
    tolerance = skew(prop)
    if at > received + tolerance:
        raise field_error(
            field,
            "This time is in the future; say when it actually happened.",
            "该时间晚于当前时间，请填写实际发生的时间。",
            code="time_in_future",
        )
    if not_before is not None and at < not_before - tolerance:
        when = f"{localtime.local(prop, not_before):%Y-%m-%d %H:%M}"
        raise field_error(
            field,
            f"This time is before the matter began ({when}); say when it actually happened.",
            f"该时间早于事项开始时间（{when}），请填写实际发生的时间。",
            code="time_before_start",
        )
    return at
