"""Schemas of the work-order admin views: metrics and their export, outbound webhooks and
their delivery log."""

from __future__ import annotations

import marshmallow as ma

from ..web import fields
from ..web.pagination import PageArgsSchema, page_schema
from ..web.smorest import Schema
from .models import DELIVERY_STATES
from .webhooks import EVENT_TYPES

# --- metrics ------------------------------------------------------------------------------


class MetricsArgsSchema(Schema):
    month = fields.Month(
        metadata={"description": "YYYY-MM (or give start and end)"},
    )
    start = fields.Date(metadata={"description": "first local day"})
    end = fields.Date(metadata={"description": "last local day (inclusive)"})


class ExportArgsSchema(MetricsArgsSchema):
    format = ma.fields.String(load_default="xlsx", validate=ma.validate.OneOf(("csv", "xlsx")))


class RateSchema(Schema):
    numerator = ma.fields.Integer()
    denominator = ma.fields.Integer()
    rate = ma.fields.Float(allow_none=True)
    target = ma.fields.Float()
    target_op = ma.fields.String()
    meets_target = ma.fields.Boolean(allow_none=True)


class OnTimeSchema(RateSchema):
    late = ma.fields.Integer()


class MetricsSchema(Schema):
    property_id = ma.fields.Integer()
    start = fields.Date()
    end = fields.Date()
    as_of = fields.AwareDateTime()
    on_time = ma.fields.Nested(OnTimeSchema)
    rework = ma.fields.Nested(RateSchema)
    visit_repairs = ma.fields.Nested(RateSchema)
    visit_complaints = ma.fields.Nested(RateSchema)
    backlog = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    backlog_total = ma.fields.Integer()


# --- webhooks -----------------------------------------------------------------------------

_events = ma.fields.List(
    ma.fields.String(validate=ma.validate.OneOf(EVENT_TYPES)),
    validate=ma.validate.Length(min=1, max=len(EVENT_TYPES)),
)


class WebhookCreateSchema(Schema):
    client_id = ma.fields.UUID(load_default=None)
    url = ma.fields.String(required=True, validate=ma.validate.Length(min=8, max=500))
    event_types = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(EVENT_TYPES)),
        required=True,
        validate=ma.validate.Length(min=1, max=len(EVENT_TYPES)),
    )
    description = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))


class WebhookPatchSchema(Schema):
    url = ma.fields.String(validate=ma.validate.Length(min=8, max=500))
    event_types = _events
    active = ma.fields.Boolean()
    description = ma.fields.String(validate=ma.validate.Length(max=200))
    rotate_secret = ma.fields.Boolean(metadata={"description": "issue a new secret"})


class WebhookSchema(Schema):
    id = ma.fields.Integer()
    property_id = ma.fields.Integer()
    url = ma.fields.String()
    event_types = ma.fields.List(ma.fields.String())
    active = ma.fields.Boolean()
    description = ma.fields.String()
    created_by_id = ma.fields.Integer()
    created_at = fields.AwareDateTime()
    version = ma.fields.Integer()


class WebhookWithSecretSchema(WebhookSchema):
    secret = ma.fields.String(
        metadata={"description": "HMAC-SHA256 key; shown on creation and rotation only"}
    )


WebhookPageSchema = page_schema(WebhookSchema, "WebhookPage")


class DeliveryAttemptSchema(Schema):
    attempt = ma.fields.Integer()
    at = ma.fields.String()
    status_code = ma.fields.Integer(allow_none=True)
    error = ma.fields.String()
    duration_ms = ma.fields.Integer()


class DeliverySchema(Schema):
    id = ma.fields.Integer()
    event_id = ma.fields.UUID()
    endpoint_id = ma.fields.Integer()
    event_type = ma.fields.String()
    created_at = fields.AwareDateTime()
    state = ma.fields.String(validate=ma.validate.OneOf(DELIVERY_STATES))
    attempts = ma.fields.Integer()
    next_attempt_at = fields.AwareDateTime(allow_none=True)
    last_attempt_at = fields.AwareDateTime(allow_none=True)
    last_status_code = ma.fields.Integer(allow_none=True)
    last_error = ma.fields.String()
    delivered_at = fields.AwareDateTime(allow_none=True)
    log = ma.fields.List(ma.fields.Nested(DeliveryAttemptSchema))


DeliveryPageSchema = page_schema(DeliverySchema, "DeliveryPage")


class DeliveryArgsSchema(PageArgsSchema):
    state = ma.fields.String(validate=ma.validate.OneOf(DELIVERY_STATES))
