"""Schemas for night spot checks, storm days and shift handovers."""

from __future__ import annotations

import marshmallow as ma

from ..signatures import MAX_SIGNATURE_DATA_URL_CHARS as _SIGNATURE_CHARS
from ..web import fields
from ..web.pagination import PageArgsSchema, page_schema
from .models import HANDOVER_ITEM_KINDS, HANDOVER_STATES, SPOT_CHECK_STATUSES, STORM_KINDS
from .schemas import Schema
from .staff import DUTY_ROLES

_id = ma.validate.Range(min=1, max=2**31 - 1)
_SIGNATURE_DOC = {
    "description": "PNG as a data URL (data:image/png;base64,…), at most 200 KB of PNG"
}


class SpotCheckCreateSchema(Schema):
    client_id = ma.fields.UUID(load_default=None)
    post = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100))
    guard_user_id = ma.fields.Integer(load_default=None, allow_none=True, validate=_id)
    guard_name = ma.fields.String(
        load_default="",
        validate=ma.validate.Length(max=100),
        metadata={"description": "the guard's name when they have no account"},
    )
    checked_at = fields.AwareDateTime(
        load_default=None, allow_none=True, metadata={"description": "the phone's time"}
    )
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(SPOT_CHECK_STATUSES))
    remarks = ma.fields.String(load_default="", validate=ma.validate.Length(max=1000))
    photo_client_ids = ma.fields.List(
        ma.fields.UUID(), load_default=list, validate=ma.validate.Length(max=10)
    )
    checker_signature = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=_SIGNATURE_CHARS),
        metadata=_SIGNATURE_DOC,
    )
    guard_signature = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=ma.validate.Length(min=1, max=_SIGNATURE_CHARS),
        metadata=_SIGNATURE_DOC,
    )


class SpotCheckSchema(Schema):
    id = ma.fields.Integer(dump_only=True)
    client_id = ma.fields.UUID(dump_only=True, allow_none=True)
    property_id = ma.fields.Integer(dump_only=True)
    checker_id = ma.fields.Integer(dump_only=True)
    post = ma.fields.String(dump_only=True)
    guard_user_id = ma.fields.Integer(dump_only=True, allow_none=True)
    guard_name = ma.fields.String(dump_only=True)
    checked_at = fields.AwareDateTime(dump_only=True)
    received_at = fields.AwareDateTime(dump_only=True)
    status = ma.fields.String(dump_only=True)
    remarks = ma.fields.String(dump_only=True)
    photo_client_ids = ma.fields.List(ma.fields.String(), dump_only=True)
    checker_signature_key = ma.fields.String(dump_only=True)
    checker_signature_sha256 = ma.fields.String(dump_only=True)
    guard_signature_key = ma.fields.String(dump_only=True, allow_none=True)
    guard_signature_sha256 = ma.fields.String(dump_only=True, allow_none=True)


class SpotCheckQueryArgsSchema(Schema, PageArgsSchema):
    month = fields.Month(
        metadata={"description": "YYYY-MM, local to the property"},
    )


class SpotCheckSignaturesSchema(Schema):
    checker_url = ma.fields.String(required=True, metadata={"description": "presigned GET"})
    guard_url = ma.fields.String(allow_none=True, required=True)
    expires_in = ma.fields.Integer(required=True, metadata={"description": "seconds"})


class StormDaySchema(Schema):
    id = ma.fields.Integer(dump_only=True)
    client_id = ma.fields.UUID(load_default=None, load_only=True)
    property_id = ma.fields.Integer(dump_only=True)
    day = fields.Date(required=True)
    kind = ma.fields.String(load_default="typhoon", validate=ma.validate.OneOf(STORM_KINDS))
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))


class StormDayQueryArgsSchema(Schema, PageArgsSchema):
    year = ma.fields.Integer(validate=ma.validate.Range(min=2000, max=2100))


class ComplianceArgsSchema(Schema):
    month = fields.Month(
        metadata={"description": "YYYY-MM; default this month in the property's time zone"},
    )


class ComplianceSchema(Schema):
    property_id = ma.fields.Integer(required=True)
    month = ma.fields.String(required=True)
    quota = ma.fields.Integer(required=True)
    storm_days = ma.fields.List(fields.Date(), required=True)
    required = ma.fields.Integer(required=True)
    checks = ma.fields.Integer(required=True)
    storm_days_covered = ma.fields.List(fields.Date(), required=True)
    storm_days_uncovered = ma.fields.List(fields.Date(), required=True)
    checks_towards_quota = ma.fields.Integer(
        required=True, metadata={"description": "night checks not used to cover a storm day"}
    )
    daytime_checks = ma.fields.Integer(
        required=True,
        metadata={"description": "checks outside the night hours: recorded, not counted"},
    )
    short_by = ma.fields.Integer(required=True)
    compliant = ma.fields.Boolean(required=True)


class ShortPropertySchema(ComplianceSchema):
    property_code = ma.fields.String(required=True)
    property_name_zh = ma.fields.String(required=True)


class ShortListSchema(Schema):
    items = ma.fields.List(ma.fields.Nested(ShortPropertySchema), required=True)


# --- duty staff ---------------------------------------------------------------------------


class DutyStaffQueryArgsSchema(Schema):
    role = ma.fields.String(
        validate=ma.validate.OneOf(DUTY_ROLES),
        metadata={"description": "only people holding this duty role (e.g. guard)"},
    )


class DutyStaffSchema(Schema):
    id = ma.fields.Integer(required=True)
    display_name = ma.fields.String(required=True)
    roles = ma.fields.List(
        ma.fields.String(),
        required=True,
        metadata={"description": "their duty roles at this property"},
    )


class DutyStaffListSchema(Schema):
    items = ma.fields.List(ma.fields.Nested(DutyStaffSchema), required=True)


# --- handovers ----------------------------------------------------------------------------


class HandoverItemSchema(Schema):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(HANDOVER_ITEM_KINDS))
    description = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))
    count = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=100000))


_items_length = ma.validate.Length(max=200)
_matters = ma.fields.String(validate=ma.validate.Length(max=500))


class HandoverCreateSchema(Schema):
    client_id = ma.fields.UUID(load_default=None)
    outgoing_user_id = ma.fields.Integer(required=True, validate=_id)
    incoming_user_id = ma.fields.Integer(required=True, validate=_id)
    shift = ma.fields.String(
        load_default="",
        validate=ma.validate.Length(max=60),
        metadata={"description": "e.g. 白班→夜班"},
    )
    items = ma.fields.List(
        ma.fields.Nested(HandoverItemSchema), load_default=list, validate=_items_length
    )
    open_matters = ma.fields.List(_matters, load_default=list, validate=ma.validate.Length(max=50))
    outgoing_device_id = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=ma.validate.Length(max=100),
        metadata={"description": "the outgoing phone; omitted: every phone they last used"},
    )


class HandoverPatchSchema(Schema):
    outgoing_user_id = ma.fields.Integer(validate=_id)
    incoming_user_id = ma.fields.Integer(validate=_id)
    shift = ma.fields.String(validate=ma.validate.Length(max=60))
    items = ma.fields.List(ma.fields.Nested(HandoverItemSchema), validate=_items_length)
    open_matters = ma.fields.List(_matters, validate=ma.validate.Length(max=50))
    outgoing_device_id = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=100))


class HandoverConfirmSchema(Schema):
    device_id = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=ma.validate.Length(max=100),
        metadata={"description": "the outgoing person's phone (outgoing confirmation only)"},
    )


class HandoverPendingPhotoSchema(Schema):
    client_id = ma.fields.String(required=True)
    device_id = ma.fields.String(required=True)
    captured_at = ma.fields.Raw(allow_none=True)
    context_type = ma.fields.String(allow_none=True)
    context_id = ma.fields.String(allow_none=True)


class HandoverSchema(Schema):
    id = ma.fields.Integer(dump_only=True)
    client_id = ma.fields.UUID(dump_only=True, allow_none=True)
    property_id = ma.fields.Integer(dump_only=True)
    created_by_id = ma.fields.Integer(dump_only=True)
    outgoing_user_id = ma.fields.Integer(dump_only=True)
    incoming_user_id = ma.fields.Integer(dump_only=True)
    shift = ma.fields.String(dump_only=True)
    state = ma.fields.String(dump_only=True, metadata={"enum": list(HANDOVER_STATES)})
    items = ma.fields.List(ma.fields.Nested(HandoverItemSchema), dump_only=True)
    open_matters = ma.fields.List(ma.fields.String(), dump_only=True)
    outgoing_device_id = ma.fields.String(dump_only=True, allow_none=True)
    outgoing_confirmed_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    completed_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    pending_photo_count = ma.fields.Integer(
        dump_only=True,
        metadata={"description": "photos still on the outgoing phone at completion (exception)"},
    )
    pending_photos = ma.fields.List(
        ma.fields.Nested(HandoverPendingPhotoSchema),
        dump_only=True,
        metadata={"description": "recorded at completion: the exception (empty = none)"},
    )
    pending_now = ma.fields.List(
        ma.fields.Nested(HandoverPendingPhotoSchema),
        dump_only=True,
        metadata={"description": "before completion: what the outgoing phone still holds"},
    )
    created_at = fields.AwareDateTime(dump_only=True)
    version = ma.fields.Integer(dump_only=True)


class HandoverQueryArgsSchema(Schema, PageArgsSchema):
    state = ma.fields.String(validate=ma.validate.OneOf(HANDOVER_STATES))


SpotCheckPageSchema = page_schema(SpotCheckSchema, "SpotCheckPageSchema")
StormDayPageSchema = page_schema(StormDaySchema, "StormDayPageSchema")
HandoverPageSchema = page_schema(HandoverSchema, "HandoverPageSchema")
