"""Schemas for requests, work orders, completions and return visits."""

from __future__ import annotations

import marshmallow as ma

from ..signatures import MAX_SIGNATURE_DATA_URL_CHARS
from ..web import fields
from ..web.pagination import PageArgsSchema, page_schema
from ..web.smorest import Schema
from .models import (
    CATEGORIES,
    CHANNELS,
    COMPLAINT_FORMS,
    COMPLETION_STATES,
    ORDER_STATES,
    PRIORITIES,
    REQUEST_KINDS,
    REQUEST_STATES,
    VISIT_METHODS,
)

_id = ma.validate.Range(min=1, max=2**31 - 1)
_SIGNATURE = {
    "validate": ma.validate.Length(min=1, max=MAX_SIGNATURE_DATA_URL_CHARS),
    "metadata": {"description": "PNG as a data URL (data:image/png;base64,…), at most 200 KB"},
}
_rating = ma.validate.Range(min=1, max=5)


def _text(limit: int, **kw: object) -> ma.fields.String:
    return ma.fields.String(load_default="", validate=ma.validate.Length(max=limit), **kw)  # type: ignore[arg-type]


class PlaceSchema(Schema):
    building_name = ma.fields.String(allow_none=True)
    floor_name = ma.fields.String(allow_none=True)
    unit_number = ma.fields.String(allow_none=True)
    text = ma.fields.String()
    directions = ma.fields.String(metadata={"description": "e.g. 1栋 2F 201"})
    directions_en = ma.fields.String()
    latitude = ma.fields.Float(allow_none=True)
    longitude = ma.fields.Float(allow_none=True)
    inside_unit = ma.fields.Boolean()


# --- requests -----------------------------------------------------------------------------


class RequestCreateSchema(Schema):
    client_id = ma.fields.UUID(load_default=None)
    property_id = ma.fields.Integer(required=True, validate=_id)
    channel = ma.fields.String(required=True, validate=ma.validate.OneOf(CHANNELS))
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(REQUEST_KINDS))
    complaint_form = ma.fields.String(
        load_default=None, allow_none=True, validate=ma.validate.OneOf(COMPLAINT_FORMS)
    )
    owner_name = _text(100)
    owner_phone = _text(40)
    building_id = ma.fields.Integer(load_default=None, allow_none=True, validate=_id)
    floor_id = ma.fields.Integer(load_default=None, allow_none=True, validate=_id)
    unit_id = ma.fields.Integer(load_default=None, allow_none=True, validate=_id)
    place_text = _text(200)
    matter = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2000))
    repeat_of_id = ma.fields.Integer(
        load_default=None,
        allow_none=True,
        validate=_id,
        metadata={"description": "link to the first report; found automatically when omitted"},
    )
    received_at = fields.AwareDateTime(
        load_default=None, allow_none=True, metadata={"description": "the phone's time"}
    )


class RequestSchema(Schema):
    id = ma.fields.Integer()
    property_id = ma.fields.Integer()
    channel = ma.fields.String()
    kind = ma.fields.String()
    complaint_form = ma.fields.String(allow_none=True)
    owner_name = ma.fields.String()
    owner_phone = ma.fields.String()
    building_id = ma.fields.Integer(allow_none=True)
    floor_id = ma.fields.Integer(allow_none=True)
    unit_id = ma.fields.Integer(allow_none=True)
    place_text = ma.fields.String()
    matter = ma.fields.String()
    received_by_id = ma.fields.Integer()
    received_at = fields.AwareDateTime()
    recorded_at = fields.AwareDateTime()
    responsible_id = ma.fields.Integer(metadata={"description": "the first receiver"})
    repeat_of_id = ma.fields.Integer(allow_none=True)
    repeat_count = ma.fields.Integer(metadata={"description": "later reports of this matter"})
    reply_due_at = fields.AwareDateTime(allow_none=True)
    reply_overdue = ma.fields.Boolean(
        metadata={"description": "not replied by the deadline, or replied after it (stays true)"}
    )
    replied_at = fields.AwareDateTime(allow_none=True)
    replied_by_id = ma.fields.Integer(allow_none=True)
    reply_note = ma.fields.String()
    state = ma.fields.String()
    handled_at = fields.AwareDateTime(allow_none=True)
    handled_by_id = ma.fields.Integer(allow_none=True)
    handling_note = ma.fields.String()
    follow_up_due_at = fields.AwareDateTime(allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)
    closed_by_id = ma.fields.Integer(allow_none=True)
    close_reason = ma.fields.String()
    escalated_to = ma.fields.String(allow_none=True)
    work_order_ids = ma.fields.List(
        ma.fields.Integer(),
        metadata={
            "description": "work orders made from this request, oldest first (empty: none yet); "
            "a phone offers dispatching only when empty"
        },
    )
    version = ma.fields.Integer()


RequestPageSchema = page_schema(RequestSchema, "RequestPage")


class RequestQueryArgsSchema(PageArgsSchema):
    property_id = ma.fields.Integer(validate=_id)
    state = ma.fields.String(validate=ma.validate.OneOf(REQUEST_STATES))
    kind = ma.fields.String(validate=ma.validate.OneOf(REQUEST_KINDS))
    channel = ma.fields.String(validate=ma.validate.OneOf(CHANNELS))
    unit_id = ma.fields.Integer(validate=_id)
    repeat_of_id = ma.fields.Integer(validate=_id)
    reply_overdue = ma.fields.Boolean(
        metadata={"description": "complaints not replied by their deadline or replied late"}
    )


class RequestNoteSchema(Schema):
    note = _text(1000)


class WorkReasonSchema(Schema):
    reason = _text(1000)


# --- work orders --------------------------------------------------------------------------


class WorkOrderCreateSchema(Schema):
    client_id = ma.fields.UUID(load_default=None)
    property_id = ma.fields.Integer(required=True, validate=_id)
    request_id = ma.fields.Integer(load_default=None, allow_none=True, validate=_id)
    finding_id = ma.fields.Integer(
        load_default=None,
        allow_none=True,
        validate=_id,
        metadata={"description": "a patrol finding to take over (its note, photos, place)"},
    )
    category = ma.fields.String(required=True, validate=ma.validate.OneOf(CATEGORIES))
    priority = ma.fields.String(load_default="normal", validate=ma.validate.OneOf(PRIORITIES))
    description = _text(2000)
    building_id = ma.fields.Integer(load_default=None, allow_none=True, validate=_id)
    floor_id = ma.fields.Integer(load_default=None, allow_none=True, validate=_id)
    unit_id = ma.fields.Integer(load_default=None, allow_none=True, validate=_id)
    place_text = _text(200)
    before_photo_client_ids = ma.fields.List(
        ma.fields.UUID(), load_default=list, validate=ma.validate.Length(max=20)
    )
    assignee_id = ma.fields.Integer(load_default=None, allow_none=True, validate=_id)
    team = ma.fields.String(
        load_default=None, allow_none=True, validate=ma.validate.Length(min=1, max=40)
    )


class WorkOrderPatchSchema(Schema):
    category = ma.fields.String(validate=ma.validate.OneOf(CATEGORIES))
    priority = ma.fields.String(validate=ma.validate.OneOf(PRIORITIES))
    description = ma.fields.String(validate=ma.validate.Length(min=1, max=2000))
    building_id = ma.fields.Integer(allow_none=True, validate=_id)
    floor_id = ma.fields.Integer(allow_none=True, validate=_id)
    unit_id = ma.fields.Integer(allow_none=True, validate=_id)
    place_text = ma.fields.String(validate=ma.validate.Length(max=200))
    before_photo_client_ids = ma.fields.List(ma.fields.UUID(), validate=ma.validate.Length(max=20))


class AssignSchema(Schema):
    assignee_id = ma.fields.Integer(load_default=None, allow_none=True, validate=_id)
    team = ma.fields.String(
        load_default=None, allow_none=True, validate=ma.validate.Length(min=1, max=40)
    )
    note = _text(500)


class WorkOrderSchema(Schema):
    id = ma.fields.Integer()
    property_id = ma.fields.Integer()
    source = ma.fields.String()
    request_id = ma.fields.Integer(allow_none=True)
    finding_id = ma.fields.Integer(allow_none=True)
    category = ma.fields.String()
    priority = ma.fields.String()
    description = ma.fields.String()
    building_id = ma.fields.Integer(allow_none=True)
    floor_id = ma.fields.Integer(allow_none=True)
    unit_id = ma.fields.Integer(allow_none=True)
    place_text = ma.fields.String()
    place = ma.fields.Nested(PlaceSchema)
    before_photo_client_ids = ma.fields.List(ma.fields.String())
    state = ma.fields.String(validate=ma.validate.OneOf(ORDER_STATES))
    allowed_events = ma.fields.List(
        ma.fields.String(), metadata={"description": "transitions possible from this state"}
    )
    created_by_id = ma.fields.Integer()
    created_at = fields.AwareDateTime()
    response_due_at = fields.AwareDateTime()
    completion_due_at = fields.AwareDateTime()
    response_overdue = ma.fields.Boolean()
    completion_overdue = ma.fields.Boolean()
    assignee_id = ma.fields.Integer(allow_none=True)
    team = ma.fields.String(allow_none=True)
    assigned_at = fields.AwareDateTime(allow_none=True)
    assigned_by_id = ma.fields.Integer(allow_none=True)
    accepted_at = fields.AwareDateTime(allow_none=True)
    first_accepted_at = fields.AwareDateTime(allow_none=True)
    on_site_at = fields.AwareDateTime(allow_none=True)
    paused_at = fields.AwareDateTime(allow_none=True)
    pause_reason = ma.fields.String()
    last_return_reason = ma.fields.String()
    done_at = fields.AwareDateTime(allow_none=True)
    first_done_at = fields.AwareDateTime(allow_none=True)
    done_by_id = ma.fields.Integer(allow_none=True)
    verified_at = fields.AwareDateTime(allow_none=True)
    verified_by_id = ma.fields.Integer(allow_none=True)
    visited_at = fields.AwareDateTime(allow_none=True)
    rework_count = ma.fields.Integer()
    rework_due_at = fields.AwareDateTime(allow_none=True)
    rework_reason = ma.fields.String()
    closed_at = fields.AwareDateTime(allow_none=True)
    closed_by_id = ma.fields.Integer(allow_none=True)
    close_reason = ma.fields.String()
    escalated_to = ma.fields.String(allow_none=True)
    late_completions = ma.fields.Integer(
        metadata={"description": "reports kept after reassignment, awaiting the front desk"}
    )
    version = ma.fields.Integer()
    etag = ma.fields.String(
        metadata={
            "description": "the order's ETag, as in the ETag header of GET /workorders/{id}: "
            "send it as If-Match to act on a listed order without reading it first"
        }
    )


WorkOrderPageSchema = page_schema(WorkOrderSchema, "WorkOrderPage")


class WorkOrderQueryArgsSchema(PageArgsSchema):
    property_id = ma.fields.Integer(validate=_id)
    state = ma.fields.String(validate=ma.validate.OneOf(ORDER_STATES))
    priority = ma.fields.String(validate=ma.validate.OneOf(PRIORITIES))
    category = ma.fields.String(validate=ma.validate.OneOf(CATEGORIES))
    assignee_id = ma.fields.Integer(validate=_id)
    request_id = ma.fields.Integer(validate=_id)
    open = ma.fields.Boolean(metadata={"description": "engineering has not finished"})
    overdue = ma.fields.Boolean(
        metadata={
            "description": "past the response or completion target at the server's now "
            "(response_overdue or completion_overdue); false: neither"
        }
    )


class WorkQueueArgsSchema(Schema):
    property_id = ma.fields.Integer(validate=_id)
    limit = ma.fields.Integer(load_default=100, validate=ma.validate.Range(min=1, max=200))


class WorkQueueSchema(Schema):
    items = ma.fields.List(ma.fields.Nested(WorkOrderSchema), required=True)


class PartSchema(Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100))
    quantity = ma.fields.Float(load_default=1, validate=ma.validate.Range(min=0, max=100000))
    unit = _text(20)


class WorkCompletionCreateSchema(Schema):
    client_id = ma.fields.UUID(load_default=None)
    work_notes = _text(2000)
    parts = ma.fields.List(
        ma.fields.Nested(PartSchema), load_default=list, validate=ma.validate.Length(max=50)
    )
    after_photo_client_ids = ma.fields.List(
        ma.fields.UUID(), load_default=list, validate=ma.validate.Length(max=20)
    )
    device_time = fields.AwareDateTime(
        load_default=None, allow_none=True, metadata={"description": "when the phone recorded it"}
    )
    owner_signature = ma.fields.String(load_default=None, allow_none=True, **_SIGNATURE)  # type: ignore[arg-type]


class WorkCompletionSchema(Schema):
    id = ma.fields.Integer()
    property_id = ma.fields.Integer()
    work_order_id = ma.fields.Integer()
    engineer_id = ma.fields.Integer()
    device_time = fields.AwareDateTime(allow_none=True)
    done_at = fields.AwareDateTime()
    received_at = fields.AwareDateTime()
    work_notes = ma.fields.String()
    parts = ma.fields.List(ma.fields.Nested(PartSchema))
    after_photo_client_ids = ma.fields.List(ma.fields.String())
    after_photos = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Integer(),
        metadata={"description": "client id → evidence id of the photos that have arrived"},
    )
    owner_signature_sha256 = ma.fields.String(allow_none=True)
    status = ma.fields.String(validate=ma.validate.OneOf(COMPLETION_STATES))
    applied = ma.fields.Boolean(metadata={"description": "false: kept for the front desk"})
    late_reason = ma.fields.String()
    resolved_at = fields.AwareDateTime(allow_none=True)
    resolved_by_id = ma.fields.Integer(allow_none=True)
    resolution_note = ma.fields.String()
    version = ma.fields.Integer()


WorkCompletionPageSchema = page_schema(WorkCompletionSchema, "WorkCompletionPage")


class LateCompletionArgsSchema(PageArgsSchema):
    property_id = ma.fields.Integer(validate=_id)
    status = ma.fields.String(
        load_default="late_pending", validate=ma.validate.OneOf(COMPLETION_STATES)
    )


class ResolveSchema(Schema):
    decision = ma.fields.String(required=True, validate=ma.validate.OneOf(("adopt", "dismiss")))
    note = _text(500)


class WorkAssignmentSchema(Schema):
    id = ma.fields.Integer()
    assignee_id = ma.fields.Integer(allow_none=True)
    team = ma.fields.String(allow_none=True)
    assigned_by_id = ma.fields.Integer()
    assigned_at = fields.AwareDateTime()
    ended_at = fields.AwareDateTime(allow_none=True)
    end_reason = ma.fields.String(allow_none=True)
    note = ma.fields.String()


class EscalationSchema(Schema):
    id = ma.fields.Integer()
    property_id = ma.fields.Integer()
    work_order_id = ma.fields.Integer(allow_none=True)
    request_id = ma.fields.Integer(allow_none=True)
    level = ma.fields.String()
    due_at = fields.AwareDateTime()
    escalated_at = fields.AwareDateTime()
    notified_user_ids = ma.fields.List(ma.fields.Integer())


# --- return visits ------------------------------------------------------------------------


class VisitCreateSchema(Schema):
    client_id = ma.fields.UUID(load_default=None)
    method = ma.fields.String(required=True, validate=ma.validate.OneOf(VISIT_METHODS))
    attitude = ma.fields.Integer(required=True, strict=True, validate=_rating)
    speed = ma.fields.Integer(required=True, strict=True, validate=_rating)
    quality = ma.fields.Integer(required=True, strict=True, validate=_rating)
    result = ma.fields.Integer(required=True, strict=True, validate=_rating)
    satisfied = ma.fields.Boolean(
        load_default=None,
        allow_none=True,
        metadata={"description": "default: satisfied when no rating is below 3"},
    )
    comment = _text(1000)
    owner_signature = ma.fields.String(load_default=None, allow_none=True, **_SIGNATURE)  # type: ignore[arg-type]
    visited_at = fields.AwareDateTime(load_default=None, allow_none=True)


class VisitSchema(Schema):
    id = ma.fields.Integer()
    property_id = ma.fields.Integer()
    work_order_id = ma.fields.Integer(allow_none=True)
    request_id = ma.fields.Integer(allow_none=True)
    method = ma.fields.String()
    visitor_id = ma.fields.Integer()
    visited_at = fields.AwareDateTime()
    attitude = ma.fields.Integer()
    speed = ma.fields.Integer()
    quality = ma.fields.Integer()
    result = ma.fields.Integer()
    satisfied = ma.fields.Boolean()
    comment = ma.fields.String()
    special_follow_up = ma.fields.Boolean()
    owner_signature_sha256 = ma.fields.String(allow_none=True)


class WorkOrderDetailSchema(WorkOrderSchema):
    before_photos = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    completion = ma.fields.Nested(WorkCompletionSchema, allow_none=True)
    completions = ma.fields.List(ma.fields.Nested(WorkCompletionSchema))
    assignments = ma.fields.List(ma.fields.Nested(WorkAssignmentSchema))
    escalations = ma.fields.List(ma.fields.Nested(EscalationSchema))
    visits = ma.fields.List(ma.fields.Nested(VisitSchema))
