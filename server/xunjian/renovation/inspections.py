"""Daily inspections of renovation sites against the checklist, the R24 suggestion, the
Renovation Patrol Log (装修施工巡查日志) of a day and the floor managers' sites due today.
No Flask imports.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .. import audit
from ..auth.models import User
from ..errors import Conflict, field_error
from ..org import phone_clock
from ..org.localtime import local_day
from ..org.models import Property
from ..patrol.models import Finding
from ..tenancy import Actor
from . import checklist, registry
from .models import ACTIVE_STATES, ChecklistVersion, Inspection, InspectionResult, Renovation
from .photos import check_photos
from .states import RENOVATION
from .units import unit_labels


def suggestions(
    session: Session,
    prop: Property,
    renovation: Renovation,
    version: ChecklistVersion,
    at: dt.datetime,
) -> dict[str, Any]:
    """What the phone pre-ticks: R24 when ``at`` is outside the site's permitted hours."""
    outside = not registry.within_hours(session, prop, renovation, at)
    active = {i.code for i in version.items if i.kind == "item" and not i.retired}
    suggested = [checklist.HOURS_ITEM] if outside and checklist.HOURS_ITEM in active else []
    return {
        "at": at,
        "checklist_version_id": version.id,
        "checklist_version": version.number,
        "outside_hours": outside,
        "permitted_hours_today": registry.windows_on(session, prop, renovation, at),
        "suggested_items": suggested,
    }


def _version_for(session: Session, company_id: int, number: int | None) -> ChecklistVersion:
    if number is None:
        return checklist.current_version(session, company_id)
    return checklist.version_by_number(session, company_id, number)


def _results(
    session: Session,
    renovation: Renovation,
    version: ChecklistVersion,
    results: list[dict[str, Any]],
    rest: str,
) -> list[InspectionResult]:
    by_code = checklist.items_by_code(version)
    given: dict[str, dict[str, Any]] = {}
    for index, entry in enumerate(results):
        code = entry["code"].strip().upper()
        where = f"results[{index}].code"
        item = by_code.get(code)
        if item is None or item.kind != "item":
            raise field_error(
                where,
                f"{code} is not an item of checklist version {version.number}.",
                f"{code} 不是第 {version.number} 版检查清单中的检查项。",
                code="unknown_checklist_item",
            )
        if item.retired:
            raise field_error(
                where,
                f"{code} was retired in checklist version {version.number}.",
                f"{code} 在第 {version.number} 版检查清单中已停用。",
                code="unknown_checklist_item",
            )
        if code in given:
            raise field_error(where, f"{code} is listed twice.", f"{code} 重复。")
        if entry["result"] == "violation":
            if not entry.get("note", "").strip():
                raise field_error(
                    f"results[{index}].note",
                    f"Describe the violation {code} in a note.",
                    f"请填写违章 {code} 的情况说明。",
                    code="note_required",
                )
            entry["photo_client_ids"] = check_photos(
                session,
                renovation.property_id,
                entry.get("photo_client_ids", []),
                f"results[{index}].photo_client_ids",
                required=True,
                what=f"The violation {code}",
                what_zh=f"违章 {code} ",
            )
        given[code] = entry
    rows = []
    for item in version.items:
        if item.kind != "item" or item.retired:
            continue
        entry = given.get(item.code, {"result": rest, "note": "", "photo_client_ids": []})
        rows.append(
            InspectionResult(
                property_id=renovation.property_id,
                renovation_id=renovation.id,
                item_id=item.id,
                position=item.position,
                code=item.code,
                result=entry["result"],
                note=entry.get("note", "").strip(),
                photo_client_ids=[str(c) for c in entry.get("photo_client_ids", [])],
            )
        )
    return rows


def record_inspection(
    session: Session,
    actor: Actor,
    now: dt.datetime,
    prop: Property,
    renovation: Renovation,
    *,
    client_id: uuid.UUID,
    results: list[dict[str, Any]],
    rest: str = "ok",
    inspected_at: dt.datetime | None = None,
    checklist_version: int | None = None,
    note: str = "",
    finding: Finding | None = None,
) -> Inspection:
    """One inspection: every active item of the version gets a result; items not sent take
    ``rest`` (the phone shows them all as OK and the inspector flips the violations)."""
    RENOVATION.check(renovation, "inspect")
    clock = phone_clock.judge(prop, inspected_at, now, not_before=renovation.created_at)
    at = clock.at
    version = _version_for(session, prop.company_id, checklist_version)
    hint = suggestions(session, prop, renovation, version, at)
    rows = _results(session, renovation, version, results, rest)
    inspection = Inspection(
        property_id=renovation.property_id,
        client_id=client_id,
        renovation_id=renovation.id,
        checklist_version_id=version.id,
        kind="completion" if renovation.state == "completion_inspection" else "daily",
        inspector_id=actor.user_id,
        inspected_at=at,
        received_at=now,
        local_day=local_day(prop, at),
        outside_hours=hint["outside_hours"],
        suggested_items=hint["suggested_items"],
        violation_count=sum(1 for r in rows if r.result == "violation"),
        note=note,
        finding_id=finding.id if finding else None,
    )
    session.add(inspection)
    session.flush()
    for row in rows:
        row.inspection_id = inspection.id
        session.add(row)
    audit.record(
        session,
        actor,
        inspection,
        "create",
        after={
            **audit.snapshot(inspection),
            "violations": [
                {"code": r.code, "note": r.note, "photos": r.photo_client_ids}
                for r in rows
                if r.result == "violation"
            ],
            **clock.audit(),
        },
    )
    return inspection


def renovation_for_finding(session: Session, finding: Finding) -> Renovation:
    """The site a forwarded patrol finding points at (the unit's unsettled renovation)."""
    if finding.status != "forwarded" or finding.forward_target != "renovation":
        raise Conflict(
            "Only a finding forwarded to renovation can open a renovation inspection.",
            message_zh="只有转交装修管理的巡查发现才能发起装修检查。",
            code="finding_not_forwarded",
            details={"status": finding.status, "forward_target": finding.forward_target},
        )
    renovation = session.scalar(
        select(Renovation)
        .where(Renovation.unit_id == finding.unit_id, Renovation.state != "deposit_settled")
        .order_by(Renovation.id.desc())
        .limit(1)
    )
    if renovation is None:
        raise Conflict(
            "There is no registered renovation at this finding's unit; register it first.",
            message_zh="该房号没有装修登记，请先登记。",
            code="no_renovation",
        )
    return renovation


# What an inspection's page shows with it: each result with its checklist item.
INSPECTION_LOADS = (selectinload(Inspection.results).selectinload(InspectionResult.item),)


def load_inspection(session: Session, inspection_id: int) -> Inspection | None:
    return session.scalar(
        select(Inspection).where(Inspection.id == inspection_id).options(*INSPECTION_LOADS)
    )


def inspection_out(session: Session, inspection: Inspection) -> dict[str, Any]:
    version = session.scalar(
        select(ChecklistVersion.number).where(
            ChecklistVersion.id == inspection.checklist_version_id
        )
    )
    out = {c: getattr(inspection, c) for c in Inspection.__table__.columns.keys()}  # noqa: SIM118
    out["checklist_version"] = version
    out["results"] = [result_out(r) for r in inspection.results]
    return out


def result_out(result: InspectionResult) -> dict[str, Any]:
    item = result.item
    return {
        "id": result.id,
        "code": result.code,
        "name_zh": item.name_zh,
        "name_en": item.name_en,
        "category": item.category,
        "severity": item.severity,
        "result": result.result,
        "note": result.note,
        "photo_client_ids": result.photo_client_ids,
        "notice_id": result.notice_id,
        "inspection_id": result.inspection_id,
    }


def _names(session: Session, user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    return dict(
        session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids))).all()
    )


def patrol_log(session: Session, prop: Property, day: dt.date) -> dict[str, Any]:
    """装修施工巡查日志: every active site of the day and whether (and how) it was inspected."""
    inspections = session.scalars(
        select(Inspection)
        .where(Inspection.property_id == prop.id, Inspection.local_day == day)
        .order_by(Inspection.inspected_at)
    ).all()
    by_site: dict[int, list[Inspection]] = {}
    for inspection in inspections:
        by_site.setdefault(inspection.renovation_id, []).append(inspection)
    sites = session.scalars(
        select(Renovation)
        .where(
            Renovation.property_id == prop.id,
            Renovation.state.in_(ACTIVE_STATES) | Renovation.id.in_(sorted(by_site)),
        )
        .order_by(Renovation.id)
    ).all()
    labels = unit_labels(session, [s.unit_id for s in sites])
    names = _names(session, {i.inspector_id for i in inspections})
    rows = []
    for site in sites:
        done = by_site.get(site.id, [])
        rows.append(
            {
                "renovation_id": site.id,
                "unit_id": site.unit_id,
                "unit_label": labels.get(site.unit_id, ""),
                "state": site.state,
                "owner_name": site.owner_name,
                "contractor_company": site.contractor_company,
                "inspector_id": site.inspector_id,
                "inspected": bool(done),
                "inspections": [
                    {
                        "id": i.id,
                        "inspected_at": i.inspected_at,
                        "inspector_id": i.inspector_id,
                        "inspector_name": names.get(i.inspector_id, ""),
                        "violation_count": i.violation_count,
                        "outside_hours": i.outside_hours,
                    }
                    for i in done
                ],
            }
        )
    return {
        "property_id": prop.id,
        "day": day,
        "sites": rows,
        "not_inspected": [r["renovation_id"] for r in rows if not r["inspected"]],
    }


def my_sites(
    session: Session, actor: Actor, now: dt.datetime, property_ids: list[int]
) -> list[dict[str, Any]]:
    """Active sites at ``property_ids`` the floor manager should still inspect today (their
    own or unassigned)."""
    allowed = property_ids
    props = {p.id: p for p in session.scalars(select(Property).where(Property.id.in_(allowed)))}
    sites = session.scalars(
        select(Renovation)
        .where(
            Renovation.property_id.in_(allowed),
            Renovation.state.in_(ACTIVE_STATES),
            (Renovation.inspector_id.is_(None)) | (Renovation.inspector_id == actor.user_id),
        )
        .order_by(Renovation.property_id, Renovation.id)
    ).all()
    labels = unit_labels(session, [s.unit_id for s in sites])
    due = []
    for site in sites:
        today = local_day(props[site.property_id], now)
        done = session.scalar(
            select(Inspection.id)
            .where(Inspection.renovation_id == site.id, Inspection.local_day == today)
            .limit(1)
        )
        if done is None:
            due.append(
                {
                    "renovation_id": site.id,
                    "property_id": site.property_id,
                    "unit_id": site.unit_id,
                    "unit_label": labels.get(site.unit_id, ""),
                    "state": site.state,
                    "day": today,
                    "owner_name": site.owner_name,
                    "inspector_id": site.inspector_id,
                }
            )
    return due
