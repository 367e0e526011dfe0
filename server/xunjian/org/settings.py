"""Checks on ``Property.settings``, the per-property overrides of product defaults.
No Flask imports.

The settings are stored as free-form JSON and read where they are used (see the list below).
A bad value used to surface only there — e.g. a notice issued weeks later quietly took the
company's deadline — far from the mistake. So the keys the code reads are checked when a property
is created or its settings are written, and a bad one is a 422 naming the key and saying what is
expected (``details.fields.json["settings.<key>"]``, ``details.setting``).

**Unknown keys stay allowed**, on purpose: forward compatibility (a newer phone or server may
write a key this version does not know yet, and a rolled-back server must not refuse to save a
property because of it).

The readers keep their own defensive fallbacks: rows written before this check may still hold
bad values, and a floor manager on site must not be stopped by an administrator's typo.

Keys and where they are read:

- ``renovation_hours`` — renovation/registry.py ``property_hours``
- ``renovation_deadline_days`` — renovation/checklist.py ``deadline_days``
- ``spot_check_quota``, ``spot_check_night_hours`` — patrol/spotchecks.py ``quota_of``,
  ``night_hours``
- ``finding_photo_required`` — patrol/runs.py ``finding_photo_required``
- ``patrol_max_gps_accuracy_m`` — patrol/runs.py ``max_gps_accuracy``
- ``loan_return_time`` — evidence/loans.py ``default_due``
- ``upload_deadline`` — evidence/plausibility.py
- ``clock_skew_minutes`` — org/phone_clock.py ``skew`` (every area's phone times)
- ``complaint_reply_working_days`` — workorders/requests.py ``reply_deadline``
- ``workorder_sla``, ``workorder_escalation`` — workorders/sla.py
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from ..errors import InvalidInput, field_error

# The limits are the readers' own (a value the reader would pass over is refused here).
SEVERITIES = ("critical", "major", "minor")  # renovation.models.vocabulary.SEVERITIES
MAX_DEADLINE_DAYS = 365  # renovation.checklist.MAX_DEADLINE_DAYS
MAX_SPOT_CHECK_QUOTA = 100
HOURS_KINDS = ("weekday", "weekend")
REPLY_FORMS = ("oral", "written")
PRIORITIES = ("urgent", "high", "normal", "low")
SLA_FIELDS = ("response_hours", "completion_hours")
ESCALATION_FIELDS = ("supervisor_working_days", "manager_working_days")


class _Bad(Exception):
    """A value of the wrong shape; carries what is expected, in English and Chinese."""

    def __init__(self, expected: str, expected_zh: str) -> None:
        super().__init__(expected)
        self.expected, self.expected_zh = expected, expected_zh


def _whole(value: Any, low: int, high: int | None = None) -> bool:
    return (
        isinstance(value, int)
        and not isinstance(value, bool)
        and value >= low
        and (high is None or value <= high)
    )


def _positive_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value > 0


def _time_of_day(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        dt.time.fromisoformat(value)
    except ValueError:
        return False
    return True


def _object(value: Any, allowed: tuple[str, ...], expected: str, expected_zh: str) -> dict:
    if not isinstance(value, dict) or not set(value) <= set(allowed):
        raise _Bad(expected, expected_zh)
    return value


def _renovation_hours(value: Any) -> None:
    expected = (
        'an object {"weekday": [[start, end], …], "weekend": [[start, end], …]} '
        "with HH:MM times, each window ending after it starts, "
        'e.g. {"weekday": [["08:00", "12:00"]]}'
    )
    expected_zh = (
        '对象 {"weekday": [[开始, 结束], …], "weekend": [[开始, 结束], …]}，时间为 HH:MM，'
        '每个时间段须先开始后结束，如 {"weekday": [["08:00", "12:00"]]}'
    )
    for windows in _object(value, HOURS_KINDS, expected, expected_zh).values():
        if not isinstance(windows, list):
            raise _Bad(expected, expected_zh)
        for window in windows:
            if not (isinstance(window, list) and len(window) == 2):
                raise _Bad(expected, expected_zh)
            if not all(_time_of_day(t) for t in window):
                raise _Bad(expected, expected_zh)
            start, end = (dt.time.fromisoformat(t) for t in window)
            if start >= end:
                raise _Bad(expected, expected_zh)


def _renovation_deadline_days(value: Any) -> None:
    # 0 = by the end of the issue day; the same range as a checklist version's deadline_days.
    expected = (
        f"an object mapping a severity ({', '.join(SEVERITIES)}) to a whole number of days "
        f'from 0 to {MAX_DEADLINE_DAYS}, e.g. {{"minor": 10}}'
    )
    expected_zh = (
        f"对象：严重程度（{'、'.join(SEVERITIES)}）对应整改天数，"
        f'为 0 至 {MAX_DEADLINE_DAYS} 的整数，如 {{"minor": 10}}'
    )
    days = _object(value, SEVERITIES, expected, expected_zh)
    if not all(_whole(v, 0, MAX_DEADLINE_DAYS) for v in days.values()):
        raise _Bad(expected, expected_zh)


def _spot_check_quota(value: Any) -> None:
    if not _whole(value, 0, MAX_SPOT_CHECK_QUOTA):
        raise _Bad(
            f"a whole number from 0 to {MAX_SPOT_CHECK_QUOTA} (spot checks per month)",
            f"0 至 {MAX_SPOT_CHECK_QUOTA} 的整数（每月抽查次数）",
        )


def _spot_check_night_hours(value: Any) -> None:
    expected = (
        'an object {"start": "HH:MM", "end": "HH:MM"}, the night across midnight or within '
        'one day, start and end different, e.g. {"start": "22:00", "end": "06:00"}'
    )
    expected_zh = (
        '对象 {"start": "HH:MM", "end": "HH:MM"}，起止时间不同，'
        '如 {"start": "22:00", "end": "06:00"}'
    )
    hours = _object(value, ("start", "end"), expected, expected_zh)
    if set(hours) != {"start", "end"} or not all(_time_of_day(t) for t in hours.values()):
        raise _Bad(expected, expected_zh)
    if dt.time.fromisoformat(hours["start"]) == dt.time.fromisoformat(hours["end"]):
        raise _Bad(expected, expected_zh)


def _boolean(value: Any) -> None:
    if not isinstance(value, bool):
        raise _Bad("true or false", "true 或 false")


def _patrol_max_gps_accuracy_m(value: Any) -> None:
    if not _positive_number(value):
        raise _Bad("a number of metres greater than 0", "大于 0 的米数")


def _time_setting(value: Any) -> None:
    if not _time_of_day(value):
        raise _Bad('a time of day "HH:MM", e.g. "17:30"', '时间 "HH:MM"，如 "17:30"')


def _clock_skew_minutes(value: Any) -> None:
    if not (isinstance(value, int | float) and not isinstance(value, bool) and value >= 0):
        raise _Bad("a number of minutes, 0 or more", "分钟数，不小于 0")


def _complaint_reply_working_days(value: Any) -> None:
    expected = 'an object {"oral": days, "written": days} of whole working days, 0 or more'
    expected_zh = '对象 {"oral": 天数, "written": 天数}，为不小于 0 的整数工作日'
    days = _object(value, REPLY_FORMS, expected, expected_zh)
    if not all(_whole(v, 0) for v in days.values()):
        raise _Bad(expected, expected_zh)


def _workorder_sla(value: Any) -> None:
    expected = (
        f"an object mapping a priority ({', '.join(PRIORITIES)}) to "
        '{"response_hours": hours, "completion_hours": hours}, hours greater than 0'
    )
    expected_zh = (
        f"对象：优先级（{'、'.join(PRIORITIES)}）对应 "
        '{"response_hours": 小时, "completion_hours": 小时}，小时数大于 0'
    )
    for entry in _object(value, PRIORITIES, expected, expected_zh).values():
        hours = _object(entry, SLA_FIELDS, expected, expected_zh)
        if not all(_positive_number(h) for h in hours.values()):
            raise _Bad(expected, expected_zh)


def _workorder_escalation(value: Any) -> None:
    expected = (
        'an object {"supervisor_working_days": days, "manager_working_days": days} '
        "of whole working days greater than 0"
    )
    expected_zh = (
        '对象 {"supervisor_working_days": 天数, "manager_working_days": 天数}，'
        "为大于 0 的整数工作日"
    )
    days = _object(value, ESCALATION_FIELDS, expected, expected_zh)
    if not all(_whole(v, 1) for v in days.values()):
        raise _Bad(expected, expected_zh)


CHECKS: Mapping[str, Callable[[Any], None]] = {
    "renovation_hours": _renovation_hours,
    "renovation_deadline_days": _renovation_deadline_days,
    "spot_check_quota": _spot_check_quota,
    "spot_check_night_hours": _spot_check_night_hours,
    "finding_photo_required": _boolean,
    "patrol_max_gps_accuracy_m": _patrol_max_gps_accuracy_m,
    "loan_return_time": _time_setting,
    "upload_deadline": _time_setting,
    "clock_skew_minutes": _clock_skew_minutes,
    "complaint_reply_working_days": _complaint_reply_working_days,
    "workorder_sla": _workorder_sla,
    "workorder_escalation": _workorder_escalation,
}


def check_settings(settings: Mapping[str, Any] | None) -> None:
    """422 ``invalid_setting`` for the first known key with a bad value; unknown keys pass."""
    for key, value in (settings or {}).items():
        check = CHECKS.get(key)
        if check is None:
            continue  # unknown key: allowed, for forward compatibility (see the module doc)
        try:
            check(value)
        except _Bad as bad:
            raise _error(key, bad) from None


def _error(key: str, bad: _Bad) -> InvalidInput:
    return field_error(
        f"settings.{key}",
        f"Setting {key!r} must be {bad.expected}.",
        f"设置项 {key} 须为{bad.expected_zh}。",
        code="invalid_setting",
        setting=key,
    )
