"""Measures of the handling ladder (M1–M7) taken on a notice.

Measures the checklist marks ``approval: manager`` (M5 suspend water/power, M6 claim
compensation, M7 forfeit the penalty) start as an approval request; only a manager's recorded
approval lets them take effect. The others take effect when recorded. No Flask imports.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy.orm import Session

from .. import audit
from ..errors import Conflict, field_error
from ..tenancy import Actor
from .models import ChecklistVersion, Measure, Notice
from .states import MEASURE, NOTICE


def check_codes(version: ChecklistVersion, codes: list[str]) -> list[str]:
    ladder = {i.code for i in version.items if i.kind == "measure"}
    out: list[str] = []
    for index, raw in enumerate(codes):
        code = raw.strip().upper()
        if code not in ladder:
            raise field_error(
                f"measures[{index}]",
                f"{code} is not a measure of the ladder ({', '.join(sorted(ladder))}).",
                f"{code} 不是违章处理措施。",
                code="unknown_measure",
            )
        if code in out:
            raise field_error(f"measures[{index}]", f"{code} is listed twice.", f"{code} 重复。")
        out.append(code)
    return out


def create(
    session: Session,
    actor: Actor,
    now: dt.datetime,
    notice: Notice,
    version: ChecklistVersion,
    code: str,
    *,
    note: str,
    client_id: uuid.UUID | None = None,
) -> Measure:
    item = next(i for i in version.items if i.kind == "measure" and i.code == code)
    needs_approval = item.approval == "manager"
    measure = Measure(
        property_id=notice.property_id,
        client_id=client_id,
        notice_id=notice.id,
        code=code,
        name_zh=item.name_zh,
        name_en=item.name_en,
        requires_approval=needs_approval,
        state="requested" if needs_approval else "in_effect",
        note=note,
        requested_by_id=actor.user_id,
        requested_at=now,
        applied_at=None if needs_approval else now,
    )
    session.add(measure)
    audit.record(session, actor, measure, "request_approval" if needs_approval else "apply")
    return measure


def add(
    session: Session,
    actor: Actor,
    now: dt.datetime,
    notice: Notice,
    version: ChecklistVersion,
    *,
    code: str,
    note: str = "",
    client_id: uuid.UUID | None = None,
) -> Measure:
    NOTICE.check(notice, "add_measure")
    (code,) = check_codes(version, [code])
    return create(session, actor, now, notice, version, code, note=note, client_id=client_id)


def decide(
    session: Session, actor: Actor, now: dt.datetime, measure: Measure, *, decision: str, note: str
) -> Measure:
    """The manager's recorded approval (or refusal, with a reason)."""
    event = "approve" if decision == "approved" else "reject"
    MEASURE.check(measure, event)
    if decision == "rejected" and not note.strip():
        raise field_error("note", "Give the reason for not approving.", "请填写不批准的理由。")
    MEASURE.apply(
        session,
        actor,
        measure,
        event,
        now=now,
        decided_at=now,
        decided_by_id=actor.user_id,
        decision_note=note.strip(),
    )
    return measure


def apply(session: Session, actor: Actor, now: dt.datetime, measure: Measure) -> Measure:
    """Carry out an approved measure (e.g. water actually suspended)."""
    if measure.state == "requested":
        raise Conflict(
            f"{measure.code} ({measure.name_en}) takes effect only after the management-office "
            "manager's recorded approval; ask the manager to approve it first.",
            message_zh=f"{measure.code}（{measure.name_zh}）须经管理处经理批准后方可执行，"
            "请先报经理批准。",
            code="approval_required",
            details={"measure_id": measure.id, "state": measure.state},
        )
    if measure.state == "rejected":
        raise Conflict(
            f"The manager did not approve {measure.code}; it cannot be carried out.",
            message_zh=f"经理未批准 {measure.code}，不能执行。",
            code="approval_refused",
            details={"measure_id": measure.id, "state": measure.state},
        )
    MEASURE.apply(session, actor, measure, "apply", now=now, applied_at=now)
    return measure


def lift(
    session: Session, actor: Actor, now: dt.datetime, measure: Measure, *, note: str = ""
) -> Measure:
    """End a measure in effect (e.g. water restored after rectification)."""
    MEASURE.check(measure, "lift")
    columns: dict[str, Any] = {}
    if note:
        columns["note"] = (measure.note + " / " + note.strip()).strip(" /")[:500]
    MEASURE.apply(session, actor, measure, "lift", now=now, lifted_at=now, **columns)
    return measure
