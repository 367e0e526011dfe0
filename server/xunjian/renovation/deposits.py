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
from ..errors import Conflict, field_error
from ..tenancy import Actor
from . import registry
from .models import (
    OPEN_NOTICE_STATES,
    Deduction,
    InspectionResult,
    Measure,
    Notice,
    Renovation,
    Settlement,
)
from .states import RENOVATION, SETTLEMENT, describe_settlement

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


def _totals(deposit: decimal.Decimal, deductions: list[Deduction]) -> dict[str, Any]:
    """The settlement's sums, as its columns."""
    result = balance(deposit, [d.amount for d in deductions])
    return {
        "total_deductions": result.deductions,
        "refund_amount": result.refund,
        "shortfall_amount": result.shortfall,
    }


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
    if renovation.state != "completion_inspection":
        RENOVATION.check(renovation, "settle")  # names the state it is in
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
    for name, value in _totals(settlement.deposit_amount, settlement.deductions).items():
        setattr(settlement, name, value)
    session.add(settlement)
    audit.record(session, actor, settlement, "create", after=describe_settlement(settlement))
    return settlement


def edit(
    session: Session,
    actor: Actor,
    now: dt.datetime,
    renovation: Renovation,
    settlement: Settlement,
    *,
    deductions: list[dict[str, Any]] | None = None,
    note: str | None = None,
) -> Settlement:
    """Replace the itemised deductions (a rejected settlement goes back to draft)."""
    SETTLEMENT.check(settlement, "edit")
    rows = (
        list(settlement.deductions)
        if deductions is None
        else _deductions(session, renovation, deductions)
    )
    deposit = cents(renovation.deposit_amount)
    SETTLEMENT.apply(
        session,
        actor,
        settlement,
        "edit",
        now=now,
        action="update",  # the audit log's name for every edit, also one that reopens a draft
        deductions=rows,
        note=settlement.note if note is None else note,
        deposit_amount=deposit,
        **_totals(deposit, rows),
        decided_at=None,
        decided_by_id=None,
        decision_note="",
    )
    return settlement


def submit(session: Session, actor: Actor, now: dt.datetime, settlement: Settlement) -> Settlement:
    SETTLEMENT.apply(session, actor, settlement, "submit", now=now, submitted_at=now)
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
    event = "approve" if decision == "approved" else "reject"
    SETTLEMENT.check(settlement, event)
    if decision == "rejected" and not note.strip():
        raise field_error("note", "Give the reason for sending it back.", "请填写退回理由。")
    if event == "approve":
        _refuse_while_matters_open(session, renovation)
    target = SETTLEMENT.apply(
        session,
        actor,
        settlement,
        event,
        now=now,
        decided_at=now,
        decided_by_id=actor.user_id,
        decision_note=note.strip(),
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
