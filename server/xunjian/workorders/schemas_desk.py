"""Schemas for the visit queue and batch, notifications, escalations, metrics and webhooks."""

from __future__ import annotations

import marshmallow as ma

from ..web import fields
from ..web.pagination import PageArgsSchema, page_schema
from ..web.smorest import Schema
from .models import DELIVERY_STATES, ESCALATION_LEVELS
from .schemas import EscalationSchema
from .webhooks import EVENT_TYPES

_id = ma.validate.Range(min=1, max=2**31 - 1)


class VisitQueueItemSchema(Schema):
    kind = ma.fields.String(metadata={"description": "work_order or request"})
    id = ma.fields.Integer()
    summary = ma.fields.String()
    since = fields.AwareDateTime(allow_none=True)
    special_follow_up = ma.fields.Boolean()
    due_at = fields.AwareDateTime(allow_none=True)
    unit_id = ma.fields.Integer(allow_none=True)


class VisitQueueSchema(Schema):
    items = ma.fields.List(ma.fields.Nested(VisitQueueItemSchema), required=True)


class LimitArgsSchema(Schema):
    limit = ma.fields.Integer(load_default=100, validate=ma.validate.Range(min=1, max=200))


class BatchArgsSchema(Schema):
    friday = fields.Date(
        metadata={"description": "the Friday of the hand-over; default the latest one"}
    )


class BatchItemSchema(Schema):
    id = ma.fields.Integer()
    state = ma.fields.String()
    category = ma.fields.String()
    description = ma.fields.String()
    done_at = fields.AwareDateTime()
    done_by_id = ma.fields.Integer(allow_none=True)
    visited = ma.fields.Boolean()
    rework_count = ma.fields.Integer()


class BatchSchema(Schema):
    friday = fields.Date()
    window_start = fields.AwareDateTime()
    window_end = fields.AwareDateTime()
    total = ma.fields.Integer()
    visited = ma.fields.Integer()
    items = ma.fields.List(ma.fields.Nested(BatchItemSchema))


# --- notifications ------------------------------------------------------------------------


class NotificationSchema(Schema):
    id = ma.fields.Integer()
    property_id = ma.fields.Integer()
    kind = ma.fields.String()
    message = ma.fields.String()
    message_zh = ma.fields.String()
    work_order_id = ma.fields.Integer(allow_none=True)
    request_id = ma.fields.Integer(allow_none=True)
    created_at = fields.AwareDateTime()
    read_at = fields.AwareDateTime(allow_none=True)


class FeedArgsSchema(Schema):
    after = ma.fields.Integer(
        load_default=None,
        validate=ma.validate.Range(min=0, max=2**62),
        metadata={"description": "the cursor from the last poll: only newer notifications"},
    )
    limit = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=200))
    unread_only = ma.fields.Boolean(load_default=False)


class FeedSchema(Schema):
    items = ma.fields.List(ma.fields.Nested(NotificationSchema), required=True)
    cursor = ma.fields.String(allow_none=True, metadata={"description": "poll with after=this"})
    more = ma.fields.Boolean()
    unread_count = ma.fields.Integer()


class MarkReadSchema(Schema):
    ids = ma.fields.List(
        ma.fields.Integer(validate=_id), load_default=None, validate=ma.validate.Length(max=500)
    )
    up_to = ma.fields.Integer(load_default=None, allow_none=True, validate=_id)


class MarkedSchema(Schema):
    marked = ma.fields.Integer()


# --- Web Push ----------------------------------------------------------------------------


class PushConfigSchema(Schema):
    enabled = ma.fields.Boolean(metadata={"description": "false: no VAPID keys, poll the feed"})
    public_key = ma.fields.String(
        allow_none=True, metadata={"description": "applicationServerKey for pushManager.subscribe"}
    )


class PushKeysSchema(Schema):
    p256dh = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    auth = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100))


class PushSubscribeSchema(Schema):
    """``PushSubscription.toJSON()`` as the browser gives it."""

    endpoint = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=1000))
    keys = ma.fields.Nested(PushKeysSchema, required=True)
    expiration_time = ma.fields.Integer(
        data_key="expirationTime", allow_none=True, load_default=None, load_only=True
    )


class PushUnsubscribeSchema(Schema):
    endpoint = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=1000))


class PushSubscriptionSchema(Schema):
    id = ma.fields.Integer()
    endpoint = ma.fields.String()
    created_at = fields.AwareDateTime()


# --- escalations --------------------------------------------------------------------------


class EscalationArgsSchema(PageArgsSchema):
    property_id = ma.fields.Integer(validate=_id)
    level = ma.fields.String(validate=ma.validate.OneOf(ESCALATION_LEVELS))


EscalationPageSchema = page_schema(EscalationSchema, "EscalationPage")


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
