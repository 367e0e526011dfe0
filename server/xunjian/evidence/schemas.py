"""Schemas for photo evidence, device heartbeats and the loan register."""

from __future__ import annotations

import marshmallow as ma

from ..web import fields
from ..web.pagination import PageArgsSchema, page_schema
from ..web.smorest import Schema
from .models import CONTEXT_TYPES, LOAN_ITEM_KINDS, REVIEW_STATES

_id = ma.validate.Range(min=1, max=2**31 - 1)
_sha256 = ma.validate.Regexp(r"^[0-9a-fA-F]{64}$", error="64 hexadecimal characters")


class UploadSchema(Schema):
    """One multipart body: the original photo and what the phone knows about it."""

    file = fields.File(
        required=True, metadata={"description": "the original photo bytes (JPEG, PNG)"}
    )
    client_id = ma.fields.UUID(
        required=True, metadata={"description": "the phone's id for this photo"}
    )
    sha256 = ma.fields.String(
        required=True,
        validate=_sha256,
        metadata={"description": "computed on the phone at capture"},
    )
    property_id = ma.fields.Integer(required=True, validate=_id)
    context_type = ma.fields.String(required=True, validate=ma.validate.OneOf(CONTEXT_TYPES))
    context_id = ma.fields.String(load_default="", validate=ma.validate.Length(max=60))
    captured_at = fields.AwareDateTime(
        load_default=None, metadata={"description": "the phone's time at capture, with offset"}
    )
    device_id = ma.fields.String(load_default="", validate=ma.validate.Length(max=100))
    latitude = ma.fields.Float(
        load_default=None, allow_none=True, validate=ma.validate.Range(min=-90, max=90)
    )
    longitude = ma.fields.Float(
        load_default=None, allow_none=True, validate=ma.validate.Range(min=-180, max=180)
    )
    accuracy_m = ma.fields.Float(
        load_default=None, allow_none=True, validate=ma.validate.Range(min=0, max=100_000)
    )
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=500))

    @ma.validates_schema
    def _both_or_neither(self, data: dict[str, object], **_: object) -> None:
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            raise ma.ValidationError("give both latitude and longitude, or neither", "latitude")


class FlagSchema(Schema):
    code = ma.fields.String(required=True)
    reason = ma.fields.String(required=True)
    reason_zh = ma.fields.String(required=True)


class EvidenceSchema(Schema):
    id = ma.fields.Integer(required=True)
    client_id = ma.fields.UUID(required=True)
    property_id = ma.fields.Integer(required=True)
    uploaded_by_id = ma.fields.Integer(required=True)
    device_id = ma.fields.String(required=True)
    context_type = ma.fields.String(required=True)
    context_id = ma.fields.String(required=True)
    note = ma.fields.String(required=True)
    sha256 = ma.fields.String(
        required=True, metadata={"description": "the phone deletes its copy only when this matches"}
    )
    size_bytes = ma.fields.Integer(required=True)
    mime = ma.fields.String(required=True)
    width = ma.fields.Integer(required=True)
    height = ma.fields.Integer(required=True)
    derivatives_state = ma.fields.String(required=True)
    derivatives_ready = ma.fields.Function(lambda e: e.derivatives_state == "ready", required=True)
    received_at = fields.AwareDateTime(required=True)
    captured_at = fields.AwareDateTime(allow_none=True, required=True)
    exif_taken_at = fields.AwareDateTime(allow_none=True, required=True)
    latitude = ma.fields.Float(allow_none=True, required=True)
    longitude = ma.fields.Float(allow_none=True, required=True)
    accuracy_m = ma.fields.Float(allow_none=True, required=True)
    exif_latitude = ma.fields.Float(allow_none=True, required=True)
    exif_longitude = ma.fields.Float(allow_none=True, required=True)
    flags = ma.fields.List(ma.fields.Nested(FlagSchema), required=True)
    review_status = ma.fields.String(required=True)
    reviewed_by_id = ma.fields.Integer(allow_none=True, required=True)
    reviewed_at = fields.AwareDateTime(allow_none=True, required=True)
    review_reason = ma.fields.String(required=True)
    short_code = ma.fields.String(required=True)
    chain_seq = ma.fields.Integer(allow_none=True, required=True)
    version = ma.fields.Integer(required=True)


class EvidenceQueryArgsSchema(PageArgsSchema):
    property_id = ma.fields.Integer(validate=_id)
    day = fields.Date(metadata={"description": "local date of receipt at the property"})
    uploaded_by_id = ma.fields.Integer(validate=_id)
    context_type = ma.fields.String(validate=ma.validate.OneOf(CONTEXT_TYPES))
    context_id = ma.fields.String(validate=ma.validate.Length(max=60))
    review_status = ma.fields.String(validate=ma.validate.OneOf(REVIEW_STATES))
    flagged = ma.fields.Boolean(
        metadata={"description": "only photos with (true) or without (false) flags"}
    )
    flag = ma.fields.String(
        validate=ma.validate.Length(max=40), metadata={"description": "only this flag code"}
    )


class ReviewSchema(Schema):
    decision = ma.fields.String(
        required=True, validate=ma.validate.OneOf(["accepted", "rejected", "exemplary"])
    )
    reason = ma.fields.String(load_default="", validate=ma.validate.Length(max=500))


class UrlsSchema(Schema):
    original = ma.fields.String(required=True)
    display = ma.fields.String(allow_none=True, required=True)
    thumb = ma.fields.String(allow_none=True, required=True)
    expires_in = ma.fields.Integer(required=True)


class PublicKeySchema(Schema):
    algorithm = ma.fields.String(required=True)
    public_key = ma.fields.String(
        required=True, metadata={"description": "raw Ed25519 key, base64"}
    )
    key_id = ma.fields.String(required=True)


class VerificationSchema(Schema):
    short_code = ma.fields.String(required=True)
    sha256 = ma.fields.String(required=True)
    property_name = ma.fields.String(required=True)
    context_type = ma.fields.String(required=True)
    received_at = fields.AwareDateTime(required=True)
    captured_at = fields.AwareDateTime(allow_none=True, required=True)
    exif_taken_at = fields.AwareDateTime(allow_none=True, required=True)
    latitude = ma.fields.Float(allow_none=True, required=True)
    longitude = ma.fields.Float(allow_none=True, required=True)
    taken_by = ma.fields.String(required=True)
    signature_valid = ma.fields.Boolean(required=True)
    chain_seq = ma.fields.Integer(allow_none=True, required=True)
    chain_entry_hash = ma.fields.String(allow_none=True, required=True)
    key_id = ma.fields.String(required=True)


class HeartbeatSchema(Schema):
    device_id = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100))
    outbox_count = ma.fields.Integer(
        load_default=0, validate=ma.validate.Range(min=0, max=1_000_000)
    )
    pending_photo_count = ma.fields.Integer(
        load_default=0, validate=ma.validate.Range(min=0, max=1_000_000)
    )
    oldest_pending_at = fields.AwareDateTime(load_default=None, allow_none=True)
    pending_photos = ma.fields.List(
        ma.fields.Dict(keys=ma.fields.String(validate=ma.validate.Length(max=40))),
        load_default=list,
        validate=ma.validate.Length(max=500),
        metadata={"description": "[{client_id, captured_at, context_type, context_id}]"},
    )
    battery_level = ma.fields.Float(
        load_default=None, allow_none=True, validate=ma.validate.Range(min=0, max=1)
    )
    storage_free_bytes = ma.fields.Integer(
        load_default=None, allow_none=True, validate=ma.validate.Range(min=0, max=2**53)
    )
    app_version = ma.fields.String(load_default="", validate=ma.validate.Length(max=40))
    client_id = ma.fields.UUID(
        load_default=None, metadata={"description": "ignored; accepted for the outbox"}
    )


class DeviceStatusSchema(Schema):
    device_id = ma.fields.String(required=True)
    user_id = ma.fields.Integer(required=True)
    user_name = ma.fields.String(required=True)
    reported_at = fields.AwareDateTime(required=True)
    outbox_count = ma.fields.Integer(required=True)
    pending_photo_count = ma.fields.Integer(required=True)
    oldest_pending_at = fields.AwareDateTime(allow_none=True, required=True)
    battery_level = ma.fields.Float(allow_none=True, required=True)
    storage_free_bytes = ma.fields.Integer(allow_none=True, required=True)
    app_version = ma.fields.String(required=True)


class DeviceListSchema(Schema):
    items = ma.fields.List(ma.fields.Nested(DeviceStatusSchema), required=True)


class DeviceQueryArgsSchema(Schema):
    property_id = ma.fields.Integer(validate=_id)
    pending_only = ma.fields.Boolean(load_default=False)


class PendingPhotoSchema(Schema):
    client_id = ma.fields.String(required=True)
    captured_at = ma.fields.String(allow_none=True)
    context_type = ma.fields.String(allow_none=True)
    context_id = ma.fields.String(allow_none=True)


class PendingPhotosSchema(Schema):
    device_id = ma.fields.String(required=True)
    reported_at = fields.AwareDateTime(allow_none=True, required=True)
    pending = ma.fields.List(ma.fields.Nested(PendingPhotoSchema), required=True)


class LoanSchema(Schema):
    id = ma.fields.Integer(dump_only=True)
    client_id = ma.fields.UUID(load_default=None, load_only=True)
    property_id = ma.fields.Integer(required=True, validate=_id)
    item_code = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=40))
    item_name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100))
    item_kind = ma.fields.String(load_default="camera", validate=ma.validate.OneOf(LOAN_ITEM_KINDS))
    borrower_id = ma.fields.Integer(required=True, validate=_id)
    lent_by_id = ma.fields.Integer(dump_only=True)
    purpose = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=300))
    borrowed_at = fields.AwareDateTime(dump_only=True)
    due_at = fields.AwareDateTime(
        load_default=None,
        metadata={"description": "default: 17:30 today at the property (a setting)"},
    )
    state = ma.fields.String(dump_only=True)
    overdue = ma.fields.Boolean(dump_only=True)
    returned_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    returned_to_id = ma.fields.Integer(dump_only=True, allow_none=True)
    photos_stored = ma.fields.Boolean(dump_only=True, allow_none=True)
    card_cleared = ma.fields.Boolean(dump_only=True, allow_none=True)
    battery_ok = ma.fields.Boolean(dump_only=True, allow_none=True)
    return_note = ma.fields.String(dump_only=True)
    version = ma.fields.Integer(dump_only=True)


class LoanReturnSchema(Schema):
    photos_stored = ma.fields.Boolean(
        required=True, metadata={"description": "the borrower's photos are stored"}
    )
    card_cleared = ma.fields.Boolean(
        required=True, metadata={"description": "the card was emptied on return"}
    )
    battery_ok = ma.fields.Boolean(load_default=None, allow_none=True)
    return_note = ma.fields.String(load_default="", validate=ma.validate.Length(max=300))


class LoanQueryArgsSchema(PageArgsSchema):
    property_id = ma.fields.Integer(validate=_id)
    state = ma.fields.String(validate=ma.validate.OneOf(["borrowed", "returned"]))
    overdue = ma.fields.Boolean()


EvidencePageSchema = page_schema(EvidenceSchema, "EvidencePageSchema")
LoanPageSchema = page_schema(LoanSchema, "LoanPageSchema")
