"""Schemas of deposit settlements (装修押金结算): deductions, drafts, the settlement."""

from __future__ import annotations

import marshmallow as ma

from ..web import fields
from ..web.smorest import Schema
from .models import DEDUCTION_KINDS
from .schemas import amount_at_most

_id = ma.validate.Range(min=1, max=2**31 - 1)
_codes = ma.fields.List(
    ma.fields.String(validate=ma.validate.Length(min=1, max=16)),
    load_default=list,
    validate=ma.validate.Length(max=7),
    metadata={"description": "measures of the ladder, M1–M7"},
)


class DeductionInSchema(Schema):
    kind = ma.fields.String(load_default=None, validate=ma.validate.OneOf(DEDUCTION_KINDS))
    violation_id = ma.fields.Integer(load_default=None, allow_none=True, validate=_id)
    description = ma.fields.String(required=True, validate=ma.validate.Length(max=500))
    amount = ma.fields.Decimal(
        required=True,
        places=2,
        as_string=True,
        # 100 items of at most this fit Numeric(12, 2); ≤ 0 is refused by the rules (422)
        validate=amount_at_most(10**7, allow_negative=True),
        metadata={"description": "CNY, > 0, at most 10,000,000"},
    )


class DeductionSchema(Schema):
    id = ma.fields.Integer()
    position = ma.fields.Integer()
    kind = ma.fields.String()
    violation_id = ma.fields.Integer(allow_none=True)
    description = ma.fields.String()
    amount = ma.fields.Decimal(places=2, as_string=True)


class SettlementCreateSchema(Schema):
    client_id = ma.fields.UUID(load_default=None)
    deductions = ma.fields.List(
        ma.fields.Nested(DeductionInSchema), load_default=list, validate=ma.validate.Length(max=100)
    )
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=1000))


class SettlementPatchSchema(Schema):
    deductions = ma.fields.List(
        ma.fields.Nested(DeductionInSchema), validate=ma.validate.Length(max=100)
    )
    note = ma.fields.String(validate=ma.validate.Length(max=1000))


class SettlementSchema(Schema):
    id = ma.fields.Integer()
    client_id = ma.fields.UUID(allow_none=True)
    property_id = ma.fields.Integer()
    renovation_id = ma.fields.Integer()
    state = ma.fields.String()
    deposit_amount = ma.fields.Decimal(places=2, as_string=True)
    total_deductions = ma.fields.Decimal(places=2, as_string=True)
    refund_amount = ma.fields.Decimal(places=2, as_string=True)
    shortfall_amount = ma.fields.Decimal(places=2, as_string=True)
    note = ma.fields.String()
    created_by_id = ma.fields.Integer()
    created_at = fields.AwareDateTime()
    submitted_at = fields.AwareDateTime(allow_none=True)
    decided_by_id = ma.fields.Integer(allow_none=True)
    decided_at = fields.AwareDateTime(allow_none=True)
    decision_note = ma.fields.String()
    version = ma.fields.Integer()
    deductions = ma.fields.List(ma.fields.Nested(DeductionSchema))


# --- queues -------------------------------------------------------------------------------
