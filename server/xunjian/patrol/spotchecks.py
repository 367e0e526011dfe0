"""Night spot checks of guard posts (夜间查岗), storm days and monthly compliance. No Flask.

Management checks guard posts at night at least ``spot_check_quota`` times a month (default 4,
a property setting) and, on top of that, once on every storm/typhoon day the property marks.
Only checks in the property's night hours (``spot_check_night_hours``, default 22:00–06:00)
count towards the quota; a storm day is covered by a check at any hour of it. A check is
recorded within 48 hours (no backdating into a closed month), and an absent guard cannot sign.
Days are the property's local calendar days: a check at 00:30 on the 1st counts for the new
month. A check on a storm day covers that day; further checks count towards the quota.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..auth.models import RoleAssignment, User
from ..org import localtime, phone_clock
from ..org.models import Property
from ..signatures import decode_signature, store_signature
from ..tenancy import Actor
from .models import SpotCheck, StormDay
from .planning import field_error

DEFAULT_QUOTA = 4
# Night spot checks are what the quota counts; a property sets its own night
# (``spot_check_night_hours``), e.g. where the night shift starts at 20:00.
DEFAULT_NIGHT_HOURS = {"start": "22:00", "end": "06:00"}
# A phone queues a check made without signal and sends it when back in coverage (the next
# shift at the latest); older than this is backdating, and would rewrite a closed month.
MAX_DELAY = dt.timedelta(hours=48)


def _staff_name(session: Session, property_id: int, user_id: int) -> str:
    name = session.scalar(
        select(User.display_name)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(User.id == user_id, RoleAssignment.property_id == property_id)
        .limit(1)
    )
    if name is None:
        raise field_error(
            "guard_user_id", "This person holds no role at this property.", "此人在本项目没有岗位。"
        )
    return name


def create_spot_check(
    session: Session,
    actor: Actor,
    now: dt.datetime,
    store: Any,
    property_id: int,
    *,
    client_id: uuid.UUID | None = None,
    post: str,
    status: str,
    checker_signature: str,
    guard_signature: str | None = None,
    guard_user_id: int | None = None,
    guard_name: str = "",
    checked_at: dt.datetime | None = None,
    remarks: str = "",
    photo_client_ids: Iterable[uuid.UUID] = (),
) -> SpotCheck:
    if guard_user_id is not None:
        staff_name = _staff_name(session, property_id, guard_user_id)
        guard_name = guard_name.strip() or staff_name
    if guard_user_id is None and not guard_name.strip():
        raise field_error("guard_name", "Name the guard on duty.", "请填写值班护卫员。")
    if status == "other" and not remarks.strip():
        raise field_error("remarks", "Describe what you found.", "请在备注中说明情况。")
    if status != "absent" and not guard_signature:
        raise field_error(
            "guard_signature",
            "The guard signs the record too (unless absent from the post).",
            "被检查人须签名（脱岗除外）。",
        )
    if status == "absent" and guard_signature:
        # Nobody was at the post to sign: a signature here is someone else's hand.
        raise field_error(
            "guard_signature",
            "The guard was absent from the post, so there is no guard's signature to record.",
            "被检查人脱岗，不能有其签名。",
        )
    if checked_at is not None and checked_at < now - MAX_DELAY:
        raise field_error(
            "checked_at",
            f"A spot check is recorded within {MAX_DELAY.days * 24} hours of the check.",
            f"查岗记录须在检查后 {MAX_DELAY.days * 24} 小时内提交。",
        )
    checker_png = decode_signature(checker_signature, "checker_signature")
    guard_png = decode_signature(guard_signature, "guard_signature") if guard_signature else None
    checker_key, checker_sha = store_signature(store, checker_png)
    guard_key, guard_sha = store_signature(store, guard_png) if guard_png else (None, None)
    # Spot checks are entered offline at night: the phone's time, by the one clock policy.
    prop = session.scalar(select(Property).where(Property.id == property_id))
    assert prop is not None  # require() above: the actor works at this property
    clock = phone_clock.judge(prop, checked_at, now)
    check = SpotCheck(
        property_id=property_id,
        client_id=client_id,
        checker_id=actor.user_id,
        post=post.strip(),
        guard_user_id=guard_user_id,
        guard_name=guard_name.strip(),
        checked_at=clock.at,
        received_at=now,
        status=status,
        remarks=remarks,
        photo_client_ids=list(dict.fromkeys(str(p) for p in photo_client_ids)),
        checker_signature_key=checker_key,
        checker_signature_sha256=checker_sha,
        guard_signature_key=guard_key,
        guard_signature_sha256=guard_sha,
    )
    session.add(check)
    audit.record(session, actor, check, "create", extra=clock.audit())
    return check


def mark_storm_day(
    session: Session,
    actor: Actor,
    property_id: int,
    *,
    day: dt.date,
    kind: str = "typhoon",
    note: str = "",
    client_id: uuid.UUID | None = None,
) -> StormDay:
    """Mark (or re-mark) a storm day; one row per day, like the calendar."""
    row = session.scalar(
        select(StormDay).where(StormDay.property_id == property_id, StormDay.day == day)
    )
    before = audit.snapshot(row) if row else None
    if row is None:
        row = StormDay(
            property_id=property_id, day=day, client_id=client_id, created_by_id=actor.user_id
        )
        session.add(row)
    row.kind = kind
    row.note = note
    audit.record(session, actor, row, "update" if before else "create", before=before)
    return row


def delete_storm_day(session: Session, actor: Actor, row: StormDay) -> None:
    audit.record(session, actor, row, "delete", before=audit.snapshot(row))
    session.delete(row)


def quota_of(prop: Property) -> int:
    value = (prop.settings or {}).get("spot_check_quota")
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 100:
        return value
    return DEFAULT_QUOTA


def night_hours(prop: Property) -> tuple[dt.time, dt.time]:
    value: Any = (prop.settings or {}).get("spot_check_night_hours")
    try:
        start, end = dt.time.fromisoformat(value["start"]), dt.time.fromisoformat(value["end"])
    except (TypeError, KeyError, ValueError):
        start, end = (dt.time.fromisoformat(DEFAULT_NIGHT_HOURS[k]) for k in ("start", "end"))
    return start, end


def is_night(start: dt.time, end: dt.time, local: dt.datetime) -> bool:
    """Whether a local time falls in the night [start, end), which may span midnight."""
    at = local.time()
    return start <= at < end if start < end else at >= start or at < end


def month_of(prop: Property, now: dt.datetime) -> tuple[int, int]:
    today = localtime.local_day(prop, now)
    return today.year, today.month


def month_range(prop: Property, year: int, month: int) -> tuple[dt.datetime, dt.datetime]:
    first = dt.date(year, month, 1)
    after = dt.date(year + month // 12, month % 12 + 1, 1)
    return localtime.day_start(prop, first), localtime.day_start(prop, after)


def compliance(session: Session, prop: Property, year: int, month: int) -> dict[str, Any]:
    """required = quota + storm days; each storm day needs a check on that day; the remaining
    checks count towards the quota. ``short_by`` is how many checks are still needed."""
    since, until = month_range(prop, year, month)
    times = list(
        session.scalars(
            select(SpotCheck.checked_at).where(
                SpotCheck.property_id == prop.id,
                SpotCheck.checked_at >= since,
                SpotCheck.checked_at < until,
            )
        )
    )
    tz = localtime.tz(prop)
    start, end = night_hours(prop)
    # local day -> whether each check that day was at night
    by_day: dict[dt.date, list[bool]] = {}
    for t in times:
        local = t.astimezone(tz)
        by_day.setdefault(local.date(), []).append(is_night(start, end, local))
    check_days = set(by_day)
    first = dt.date(year, month, 1)
    after = dt.date(year + month // 12, month % 12 + 1, 1)
    storm_days = sorted(
        session.scalars(
            select(StormDay.day).where(
                StormDay.property_id == prop.id, StormDay.day >= first, StormDay.day < after
            )
        )
    )
    covered = [d for d in storm_days if d in check_days]
    uncovered = [d for d in storm_days if d not in check_days]
    quota = quota_of(prop)
    night_checks = sum(n for nights in by_day.values() for n in nights)
    # A storm day is covered by any check that day; it takes a daytime one when there is one,
    # so night checks stay for the quota, which counts night checks only.
    night_used_for_storms = sum(1 for d in covered if all(by_day[d]))
    towards_quota = night_checks - night_used_for_storms
    short_by = len(uncovered) + max(0, quota - towards_quota)
    return {
        "property_id": prop.id,
        "month": f"{year:04d}-{month:02d}",
        "quota": quota,
        "storm_days": storm_days,
        "required": quota + len(storm_days),
        "checks": len(times),
        "storm_days_covered": covered,
        "storm_days_uncovered": uncovered,
        "checks_towards_quota": towards_quota,
        "daytime_checks": len(times) - night_checks,
        "short_by": short_by,
        "compliant": short_by == 0,
    }


def short_of_quota(
    session: Session,
    property_ids: list[int],
    now: dt.datetime,
    month: tuple[int, int] | None = None,
) -> list[dict[str, Any]]:
    """Which of ``property_ids`` are still short of night checks this month (each in its own
    time zone, unless a month is given)."""
    ids = property_ids
    if not ids:
        return []
    result = []
    for prop in session.scalars(select(Property).where(Property.id.in_(ids)).order_by(Property.id)):
        year, mon = month or month_of(prop, now)
        row = compliance(session, prop, year, mon)
        if not row["compliant"]:
            result.append({**row, "property_code": prop.code, "property_name_zh": prop.name_zh})
    return result
