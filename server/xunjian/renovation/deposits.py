"""Deposit settlement (装修押金结算) at the completion inspection.

Deductions are itemised against violations found at the site or against damage; the manager
approves; the owner gets back ``deposit − deductions`` or, when the deductions exceed the
deposit, is asked for the shortfall. All amounts are Decimal, rounded to the cent (half up).
No Flask imports.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..errors import Conflict
from ..permissions import require
from ..tenancy import Actor
from . import registry
from .common import field_error
from .models import (
    OPEN_NOTICE_STATES,
    Deduction,
    InspectionResult,
    Measure,
    Notice,
    Renovation,
    Settlement,
)
from .states import RENOVATION, SETTLEMENT

CENT = decimal.Decimal("0.01")
ZERO = decimal.Decimal("0.00")


@dataclass(frozen=True)
class Balance:
    deposit: decimal.Decimal
    deductions: decimal.Decimal
    refund: decimal.Decimal
    shortfall: decimal.Decimal


def cents(value: Any) -> decimal.Decimal:
    return decimal.Decimal(str(value)).quantize(CENT, rounding=decimal.ROUND_HALF_UP)


def balance(deposit: Any, amounts: list[Any]) -> Balance:
    """refund = deposit − deductions when that is ≥ 0, otherwise the rest is a shortfall."""
    dep = cents(deposit)
    total = sum((cents(a) for a in amounts), ZERO)
    rest = dep - total
    return Balance(dep, total, max(rest, ZERO), max(-rest, ZERO))


def _deductions(
    session: Session, renovation: Renovation, items: list[dict[str, Any]]
) -> list[Deduction]:
    rows = []
    for index, item in enumerate(items):
        where = f"deductions[{index}]"
        amount = cents(item["amount"])
        if amount <= 0:
            raise field_error(
                f"{where}.amount",
                "A deduction is a positive amount.",
                "扣款金额须大于零。",
                code="amount_not_positive",
            )
        violation_id = item.get("violation_id")
        kind = item.get("kind") or ("violation" if violation_id else "damage")
        if kind == "violation" and violation_id is None:
            raise field_error(
                f"{where}.violation_id",
                "A deduction for a violation names the violation.",
                "违章扣款须注明对应违章。",
            )
        if violation_id is not None:
            row = session.scalar(
                select(InspectionResult).where(InspectionResult.id == violation_id)
            )
            if row is None or row.renovation_id != renovation.id or row.result != "violation":
                raise field_error(
                    f"{where}.violation_id",
                    f"{violation_id} is not a violation found at this site.",
                    f"{violation_id} 不是本装修现场的违章。",
                )
        if not item.get("description", "").strip():
            raise field_error(f"{where}.description", "Describe the deduction.", "请填写扣款说明。")
        rows.append(
            Deduction(
                property_id=renovation.property_id,
                position=index + 1,
                kind=kind,
                violation_id=violation_id,
                description=item["description"].strip(),
                amount=amount,
            )
        )
    return rows


def _set_totals(settlement: Settlement) -> None:
    result = balance(settlement.deposit_amount, [d.amount for d in settlement.deductions])
    settlement.total_deductions = result.deductions
    settlement.refund_amount = result.refund
    settlement.shortfall_amount = result.shortfall


def create(
    session: Session,
    actor: Actor,
    now: dt.datetime,
    renovation: Renovation,
    *,
    deductions: list[dict[str, Any]],
    note: str = "",
    client_id: uuid.UUID | None = None,
) -> Settlement:
    require(actor, "renovation.deposit", renovation.property_id)
    if renovation.state != "completion_inspection":
        RENOVATION.next(renovation.state, "settle")  # names the state it is in
    existing = session.scalar(
        select(Settlement.id).where(Settlement.renovation_id == renovation.id)
    )
    if existing is not None:
        raise Conflict(
            "This renovation already has a deposit settlement; edit that one.",
            message_zh="该装修已有押金结算单，请修改原结算单。",
            code="settlement_exists",
            details={"settlement_id": existing},
        )
    settlement = Settlement(
        property_id=renovation.property_id,
        client_id=client_id,
        renovation_id=renovation.id,
        state="draft",
        deposit_amount=cents(renovation.deposit_amount),
        note=note,
        created_by_id=actor.user_id,
        created_at=now,
    )
    settlement.deductions = _deductions(session, renovation, deductions)
    _set_totals(settlement)
    session.add(settlement)
    audit.record(session, actor, settlement, "create", after=snapshot(settlement))
    return settlement


def snapshot(settlement: Settlement) -> dict[str, Any]:
    return {
        **audit.snapshot(settlement),
        "deductions": [
            {
                "kind": d.kind,
                "violation_id": d.violation_id,
                "description": d.description,
                "amount": str(d.amount),
            }
            for d in settlement.deductions
        ],
    }


def edit(
    session: Session,
    actor: Actor,
    renovation: Renovation,
    settlement: Settlement,
    *,
    deductions: list[dict[str, Any]] | None = None,
    note: str | None = None,
) -> Settlement:
    """Replace the itemised deductions (a rejected settlement goes back to draft)."""
    require(actor, "renovation.deposit", settlement.property_id)
    target = SETTLEMENT.next(settlement.state, "edit")
    before = snapshot(settlement)
    if deductions is not None:
        settlement.deductions = _deductions(session, renovation, deductions)
    if note is not None:
        settlement.note = note
    settlement.deposit_amount = cents(renovation.deposit_amount)
    _set_totals(settlement)
    settlement.state = target
    settlement.decided_at = settlement.decided_by_id = None
    settlement.decision_note = ""
    audit.record(session, actor, settlement, "update", before=before, after=snapshot(settlement))
    return settlement


def submit(session: Session, actor: Actor, now: dt.datetime, settlement: Settlement) -> Settlement:
    require(actor, "renovation.deposit", settlement.property_id)
    target = SETTLEMENT.next(settlement.state, "submit")
    before = snapshot(settlement)
    settlement.submitted_at = now
    settlement.state = target
    audit.record(session, actor, settlement, "submit", before=before, after=snapshot(settlement))
    return settlement


def decide(
    session: Session,
    actor: Actor,
    now: dt.datetime,
    renovation: Renovation,
    settlement: Settlement,
    *,
    decision: str,
    note: str = "",
) -> Settlement:
    """The manager's consent to the deductions; approval settles the renovation."""
    require(actor, "renovation.approve", settlement.property_id)
    target = SETTLEMENT.next(settlement.state, "approve" if decision == "approved" else "reject")
    if decision == "rejected" and not note.strip():
        raise field_error("note", "Give the reason for sending it back.", "请填写退回理由。")
    if target == "approved":
        _refuse_while_matters_open(session, renovation)
    before = snapshot(settlement)
    settlement.decided_at, settlement.decided_by_id = now, actor.user_id
    settlement.decision_note = note.strip()
    settlement.state = target
    audit.record(
        session,
        actor,
        settlement,
        "approve" if decision == "approved" else "reject",
        before=before,
        after=snapshot(settlement),
    )
    if target == "approved":
        registry.transition(session, actor, now, renovation, "settle")
    return settlement


# A measure still requested, approved or in force (utilities cut, work stopped) is open.
OPEN_MEASURE_STATES = ("requested", "approved", "in_effect")


def _refuse_while_matters_open(session: Session, renovation: Renovation) -> None:
    """Settling returns the deposit, the last lever on the owner: not while a rectification
    notice or an enforcement measure is still open at the site."""
    notices = list(
        session.scalars(
            select(Notice.serial).where(
                Notice.renovation_id == renovation.id, Notice.state.in_(OPEN_NOTICE_STATES)
            )
        )
    )
    measures = list(
        session.scalars(
            select(Measure.id)
            .join(Notice, Notice.id == Measure.notice_id)
            .where(Notice.renovation_id == renovation.id, Measure.state.in_(OPEN_MEASURE_STATES))
        )
    )
    if notices or measures:
        raise Conflict(
            "Close the open notices and decide or lift the open measures before approving "
            "the deposit settlement.",
            message_zh="请先结清未关闭的整改通知单、处理或解除未完结的管理措施，再批准押金结算。",
            code="matters_open",
            details={"open_notices": notices, "open_measure_ids": measures},
        )
