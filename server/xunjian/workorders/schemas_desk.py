"""Schemas for the visit queue and batch, notifications and escalations."""

from __future__ import annotations

import marshmallow as ma

from ..web import fields
from ..web.pagination import PageArgsSchema, page_schema
from ..web.smorest import Schema
from .models import ESCALATION_LEVELS
from .schemas import EscalationSchema

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
