"""Schemas for checkpoints, routes, runs, findings, alerts and the supervisor's views."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import marshmallow as ma

from ..permissions import ROLES
from ..web import fields
from ..web.pagination import PageArgsSchema, page_schema
from ..web.smorest import Schema as BaseSchema
from .models import (
    FINDING_CATEGORIES,
    FINDING_OUTCOMES,
    FINDING_STATUSES,
    FORWARD_TARGETS,
    RUN_STATES,
)


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, Mapping):  # JSON objects, and webargs' query MultiDictProxy
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class Schema(BaseSchema):
    """Refuses NUL characters anywhere in the input: PostgreSQL text cannot hold them, and a
    query or insert carrying one would fail with a 500 instead of telling the caller."""

    @ma.pre_load
    def _no_nul(self, data: Any, **_: Any) -> Any:
        if _has_nul(data):
            raise ma.ValidationError("Text must not contain NUL (\\u0000) characters.", "_schema")
        return data


_id = ma.validate.Range(min=1, max=2**31 - 1)
_lat = ma.validate.Range(min=-90, max=90)
_lon = ma.validate.Range(min=-180, max=180)


def _text(max_len: int, **kw: Any) -> ma.fields.String:
    return ma.fields.String(validate=ma.validate.Length(max=max_len), **kw)


def _required_text(max_len: int, **kw: Any) -> ma.fields.String:
    return ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=max_len), **kw)


class PatrolFlagSchema(Schema):
    code = ma.fields.String(required=True)
    message = ma.fields.String(required=True)
    message_zh = ma.fields.String(required=True)
    data = ma.fields.Dict()


# --- checkpoints --------------------------------------------------------------------------

GEOFENCE_DOC = {
    "description": "GeoJSON geometry in lon/lat: a Polygon, or a Point with the foreign member "
    "radius_m (metres). Omit it with latitude/longitude given for a 25 m circle; null: none.",
    "example": {"type": "Point", "coordinates": [113.9345, 22.5431], "radius_m": 30},
}


class CheckpointSchema(Schema):
    id = ma.fields.Integer(dump_only=True)
    client_id = ma.fields.UUID(load_default=None, load_only=True)
    property_id = ma.fields.Integer(dump_only=True)
    code = _required_text(40, metadata={"description": "printed on the label, e.g. B1-3F-E"})
    name_zh = _required_text(200)
    name_en = _text(200, load_default="")
    building_id = ma.fields.Integer(load_default=None, allow_none=True, validate=_id)
    floor_id = ma.fields.Integer(load_default=None, allow_none=True, validate=_id)
    unit_id = ma.fields.Integer(load_default=None, allow_none=True, validate=_id)
    latitude = ma.fields.Float(load_default=None, allow_none=True, validate=_lat)
    longitude = ma.fields.Float(load_default=None, allow_none=True, validate=_lon)
    plan_image_key = _text(200, load_default=None, allow_none=True)
    plan_x = ma.fields.Float(
        load_default=None,
        allow_none=True,
        validate=ma.validate.Range(min=0, max=1),
        metadata={"description": "fraction of the floor-plan image's width"},
    )
    plan_y = ma.fields.Float(load_default=None, allow_none=True, validate=ma.validate.Range(0, 1))
    geofence = ma.fields.Dict(allow_none=True, metadata=GEOFENCE_DOC)
    nfc_tag_id = _text(64, load_default=None, allow_none=True)
    active = ma.fields.Boolean(load_default=True)
    created_at = fields.AwareDateTime(dump_only=True)
    version = ma.fields.Integer(dump_only=True)


class CheckpointSetupSchema(CheckpointSchema):
    """What set-up staff see: the QR token too (never shown to the people who check in)."""

    qr_token = ma.fields.String(dump_only=True)


class CheckpointPatchSchema(Schema):
    code = ma.fields.String(validate=ma.validate.Length(min=1, max=40))
    name_zh = ma.fields.String(validate=ma.validate.Length(min=1, max=200))
    name_en = _text(200)
    building_id = ma.fields.Integer(allow_none=True, validate=_id)
    floor_id = ma.fields.Integer(allow_none=True, validate=_id)
    unit_id = ma.fields.Integer(allow_none=True, validate=_id)
    latitude = ma.fields.Float(allow_none=True, validate=_lat)
    longitude = ma.fields.Float(allow_none=True, validate=_lon)
    plan_image_key = _text(200, allow_none=True)
    plan_x = ma.fields.Float(allow_none=True, validate=ma.validate.Range(min=0, max=1))
    plan_y = ma.fields.Float(allow_none=True, validate=ma.validate.Range(min=0, max=1))
    geofence = ma.fields.Dict(allow_none=True, metadata=GEOFENCE_DOC)
    nfc_tag_id = _text(64, allow_none=True)
    active = ma.fields.Boolean()
    rotate_qr_token = ma.fields.Boolean(
        metadata={"description": "issue a new QR token; printed labels stop working"}
    )


class CheckpointQueryArgsSchema(Schema, PageArgsSchema):
    building_id = ma.fields.Integer(validate=_id)
    active = ma.fields.Boolean()


class CheckpointQrSchema(Schema):
    checkpoint_id = ma.fields.Integer(required=True)
    qr_token = ma.fields.String(required=True)
    qr_content = ma.fields.String(required=True, metadata={"description": "what the label encodes"})


class LocateSchema(Schema):
    latitude = ma.fields.Float(required=True, validate=_lat)
    longitude = ma.fields.Float(required=True, validate=_lon)
    accuracy_m = ma.fields.Float(required=True, validate=ma.validate.Range(min=0, max=5000))


class LocatedSchema(Schema):
    checkpoint_id = ma.fields.Integer(required=True)
    code = ma.fields.String(required=True)
    name_zh = ma.fields.String(required=True)
    name_en = ma.fields.String(required=True)
    metres_outside = ma.fields.Float(required=True, metadata={"description": "0 = inside"})


class LocatedListSchema(Schema):
    items = ma.fields.List(ma.fields.Nested(LocatedSchema), required=True)


class LabelSheetArgsSchema(Schema):
    building_id = ma.fields.Integer(validate=_id, metadata={"description": "omit: all buildings"})


# --- routes -------------------------------------------------------------------------------


class RouteStopSchema(Schema):
    position = ma.fields.Integer(dump_only=True)
    checkpoint_id = ma.fields.Integer(required=True, validate=_id)
    expected_minutes = ma.fields.Integer(
        load_default=0,
        validate=ma.validate.Range(min=0, max=600),
        metadata={"description": "walk from the previous stop"},
    )


class RouteWindowSchema(Schema):
    weekdays = ma.fields.List(
        ma.fields.Integer(validate=ma.validate.Range(min=1, max=7)),
        required=True,
        validate=ma.validate.Length(min=1, max=7),
        metadata={"description": "ISO weekdays the window starts on, Monday = 1"},
    )
    start = ma.fields.Time(required=True, metadata={"description": "local time"})
    end = ma.fields.Time(
        required=True, metadata={"description": "local time; before start = next day"}
    )
    start_tolerance_minutes = ma.fields.Integer(
        load_default=15, validate=ma.validate.Range(min=0, max=240)
    )


_roles = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(ROLES)))


class RouteSchema(Schema):
    id = ma.fields.Integer(dump_only=True)
    client_id = ma.fields.UUID(load_default=None, load_only=True)
    property_id = ma.fields.Integer(dump_only=True)
    code = ma.fields.String(
        required=True, validate=[ma.validate.Length(min=1, max=40), ma.validate.Regexp(r"^\S+$")]
    )
    name_zh = _required_text(200)
    name_en = _text(200, load_default="")
    active = ma.fields.Boolean(load_default=True)
    allowed_roles = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(ROLES)),
        load_default=list,
        validate=ma.validate.Length(max=len(ROLES)),
        metadata={"description": "who may run it (with allowed_user_ids); both empty: anyone"},
    )
    allowed_user_ids = ma.fields.List(
        ma.fields.Integer(validate=_id), load_default=list, validate=ma.validate.Length(max=200)
    )
    stops = ma.fields.List(
        ma.fields.Nested(RouteStopSchema),
        required=True,
        validate=ma.validate.Length(min=1, max=300),
    )
    windows = ma.fields.List(
        ma.fields.Nested(RouteWindowSchema),
        load_default=list,
        validate=ma.validate.Length(max=100),
        attribute="window_groups",
        data_key="windows",
    )
    created_at = fields.AwareDateTime(dump_only=True)
    version = ma.fields.Integer(dump_only=True)

    @ma.post_load
    def _windows(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        data["windows"] = data.pop("window_groups", [])
        return data


class RoutePatchSchema(Schema):
    code = ma.fields.String(
        validate=[ma.validate.Length(min=1, max=40), ma.validate.Regexp(r"^\S+$")]
    )
    name_zh = ma.fields.String(validate=ma.validate.Length(min=1, max=200))
    name_en = _text(200)
    active = ma.fields.Boolean()
    allowed_roles = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(ROLES)), validate=ma.validate.Length(max=8)
    )
    allowed_user_ids = ma.fields.List(
        ma.fields.Integer(validate=_id), validate=ma.validate.Length(max=200)
    )
    stops = ma.fields.List(
        ma.fields.Nested(RouteStopSchema), validate=ma.validate.Length(min=1, max=300)
    )
    windows = ma.fields.List(
        ma.fields.Nested(RouteWindowSchema), validate=ma.validate.Length(max=100)
    )


class RouteQueryArgsSchema(Schema, PageArgsSchema):
    active = ma.fields.Boolean()


class RouteImportSchema(Schema):
    format = ma.fields.String(load_default="yaml", validate=ma.validate.OneOf(["yaml", "json"]))
    content = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=1_000_000),
        metadata={"description": "the file's text (schemas/patrol_route.schema.json)"},
    )


class RouteImportResultSchema(Schema):
    created = ma.fields.List(ma.fields.String(), required=True)
    updated = ma.fields.List(ma.fields.String(), required=True)
    unchanged = ma.fields.List(ma.fields.String(), required=True)


class RouteExportArgsSchema(Schema):
    format = ma.fields.String(load_default="yaml", validate=ma.validate.OneOf(["yaml", "json"]))


# --- runs ---------------------------------------------------------------------------------

_device_time = fields.AwareDateTime(
    load_default=None,
    allow_none=True,
    metadata={"description": "the phone's clock when it happened (ISO 8601 with offset)"},
)


class RunStartSchema(Schema):
    client_id = ma.fields.UUID(load_default=None)
    device_time = _device_time


class RunSchema(Schema):
    id = ma.fields.Integer(dump_only=True)
    property_id = ma.fields.Integer(dump_only=True)
    route_id = ma.fields.Integer(dump_only=True)
    runner_id = ma.fields.Integer(dump_only=True)
    state = ma.fields.String(dump_only=True, metadata={"enum": list(RUN_STATES)})
    started_at = fields.AwareDateTime(dump_only=True)
    received_at = fields.AwareDateTime(dump_only=True)
    device_started_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    window_start = fields.AwareDateTime(dump_only=True, allow_none=True)
    window_end = fields.AwareDateTime(dump_only=True, allow_none=True)
    finished_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    finished_by_id = ma.fields.Integer(dump_only=True, allow_none=True)
    finish_reason = ma.fields.String(dump_only=True)
    expected_count = ma.fields.Integer(dump_only=True)
    visited_count = ma.fields.Integer(dump_only=True, allow_none=True)
    flags = ma.fields.List(ma.fields.Nested(PatrolFlagSchema), dump_only=True)
    version = ma.fields.Integer(dump_only=True)


class RunQueryArgsSchema(Schema, PageArgsSchema):
    date = fields.Date(metadata={"description": "local day the runs started"})
    state = ma.fields.String(validate=ma.validate.OneOf(RUN_STATES))
    route_id = ma.fields.Integer(validate=_id)
    runner_id = ma.fields.Integer(validate=_id)


class CheckinCreateSchema(Schema):
    client_id = ma.fields.UUID(load_default=None)
    qr_token = ma.fields.String(
        validate=ma.validate.Length(min=1, max=200), metadata={"description": "as scanned"}
    )
    nfc_tag_id = ma.fields.String(validate=ma.validate.Length(min=1, max=64))
    checkpoint_id = ma.fields.Integer(
        validate=_id, metadata={"description": "the checkpoint chosen on the phone (optional)"}
    )
    latitude = ma.fields.Float(validate=_lat)
    longitude = ma.fields.Float(validate=_lon)
    accuracy_m = ma.fields.Float(validate=ma.validate.Range(min=0, max=100_000))
    device_time = _device_time

    @ma.validates_schema
    def _fix(self, data: dict[str, Any], **_: Any) -> None:
        given = [k for k in ("latitude", "longitude", "accuracy_m") if data.get(k) is not None]
        if given and len(given) != 3:
            raise ma.ValidationError(
                "A GPS fix is latitude, longitude and accuracy_m together.", "latitude"
            )


class CheckinSchema(Schema):
    id = ma.fields.Integer(dump_only=True)
    client_id = ma.fields.UUID(dump_only=True)
    run_id = ma.fields.Integer(dump_only=True)
    checkpoint_id = ma.fields.Integer(dump_only=True)
    user_id = ma.fields.Integer(dump_only=True)
    method = ma.fields.String(dump_only=True)
    latitude = ma.fields.Float(dump_only=True, allow_none=True)
    longitude = ma.fields.Float(dump_only=True, allow_none=True)
    accuracy_m = ma.fields.Float(dump_only=True, allow_none=True)
    device_time = fields.AwareDateTime(dump_only=True, allow_none=True)
    received_at = fields.AwareDateTime(dump_only=True)
    checked_in_at = fields.AwareDateTime(dump_only=True)
    metres_outside = ma.fields.Float(dump_only=True, allow_none=True)
    flags = ma.fields.List(ma.fields.Nested(PatrolFlagSchema), dump_only=True)


class FindingCreateSchema(Schema):
    client_id = ma.fields.UUID(load_default=None)
    outcome = ma.fields.String(required=True, validate=ma.validate.OneOf(FINDING_OUTCOMES))
    category = ma.fields.String(
        load_default="", validate=ma.validate.OneOf(("", *FINDING_CATEGORIES))
    )
    note = _text(1000, load_default="")
    photo_client_ids = ma.fields.List(
        ma.fields.UUID(),
        load_default=list,
        validate=ma.validate.Length(max=20),
        metadata={"description": "client UUIDs of the photos (uploaded before or after)"},
    )
    checkin_client_id = ma.fields.UUID(load_default=None)
    checkpoint_id = ma.fields.Integer(load_default=None, validate=_id)
    unit_id = ma.fields.Integer(load_default=None, validate=_id)
    device_time = _device_time


class FindingPhotoSchema(Schema):
    client_id = ma.fields.String(required=True)
    evidence_id = ma.fields.Integer(
        allow_none=True, required=True, metadata={"description": "null: not uploaded yet"}
    )


class FindingSchema(Schema):
    id = ma.fields.Integer(dump_only=True)
    client_id = ma.fields.UUID(dump_only=True)
    property_id = ma.fields.Integer(dump_only=True)
    run_id = ma.fields.Integer(dump_only=True)
    checkin_id = ma.fields.Integer(dump_only=True, allow_none=True)
    checkpoint_id = ma.fields.Integer(dump_only=True, allow_none=True)
    unit_id = ma.fields.Integer(dump_only=True, allow_none=True)
    reported_by_id = ma.fields.Integer(dump_only=True)
    outcome = ma.fields.String(dump_only=True)
    category = ma.fields.String(dump_only=True)
    note = ma.fields.String(dump_only=True)
    photo_client_ids = ma.fields.List(ma.fields.String(), dump_only=True)
    photos = ma.fields.List(ma.fields.Nested(FindingPhotoSchema), dump_only=True)
    status = ma.fields.String(dump_only=True, metadata={"enum": list(FINDING_STATUSES)})
    forward_target = ma.fields.String(dump_only=True, allow_none=True)
    forward_note = ma.fields.String(dump_only=True)
    forwarded_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    forwarded_by_id = ma.fields.Integer(dump_only=True, allow_none=True)
    recorded_at = fields.AwareDateTime(dump_only=True)
    received_at = fields.AwareDateTime(dump_only=True)
    version = ma.fields.Integer(dump_only=True)


class FindingQueryArgsSchema(Schema, PageArgsSchema):
    status = ma.fields.String(validate=ma.validate.OneOf(FINDING_STATUSES))
    forward_target = ma.fields.String(validate=ma.validate.OneOf(FORWARD_TARGETS))
    run_id = ma.fields.Integer(validate=_id)


class FinishSchema(Schema):
    reason = _text(500, load_default="", metadata={"description": "required to finish early"})
    device_time = _device_time


class ForwardSchema(Schema):
    target = ma.fields.String(required=True, validate=ma.validate.OneOf(FORWARD_TARGETS))
    note = _text(500, load_default="")


class RunStopSchema(Schema):
    position = ma.fields.Integer(required=True)
    checkpoint_id = ma.fields.Integer(required=True)
    code = ma.fields.String(required=True)
    name_zh = ma.fields.String(required=True)
    name_en = ma.fields.String(required=True)
    expected_minutes = ma.fields.Integer(required=True)
    visited = ma.fields.Boolean(required=True)
    checked_in_at = fields.AwareDateTime(allow_none=True, required=True)


class RunDetailSchema(Schema):
    run = ma.fields.Nested(RunSchema, required=True)
    stops = ma.fields.List(ma.fields.Nested(RunStopSchema), required=True)
    checkins = ma.fields.List(ma.fields.Nested(CheckinSchema), required=True)
    findings = ma.fields.List(ma.fields.Nested(FindingSchema), required=True)
    visited = ma.fields.Integer(required=True)
    flag_count = ma.fields.Integer(required=True)
    finding_photo_required = ma.fields.Boolean(
        required=True,
        metadata={"description": "a problem finding needs a photo here (property setting)"},
    )


CheckpointPageSchema = page_schema(CheckpointSchema, "CheckpointPageSchema")
RoutePageSchema = page_schema(RouteSchema, "RoutePageSchema")
RunPageSchema = page_schema(RunSchema, "RunPageSchema")
FindingPageSchema = page_schema(FindingSchema, "FindingPageSchema")
