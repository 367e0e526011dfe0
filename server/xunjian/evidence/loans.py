"""The Item Loan Register (物品借用登记表) for the shared duty camera and phones.

Camera rule 4: internal borrowing is registered; a borrowed camera comes back before 17:30; the
borrower stores its photos; on return the duty manager empties the card.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..auth.models import RoleAssignment
from ..errors import InvalidInput, NotFound
from ..org.models import Property
from ..permissions import require
from ..tenancy import Actor
from .models import Loan
from .states import LOAN

DEFAULT_RETURN_TIME = "17:30"


def default_due(prop: Property, now: dt.datetime) -> dt.datetime:
    """Today's return time at the property, or tomorrow's when it has already passed."""
    tz = ZoneInfo(prop.timezone)
    setting = (prop.settings or {}).get("loan_return_time", DEFAULT_RETURN_TIME)
    at = dt.time.fromisoformat(str(setting))
    local = now.astimezone(tz)
    due = dt.datetime.combine(local.date(), at, tzinfo=tz)
    if due <= local:
        due += dt.timedelta(days=1)
    return due.astimezone(dt.UTC)


def lend(
    session: Session, actor: Actor, prop: Property, values: dict[str, Any], now: dt.datetime
) -> Loan:
    require(actor, "loans.write", prop.id)
    works_here = session.scalar(
        select(RoleAssignment.id).where(
            RoleAssignment.user_id == values["borrower_id"], RoleAssignment.property_id == prop.id
        )
    )
    if works_here is None:
        raise NotFound(
            "No such colleague at this property.",
            message_zh="该项目没有这位同事。",
            details={"borrower_id": ["not staff of this property"]},
        )
    due = values.get("due_at") or default_due(prop, now)
    if due <= now:
        raise InvalidInput(
            "The return deadline must be in the future.",
            message_zh="归还时间必须晚于现在。",
            details={"due_at": ["in the past"]},
        )
    loan = Loan(
        property_id=prop.id,
        client_id=values.get("client_id"),
        item_code=values["item_code"],
        item_name=values["item_name"],
        item_kind=values["item_kind"],
        borrower_id=values["borrower_id"],
        lent_by_id=actor.user_id,
        purpose=values["purpose"],
        borrowed_at=now,
        due_at=due,
    )
    session.add(loan)
    audit.record(session, actor, loan, "lend")
    return loan


def give_back(
    session: Session, actor: Actor, loan: Loan, values: dict[str, Any], now: dt.datetime
) -> Loan:
    require(actor, "loans.write", loan.property_id)
    LOAN.apply(
        session,
        actor,
        loan,
        "return",
        now=now,
        returned_at=now,
        returned_to_id=actor.user_id,
        **{
            k: values.get(k) for k in ("photos_stored", "card_cleared", "battery_ok", "return_note")
        },
    )
    return loan


def is_overdue(loan: Loan, now: dt.datetime) -> bool:
    return loan.state == "borrowed" and loan.due_at < now
