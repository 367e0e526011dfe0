"""The renovation registry: applications, permits, permitted hours and the site's lifecycle
(applied → approved → in progress → completion inspection → deposit settled, and suspended).
No Flask imports.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..auth.models import RoleAssignment
from ..errors import Conflict, field_error
from ..org import localtime
from ..org.calendar import load_calendar
from ..org.models import Property, Unit
from ..tenancy import Actor
from .models import Renovation
from .states import RENOVATION

# Permitted working hours when neither the site nor the property says otherwise.
DEFAULT_HOURS: dict[str, list[list[str]]] = {
    "weekday": [["08:00", "12:00"], ["14:00", "18:00"]],
    "weekend": [["09:00", "12:00"], ["14:00", "17:00"]],
}
CENT = decimal.Decimal("0.01")


def _parse_windows(value: Any, field: str) -> list[list[str]]:
    if not isinstance(value, list):
        raise field_error(field, "Give a list of [start, end] times.", "请提供时间段列表。")
    out = []
    for window in value:
        try:
            start, end = (dt.time.fromisoformat(str(t)) for t in window)
        except (TypeError, ValueError):
            raise field_error(
                field, 'Times are HH:MM, e.g. ["08:00", "12:00"].', "时间格式为 HH:MM。"
            ) from None
        if start >= end:
            raise field_error(field, "A window must end after it starts.", "时间段须先开始后结束。")
        out.append([start.strftime("%H:%M"), end.strftime("%H:%M")])
    return sorted(out)


def property_hours(prop: Property) -> dict[str, list[list[str]]]:
    """The property's default hours (``settings["renovation_hours"]``), else the product's."""
    setting = (prop.settings or {}).get("renovation_hours")
    hours = dict(DEFAULT_HOURS)
    if isinstance(setting, dict):
        for kind in ("weekday", "weekend"):
            if kind in setting:
                hours[kind] = _parse_windows(setting[kind], f"renovation_hours.{kind}")
    return hours


def check_hours(value: dict[str, Any] | None, prop: Property) -> dict[str, list[list[str]]]:
    hours = property_hours(prop)
    for kind, windows in (value or {}).items():
        if kind not in ("weekday", "weekend"):
            raise field_error(
                "hours", "Hours are given for weekday and weekend.", "请按工作日和周末填写时间。"
            )
        hours[kind] = _parse_windows(windows, f"hours.{kind}")
    return hours


def windows_on(
    session: Session, prop: Property, renovation: Renovation, at: dt.datetime
) -> list[list[str]]:
    """The site's permitted windows on the local day of ``at``. Weekend hours apply on Saturday,
    Sunday and the property's holidays; a make-up working day (调休) uses weekday hours."""
    calendar = load_calendar(session, prop)
    day = localtime.local_day(prop, at)
    weekend = calendar.exceptions[day] is False if day in calendar.exceptions else None
    if weekend is None:
        weekend = day.isoweekday() >= 6
    return renovation.hours.get("weekend" if weekend else "weekday", [])


def within_hours(session: Session, prop: Property, renovation: Renovation, at: dt.datetime) -> bool:
    local = localtime.local(prop, at).time()
    return any(
        dt.time.fromisoformat(start) <= local < dt.time.fromisoformat(end)
        for start, end in windows_on(session, prop, renovation, at)
    )


def _money(value: Any) -> decimal.Decimal:
    amount = decimal.Decimal(str(value)).quantize(CENT, rounding=decimal.ROUND_HALF_UP)
    if amount < 0:
        raise field_error("deposit_amount", "The deposit cannot be negative.", "押金不能为负数。")
    return amount


def _check_people(session: Session, property_id: int, inspector_id: int | None) -> None:
    if inspector_id is None:
        return
    role = session.scalar(
        select(RoleAssignment.role).where(
            RoleAssignment.user_id == inspector_id, RoleAssignment.property_id == property_id
        )
    )
    if role is None:
        raise field_error(
            "inspector_id", "This person holds no role at this property.", "此人在本项目没有岗位。"
        )


def _check_dates(values: dict[str, Any]) -> None:
    if values["end_date"] < values["start_date"]:
        raise field_error(
            "end_date", "The end date is before the start date.", "结束日期早于开始日期。"
        )
    vf, vt = values.get("permit_valid_from"), values.get("permit_valid_to")
    if vf and vt and vt < vf:
        raise field_error(
            "permit_valid_to", "The permit ends before it starts.", "施工证有效期结束早于开始。"
        )


def _permit_unique(
    session: Session, property_id: int, permit_no: str | None, ident: int | None
) -> None:
    if not permit_no:
        return
    clash = session.scalar(
        select(Renovation.id).where(
            Renovation.property_id == property_id, Renovation.permit_no == permit_no
        )
    )
    if clash is not None and clash != ident:
        raise Conflict(
            f"Permit number {permit_no} is already used at this property.",
            message_zh=f"施工证号 {permit_no} 在本项目已被使用。",
            code="duplicate_permit",
        )


def register(
    session: Session,
    actor: Actor,
    now: dt.datetime,
    prop: Property,
    *,
    client_id: uuid.UUID | None = None,
    **values: Any,
) -> Renovation:
    unit = session.scalar(select(Unit).where(Unit.id == values["unit_id"]))
    if unit is None or unit.property_id != prop.id:
        raise field_error("unit_id", "No such unit at this property.", "该项目没有此房号。")
    open_site = session.scalar(
        select(Renovation.id).where(
            Renovation.unit_id == unit.id, Renovation.state != "deposit_settled"
        )
    )
    if open_site is not None:
        raise Conflict(
            "This unit already has a renovation that is not settled.",
            message_zh="该房号已有未结算的装修登记。",
            code="renovation_exists",
            details={"renovation_id": open_site},
        )
    _check_dates(values)
    _check_people(session, prop.id, values.get("inspector_id"))
    _permit_unique(session, prop.id, values.get("permit_no"), None)
    values["hours"] = check_hours(values.get("hours"), prop)
    values["deposit_amount"] = _money(values["deposit_amount"])
    values["owner_name"] = values.get("owner_name") or unit.owner_name
    values["owner_phone"] = values.get("owner_phone") or unit.owner_phone
    if not values["owner_name"]:
        raise field_error("owner_name", "Give the owner's name.", "请填写业主姓名。")
    renovation = Renovation(
        property_id=prop.id,
        client_id=client_id,
        state="applied",
        created_by_id=actor.user_id,
        created_at=now,
        **values,
    )
    session.add(renovation)
    audit.record(session, actor, renovation, "create")
    return renovation


def update(
    session: Session, actor: Actor, prop: Property, renovation: Renovation, changes: dict[str, Any]
) -> Renovation:
    RENOVATION.check(renovation, "edit")
    merged = {
        k: changes.get(k, getattr(renovation, k))
        for k in ("start_date", "end_date", "permit_valid_from", "permit_valid_to")
    }
    _check_dates(merged)
    if "inspector_id" in changes:
        _check_people(session, renovation.property_id, changes["inspector_id"])
    if "permit_no" in changes:
        _permit_unique(session, renovation.property_id, changes["permit_no"], renovation.id)
    if "hours" in changes:
        changes["hours"] = check_hours(changes["hours"], prop)
    if "deposit_amount" in changes:
        changes["deposit_amount"] = _money(changes["deposit_amount"])
    before = audit.snapshot(renovation)
    for key, value in changes.items():
        setattr(renovation, key, value)
    audit.record(session, actor, renovation, "update", before=before)
    return renovation


def transition(
    session: Session,
    actor: Actor,
    now: dt.datetime,
    renovation: Renovation,
    event: str,
    *,
    reason: str = "",
    permit: dict[str, Any] | None = None,
) -> Renovation:
    """Move the site through its lifecycle; each move is audited with the reason given."""
    RENOVATION.check(renovation, event)
    columns: dict[str, Any] = {}
    to: str | None = None
    if event == "approve":
        columns = {key: value for key, value in (permit or {}).items() if value is not None}
        permit_no = columns.get("permit_no", renovation.permit_no)
        valid_from = columns.get("permit_valid_from", renovation.permit_valid_from)
        valid_to = columns.get("permit_valid_to", renovation.permit_valid_to)
        if not (permit_no and valid_from and valid_to):
            raise field_error(
                "permit_no",
                "Approval issues the work permit (施工证): give its number and validity.",
                "批准时须填写施工证号及有效期。",
            )
        _permit_unique(session, renovation.property_id, permit_no, renovation.id)
        _check_dates(
            {
                "start_date": columns.get("start_date", renovation.start_date),
                "end_date": columns.get("end_date", renovation.end_date),
                "permit_valid_from": valid_from,
                "permit_valid_to": valid_to,
            }
        )
        columns.update(approved_at=now, approved_by_id=actor.user_id)
    elif event == "start":
        columns = {"started_at": renovation.started_at or now}
    elif event == "request_completion":
        columns = {"completion_requested_at": now}
    elif event == "reopen":
        columns = {"completion_requested_at": None}
    elif event == "suspend":
        if not reason.strip():
            raise field_error("reason", "Say why work is suspended.", "请填写停工原因。")
        columns = _suspension(renovation, now, reason.strip())
    elif event == "resume":
        to = renovation.suspended_from or "approved"
        columns = {"suspended_from": None, "suspended_at": None, "suspended_reason": ""}
    elif event == "settle":
        columns = {"settled_at": now}
    RENOVATION.apply(
        session,
        actor,
        renovation,
        event,
        now=now,
        to=to,
        audit_extra={"reason": reason},
        **columns,
    )
    return renovation


def _suspension(renovation: Renovation, now: dt.datetime, reason: str) -> dict[str, Any]:
    """What a suspended site keeps: where it was (resume goes back there), since when, why."""
    return {"suspended_from": renovation.state, "suspended_at": now, "suspended_reason": reason}


def suspend_for_notice(
    session: Session, actor: Actor, now: dt.datetime, renovation: Renovation, reason: str
) -> None:
    """A stop-work order on a notice suspends the site (if it is working)."""
    if RENOVATION.allows(renovation.state, "suspend"):
        RENOVATION.apply(
            session, actor, renovation, "suspend", now=now, **_suspension(renovation, now, reason)
        )
