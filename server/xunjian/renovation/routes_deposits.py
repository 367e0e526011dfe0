"""Renovation API: deposit settlements at the completion inspection (thin views over
``deposits``)."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView

from ..web.access import find, load_for
from ..web.conditional import check_if_match, set_etag
from ..web.context import (
    client_id_from,
    commit,
    current_actor,
    db,
    idempotent_create,
    now,
)
from ..web.downloads import file_response
from ..web.smorest import Blueprint
from . import deposits, queries
from .models import Renovation, Settlement
from .pdf import statement_pdf
from .schemas_deposits import SettlementCreateSchema, SettlementPatchSchema, SettlementSchema
from .schemas_notices import DecisionSchema, PdfArgsSchema

blp = Blueprint(
    "renovation_deposits",
    __name__,
    url_prefix="/renovation",
    description="Renovation deposit settlements (装修押金结算)",
)


# --- deposits -----------------------------------------------------------------------------


def settlement_out(settlement: Settlement) -> dict[str, Any]:
    set_etag(settlement)
    return queries.settlement_out(settlement)


@blp.post("/renovations/<int:renovation_id>/settlement")
@blp.arguments(SettlementCreateSchema)
@blp.response(201, SettlementSchema)
def create_settlement(args: dict[str, Any], renovation_id: int) -> dict[str, Any]:
    """Itemise the deposit deductions at the completion inspection (a draft)."""
    renovation = load_for(Renovation, renovation_id, "renovation.deposit")
    client_id = client_id_from(args)
    settlement = idempotent_create(
        Settlement,
        client_id,
        lambda: deposits.create(
            db(), current_actor(), now(), renovation, client_id=client_id, **args
        ),
    )
    return settlement_out(settlement)


@blp.route("/settlements/<int:settlement_id>")
class SettlementItem(MethodView):
    @blp.response(200, SettlementSchema)
    def get(self, settlement_id: int) -> dict[str, Any]:
        return settlement_out(
            load_for(Settlement, settlement_id, "renovation.read", *queries.SETTLEMENT_LOADS)
        )

    @blp.arguments(SettlementPatchSchema)
    @blp.response(200, SettlementSchema)
    def patch(self, args: dict[str, Any], settlement_id: int) -> dict[str, Any]:
        """Replace the deductions or the note (a rejected settlement returns to draft)."""
        settlement = load_for(
            Settlement, settlement_id, "renovation.deposit", *queries.SETTLEMENT_LOADS
        )
        check_if_match(settlement)
        renovation = find(Renovation, settlement.renovation_id)
        deposits.edit(db(), current_actor(), now(), renovation, settlement, **args)
        commit()
        return settlement_out(settlement)


@blp.post("/settlements/<int:settlement_id>/submit")
@blp.response(200, SettlementSchema)
def submit_settlement(settlement_id: int) -> dict[str, Any]:
    """Send the settlement to the manager for approval."""
    settlement = load_for(
        Settlement, settlement_id, "renovation.deposit", *queries.SETTLEMENT_LOADS
    )
    check_if_match(settlement)
    deposits.submit(db(), current_actor(), now(), settlement)
    commit()
    return settlement_out(settlement)


@blp.post("/settlements/<int:settlement_id>/decision")
@blp.arguments(DecisionSchema)
@blp.response(200, SettlementSchema)
def decide_settlement(args: dict[str, Any], settlement_id: int) -> dict[str, Any]:
    """The manager consents to the deductions (the renovation becomes deposit_settled)."""
    settlement = load_for(
        Settlement, settlement_id, "renovation.approve", *queries.SETTLEMENT_LOADS
    )
    check_if_match(settlement)
    renovation = find(Renovation, settlement.renovation_id)
    deposits.decide(db(), current_actor(), now(), renovation, settlement, **args)
    commit()
    return settlement_out(settlement)


@blp.get("/settlements/<int:settlement_id>/statement")
@blp.arguments(PdfArgsSchema, location="query")
@blp.response(200, content_type="application/pdf")
def settlement_statement(args: dict[str, Any], settlement_id: int) -> Response:
    """The deposit statement PDF."""
    settlement = load_for(Settlement, settlement_id, "renovation.read", *queries.SETTLEMENT_LOADS)
    data = queries.statement_data(db(), settlement, args["lang"])
    pdf = statement_pdf(data, args["lang"])
    return file_response(pdf, "application/pdf", f"deposit-{settlement.id}.pdf", attachment=False)
