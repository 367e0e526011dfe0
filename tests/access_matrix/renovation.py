"""Access-matrix entries for renovation enforcement: registry, checklist, inspections,
notices, measures, deposits and the queues."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import select

from xunjian.demo import demo_actor
from xunjian.org.models import Property, Unit
from xunjian.renovation import deposits, inspections, measures, notices, registry
from xunjian.renovation.checklist import current_version
from xunjian.renovation.models import InspectionResult

R = "/api/v1/renovation"
SITE = R + "/renovations/<int:renovation_id>"
NOTICE = R + "/notices/<int:notice_id>"
MEASURE = R + "/measures/<int:measure_id>"
SETTLEMENT = R + "/settlements/<int:settlement_id>"

ENDPOINTS: dict[tuple[str, str], tuple[str | None, Any]] = {
    # registry
    ("GET", R + "/properties/<int:property_id>/renovations"): ("renovation.read", None),
    ("POST", R + "/properties/<int:property_id>/renovations"): ("renovation.register", "RENO_NEW"),
    ("GET", SITE): ("renovation.read", None),
    ("PATCH", SITE): ("renovation.register", {"description": "矩阵"}),
    ("POST", SITE + "/approve"): ("renovation.approve", {}),
    ("POST", SITE + "/transition"): ("renovation.register", {"event": "request_completion"}),
    ("POST", SITE + "/suspend"): ("renovation.notice", {"reason": "矩阵"}),
    ("POST", SITE + "/resume"): ("renovation.notice", {}),
    # checklist (company-wide: no record of another property to hide)
    ("GET", R + "/checklist"): ("renovation.read", None),
    ("POST", R + "/checklist"): ("renovation.checklist.edit", "CHECKLIST_EDIT"),
    ("GET", R + "/checklist/versions"): ("renovation.read", None),
    # inspections
    ("GET", SITE + "/suggestions"): ("renovation.read", None),
    ("GET", SITE + "/inspections"): ("renovation.read", None),
    ("POST", SITE + "/inspections"): ("renovation.inspect", "INSPECTION"),
    ("GET", R + "/inspections/<int:inspection_id>"): ("renovation.read", None),
    ("POST", R + "/findings/<int:finding_id>/inspection"): ("renovation.inspect", "INSPECTION"),
    ("GET", R + "/properties/<int:property_id>/patrol-log"): ("renovation.read", None),
    ("GET", R + "/my-sites"): ("renovation.inspect", None),
    # notices
    ("POST", SITE + "/notices"): ("renovation.notice", "NOTICE"),
    ("GET", R + "/properties/<int:property_id>/notices"): ("renovation.read", None),
    ("GET", NOTICE): ("renovation.read", None),
    ("POST", NOTICE + "/issue"): ("renovation.notice", None),
    ("POST", NOTICE + "/cancel"): ("renovation.notice", None),
    ("POST", NOTICE + "/acknowledge"): ("renovation.notice", "ACK"),
    ("POST", NOTICE + "/reinspections"): ("renovation.inspect", "REINSPECTION"),
    ("POST", NOTICE + "/escalate"): (
        "renovation.notice",
        {"interview_at": "2026-11-23T08:00:00+08:00", "interview_outcome": "矩阵"},
    ),
    ("POST", NOTICE + "/close"): ("renovation.notice", {}),
    ("POST", NOTICE + "/refer"): ("renovation.approve", {"referred_to": "城管"}),
    ("GET", NOTICE + "/pdf"): ("renovation.read", None),
    ("POST", NOTICE + "/measures"): ("renovation.notice", "MEASURE"),
    ("POST", MEASURE + "/decision"): ("renovation.approve", {"decision": "approved"}),
    ("POST", MEASURE + "/apply"): ("renovation.notice", None),
    ("POST", MEASURE + "/lift"): ("renovation.notice", {}),
    # deposits
    ("POST", SITE + "/settlement"): ("renovation.deposit", "SETTLEMENT"),
    ("GET", SETTLEMENT): ("renovation.read", None),
    ("PATCH", SETTLEMENT): ("renovation.deposit", {"note": "矩阵"}),
    ("POST", SETTLEMENT + "/submit"): ("renovation.deposit", None),
    ("POST", SETTLEMENT + "/decision"): ("renovation.approve", {"decision": "approved"}),
    ("GET", SETTLEMENT + "/statement"): ("renovation.read", None),
    # queues
    ("GET", R + "/open-notices"): ("renovation.read", None),
    ("GET", R + "/approvals"): ("renovation.approve", None),
}

_NOW = dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC)


def _site(session: Any, prop: Property, unit_id: int, state: str) -> Any:
    actor = demo_actor(session)
    site = registry.register(
        session,
        actor,
        _NOW,
        prop,
        unit_id=unit_id,
        owner_name="矩阵业主",
        start_date=dt.date(2026, 11, 1),
        end_date=dt.date(2027, 1, 31),
        deposit_amount="3000",
    )
    session.flush()
    permit = {
        "permit_no": f"MX-{uuid.uuid4().hex[:8]}",
        "permit_valid_from": dt.date(2026, 11, 1),
        "permit_valid_to": dt.date(2027, 1, 31),
    }
    registry.transition(session, actor, _NOW, site, "approve", permit=permit)
    registry.transition(session, actor, _NOW, site, "start")
    if state == "completion_inspection":
        registry.transition(session, actor, _NOW, site, "request_completion")
    return site


def record_ids(session: Any, property_id: int) -> dict[str, Any]:
    actor = demo_actor(session)
    prop = session.scalar(select(Property).where(Property.id == property_id))
    units = session.scalars(
        select(Unit.id).where(Unit.property_id == property_id).order_by(Unit.id.desc()).limit(2)
    ).all()
    site = _site(session, prop, units[0], "in_progress")
    finished = _site(session, prop, units[1], "completion_inspection")
    version = current_version(session, prop.company_id)
    inspection = inspections.record_inspection(
        session,
        actor,
        _NOW,
        prop,
        site,
        client_id=uuid.uuid4(),
        results=[
            {
                "code": code,
                "result": "violation",
                "note": "矩阵",
                "photo_client_ids": [uuid.uuid4()],
            }
            for code in ("R20", "R22")
        ],
    )
    session.flush()
    first, second = session.scalars(
        select(InspectionResult.id)
        .where(
            InspectionResult.inspection_id == inspection.id, InspectionResult.result == "violation"
        )
        .order_by(InspectionResult.id)
    ).all()
    notice = notices.create_notice(
        session, actor, _NOW, prop, site, violation_ids=[first], issue=True
    )
    measure = measures.add(session, actor, _NOW, notice, version, code="M5")
    settlement = deposits.create(session, actor, _NOW, finished, deductions=[])
    session.flush()
    return {
        "renovation_id": site.id,
        "inspection_id": inspection.id,
        "notice_id": notice.id,
        "measure_id": measure.id,
        "settlement_id": settlement.id,
        "renovation_free_violation": second,
        "renovation_free_unit": session.scalar(
            select(Unit.id).where(Unit.property_id == property_id, Unit.id.not_in(units)).limit(1)
        ),
        "renovation_checklist_version": current_version(session, prop.company_id).number,
    }


def body_for(body: Any, ids: dict[str, Any]) -> Any:
    if body == "RENO_NEW":
        return {
            "client_id": str(uuid.uuid4()),
            "unit_id": ids["renovation_free_unit"],
            "owner_name": "新业主",
            "start_date": "2026-12-01",
            "end_date": "2027-02-01",
            "deposit_amount": "2000.00",
        }
    if body == "CHECKLIST_EDIT":
        return {
            "client_id": str(uuid.uuid4()),
            "base_version": ids["renovation_checklist_version"],
            "items": [{"code": "R04", "severity": "major"}],
        }
    if body == "INSPECTION":
        return {"client_id": str(uuid.uuid4()), "results": []}
    if body == "NOTICE":
        return {"client_id": str(uuid.uuid4()), "violation_ids": [ids["renovation_free_violation"]]}
    if body == "ACK":
        return {"outcome": "refused", "refusal_photo_client_id": str(uuid.uuid4())}
    if body == "REINSPECTION":
        return {
            "client_id": str(uuid.uuid4()),
            "passed": False,
            "note": "矩阵",
            "photo_client_ids": [str(uuid.uuid4())],
        }
    if body == "MEASURE":
        return {"client_id": str(uuid.uuid4()), "code": "M1"}
    if body == "SETTLEMENT":
        return {"client_id": str(uuid.uuid4()), "deductions": []}
    return body
