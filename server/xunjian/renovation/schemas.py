"""Schemas for the registry, the checklist, inspections and the patrol log."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from ..web import fields
from ..web.pagination import PageArgsSchema, page_schema
from ..web.smorest import Schema
from .models import RENOVATION_STATES, RESULTS, SEVERITIES

_id = ma.validate.Range(min=1, max=2**31 - 1)
MAX_AMOUNT = 10**8  # CNY; Numeric(12, 2) holds up to 9,999,999,999.99


def amount_at_most(limit: int, *, allow_negative: bool = False) -> Any:
    """A plain callable, not ``Range``: apispec would print a Decimal bound as a string
    ("maximum": "100.00"), which is not valid JSON Schema."""

    def check(value: Any) -> None:
        if value > limit:
            raise ma.ValidationError(f"At most {limit}.")
        if not allow_negative and value < 0:
            raise ma.ValidationError("Must not be negative.")

    return check


def _money(**kw: object) -> ma.fields.Decimal:
    return ma.fields.Decimal(
        places=2,
        as_string=True,
        validate=amount_at_most(MAX_AMOUNT),
        metadata={"description": f"CNY, 0 to {MAX_AMOUNT}"},
        **kw,  # type: ignore[arg-type]
    )


_window = ma.fields.List(
    ma.fields.String(validate=ma.validate.Length(max=5)), validate=ma.validate.Length(equal=2)
)
_hours_doc = {
    "description": "permitted hours, local time: "
    '{"weekday": [["08:00","12:00"],["14:00","18:00"]], '
    '"weekend": [...]}; missing parts take the property\'s defaults '
    "(settings.renovation_hours) or the product's"
}


class HoursSchema(Schema):
    weekday = ma.fields.List(_window, validate=ma.validate.Length(max=6))
    weekend = ma.fields.List(_window, validate=ma.validate.Length(max=6))


class RenovationSchema(Schema):
    id = ma.fields.Integer(dump_only=True)
    client_id = ma.fields.UUID(load_default=None)
    property_id = ma.fields.Integer(dump_only=True)
    unit_id = ma.fields.Integer(required=True, validate=_id)
    unit_label = ma.fields.String(dump_only=True)
    state = ma.fields.String(dump_only=True, metadata={"enum": list(RENOVATION_STATES)})
    owner_name = ma.fields.String(
        load_default="",
        validate=ma.validate.Length(max=100),
        metadata={"description": "defaults to the unit's owner"},
    )
    owner_phone = ma.fields.String(load_default="", validate=ma.validate.Length(max=40))
    contractor_company = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))
    foreman_name = ma.fields.String(load_default="", validate=ma.validate.Length(max=100))
    foreman_phone = ma.fields.String(load_default="", validate=ma.validate.Length(max=40))
    permit_no = ma.fields.String(
        load_default=None, allow_none=True, validate=ma.validate.Length(min=1, max=60)
    )
    permit_valid_from = fields.Date(load_default=None, allow_none=True)
    permit_valid_to = fields.Date(load_default=None, allow_none=True)
    hours = ma.fields.Nested(HoursSchema, load_default=None, allow_none=True, metadata=_hours_doc)
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    deposit_amount = _money(required=True)
    documents = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(min=1, max=200)),
        load_default=list,
        validate=ma.validate.Length(max=30),
        metadata={"description": "evidence client UUIDs or object keys of the documents"},
    )
    description = ma.fields.String(load_default="", validate=ma.validate.Length(max=1000))
    inspector_id = ma.fields.Integer(load_default=None, allow_none=True, validate=_id)
    created_by_id = ma.fields.Integer(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)
    approved_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    approved_by_id = ma.fields.Integer(dump_only=True, allow_none=True)
    started_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    completion_requested_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    settled_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    suspended_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    suspended_from = ma.fields.String(dump_only=True, allow_none=True)
    suspended_reason = ma.fields.String(dump_only=True)
    version = ma.fields.Integer(dump_only=True)


class RenovationPatchSchema(Schema):
    owner_name = ma.fields.String(validate=ma.validate.Length(min=1, max=100))
    owner_phone = ma.fields.String(validate=ma.validate.Length(max=40))
    contractor_company = ma.fields.String(validate=ma.validate.Length(max=200))
    foreman_name = ma.fields.String(validate=ma.validate.Length(max=100))
    foreman_phone = ma.fields.String(validate=ma.validate.Length(max=40))
    permit_no = ma.fields.String(validate=ma.validate.Length(min=1, max=60))
    permit_valid_from = fields.Date()
    permit_valid_to = fields.Date()
    hours = ma.fields.Nested(HoursSchema, metadata=_hours_doc)
    start_date = fields.Date()
    end_date = fields.Date()
    deposit_amount = _money()
    documents = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(min=1, max=200)),
        validate=ma.validate.Length(max=30),
    )
    description = ma.fields.String(validate=ma.validate.Length(max=1000))
    inspector_id = ma.fields.Integer(allow_none=True, validate=_id)


class RenovationQueryArgsSchema(PageArgsSchema):
    state = ma.fields.String(validate=ma.validate.OneOf(RENOVATION_STATES))
    unit_id = ma.fields.Integer(validate=_id)


class ApproveSchema(Schema):
    permit_no = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=60))
    permit_valid_from = fields.Date(load_default=None)
    permit_valid_to = fields.Date(load_default=None)
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=500))


class TransitionSchema(Schema):
    event = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(("start", "request_completion", "reopen")),
        metadata={"description": "start work, request the completion inspection, or reopen"},
    )
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=500))


class RenovationReasonSchema(Schema):
    reason = ma.fields.String(load_default="", validate=ma.validate.Length(max=500))


RenovationPageSchema = page_schema(RenovationSchema, "RenovationPageSchema")


# --- checklist ----------------------------------------------------------------------------


class ChecklistItemSchema(Schema):
    id = ma.fields.Integer(dump_only=True)
    position = ma.fields.Integer(dump_only=True)
    kind = ma.fields.String(dump_only=True, metadata={"enum": ["item", "measure"]})
    code = ma.fields.String(dump_only=True)
    seed_no = ma.fields.Integer(dump_only=True, allow_none=True)
    category = ma.fields.String(dump_only=True)
    severity = ma.fields.String(dump_only=True, allow_none=True)
    approval = ma.fields.String(dump_only=True, metadata={"enum": ["none", "manager"]})
    name_zh = ma.fields.String(dump_only=True)
    name_en = ma.fields.String(dump_only=True)
    retired = ma.fields.Boolean(dump_only=True)


class ChecklistSchema(Schema):
    id = ma.fields.Integer(dump_only=True)
    number = ma.fields.Integer(dump_only=True)
    note = ma.fields.String(dump_only=True)
    source = ma.fields.String(dump_only=True)
    deadline_days = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.Integer(), dump_only=True
    )
    stop_work_severities = ma.fields.List(ma.fields.String(), dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)
    created_by_id = ma.fields.Integer(dump_only=True, allow_none=True)
    items = ma.fields.List(ma.fields.Nested(ChecklistItemSchema), dump_only=True)


class ChecklistQueryArgsSchema(Schema):
    version = ma.fields.Integer(
        validate=ma.validate.Range(min=1, max=100000),
        metadata={"description": "a version number (default: the newest)"},
    )


class ItemChangeSchema(Schema):
    code = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=16))
    name_zh = ma.fields.String(validate=ma.validate.Length(min=1, max=200))
    name_en = ma.fields.String(validate=ma.validate.Length(max=300))
    category = ma.fields.String(validate=ma.validate.Length(min=1, max=30))
    severity = ma.fields.String(validate=ma.validate.OneOf(SEVERITIES))
    retired = ma.fields.Boolean()


class ChecklistEditSchema(Schema):
    client_id = ma.fields.UUID(load_default=None)
    base_version = ma.fields.Integer(
        required=True,
        validate=ma.validate.Range(min=1),
        metadata={"description": "the version you edited (409 if a newer one exists)"},
    )
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=500))
    items = ma.fields.List(
        ma.fields.Nested(ItemChangeSchema),
        load_default=list,
        validate=ma.validate.Length(max=200),
        metadata={"description": "items to change, add (new code) or retire"},
    )
    deadline_days = ma.fields.Dict(
        keys=ma.fields.String(validate=ma.validate.OneOf(SEVERITIES)),
        values=ma.fields.Integer(validate=ma.validate.Range(min=0, max=365)),
        load_default=None,
    )
    stop_work_severities = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(SEVERITIES)), load_default=None
    )


class ChecklistVersionSummarySchema(Schema):
    id = ma.fields.Integer()
    number = ma.fields.Integer()
    note = ma.fields.String()
    created_at = fields.AwareDateTime()
    created_by_id = ma.fields.Integer(allow_none=True)
    active_items = ma.fields.Integer()


class ChecklistVersionListSchema(Schema):
    items = ma.fields.List(ma.fields.Nested(ChecklistVersionSummarySchema), required=True)


# --- inspections --------------------------------------------------------------------------


class ResultInSchema(Schema):
    code = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=16))
    result = ma.fields.String(required=True, validate=ma.validate.OneOf(RESULTS))
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=1000))
    photo_client_ids = ma.fields.List(
        ma.fields.UUID(),
        load_default=list,
        validate=ma.validate.Length(max=10),
        metadata={"description": "evidence client UUIDs (uploaded before or after)"},
    )


class InspectionCreateSchema(Schema):
    client_id = ma.fields.UUID(load_default=None)
    inspected_at = fields.AwareDateTime(
        load_default=None,
        metadata={"description": "when the inspection began on site (phone time); default now"},
    )
    checklist_version = ma.fields.Integer(
        load_default=None,
        validate=ma.validate.Range(min=1),
        metadata={"description": "the version the phone showed (default: the newest)"},
    )
    results = ma.fields.List(
        ma.fields.Nested(ResultInSchema), load_default=list, validate=ma.validate.Length(max=200)
    )
    rest = ma.fields.String(
        load_default="ok",
        validate=ma.validate.OneOf(("ok", "not_applicable")),
        metadata={"description": "result of the active items not listed in results"},
    )
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=1000))


class ResultSchema(Schema):
    id = ma.fields.Integer()
    inspection_id = ma.fields.Integer()
    code = ma.fields.String()
    name_zh = ma.fields.String()
    name_en = ma.fields.String()
    category = ma.fields.String()
    severity = ma.fields.String(allow_none=True)
    result = ma.fields.String(metadata={"enum": list(RESULTS)})
    note = ma.fields.String()
    photo_client_ids = ma.fields.List(ma.fields.String())
    notice_id = ma.fields.Integer(allow_none=True)


class InspectionSchema(Schema):
    id = ma.fields.Integer()
    client_id = ma.fields.UUID()
    property_id = ma.fields.Integer()
    renovation_id = ma.fields.Integer()
    checklist_version_id = ma.fields.Integer()
    checklist_version = ma.fields.Integer()
    kind = ma.fields.String()
    inspector_id = ma.fields.Integer()
    inspected_at = fields.AwareDateTime()
    received_at = fields.AwareDateTime()
    local_day = fields.Date()
    outside_hours = ma.fields.Boolean()
    suggested_items = ma.fields.List(ma.fields.String())
    violation_count = ma.fields.Integer()
    note = ma.fields.String()
    finding_id = ma.fields.Integer(allow_none=True)
    results = ma.fields.List(ma.fields.Nested(ResultSchema))


class InspectionSummarySchema(Schema):
    id = ma.fields.Integer()
    client_id = ma.fields.UUID()
    renovation_id = ma.fields.Integer()
    checklist_version_id = ma.fields.Integer()
    kind = ma.fields.String()
    inspector_id = ma.fields.Integer()
    inspected_at = fields.AwareDateTime()
    local_day = fields.Date()
    outside_hours = ma.fields.Boolean()
    violation_count = ma.fields.Integer()


InspectionPageSchema = page_schema(InspectionSummarySchema, "InspectionPageSchema")


class SuggestionArgsSchema(Schema):
    at = fields.AwareDateTime(load_default=None, metadata={"description": "default now"})


class SuggestionSchema(Schema):
    at = fields.AwareDateTime()
    checklist_version_id = ma.fields.Integer()
    checklist_version = ma.fields.Integer()
    outside_hours = ma.fields.Boolean()
    permitted_hours_today = ma.fields.List(ma.fields.List(ma.fields.String()))
    suggested_items = ma.fields.List(ma.fields.String())


class DayArgsSchema(Schema):
    day = fields.Date(load_default=None, metadata={"description": "local day (default today)"})


class LogInspectionSchema(Schema):
    id = ma.fields.Integer()
    inspected_at = fields.AwareDateTime()
    inspector_id = ma.fields.Integer()
    inspector_name = ma.fields.String()
    violation_count = ma.fields.Integer()
    outside_hours = ma.fields.Boolean()


class LogSiteSchema(Schema):
    renovation_id = ma.fields.Integer()
    unit_id = ma.fields.Integer()
    unit_label = ma.fields.String()
    state = ma.fields.String()
    owner_name = ma.fields.String()
    contractor_company = ma.fields.String()
    inspector_id = ma.fields.Integer(allow_none=True)
    inspected = ma.fields.Boolean()
    inspections = ma.fields.List(ma.fields.Nested(LogInspectionSchema))


class PatrolLogSchema(Schema):
    property_id = ma.fields.Integer()
    day = fields.Date()
    sites = ma.fields.List(ma.fields.Nested(LogSiteSchema))
    not_inspected = ma.fields.List(ma.fields.Integer())


class DueSiteSchema(Schema):
    renovation_id = ma.fields.Integer()
    property_id = ma.fields.Integer()
    unit_id = ma.fields.Integer()
    unit_label = ma.fields.String()
    state = ma.fields.String()
    day = fields.Date()
    owner_name = ma.fields.String()
    inspector_id = ma.fields.Integer(allow_none=True)


class DueSiteListSchema(Schema):
    items = ma.fields.List(ma.fields.Nested(DueSiteSchema), required=True)
