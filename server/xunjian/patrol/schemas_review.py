"""Schemas for the supervisor's views: alerts, the day board, completion, the register."""

from __future__ import annotations

import marshmallow as ma

from ..web import fields
from ..web.pagination import PageArgsSchema, page_schema
from .models import ALERT_STATES
from .schemas import CheckinSchema, FindingPhotoSchema, FindingSchema, RunSchema, Schema


class AlertSchema(Schema):
    id = ma.fields.Integer(dump_only=True)
    property_id = ma.fields.Integer(dump_only=True)
    kind = ma.fields.String(dump_only=True)
    route_id = ma.fields.Integer(dump_only=True)
    window_start = fields.AwareDateTime(dump_only=True)
    window_end = fields.AwareDateTime(dump_only=True)
    deadline = fields.AwareDateTime(dump_only=True)
    raised_at = fields.AwareDateTime(dump_only=True)
    state = ma.fields.String(dump_only=True, metadata={"enum": list(ALERT_STATES)})
    message = ma.fields.String(dump_only=True)
    message_zh = ma.fields.String(dump_only=True)
    acknowledged_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    acknowledged_by_id = ma.fields.Integer(dump_only=True, allow_none=True)
    resolved_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    resolution = ma.fields.String(dump_only=True)
    run_id = ma.fields.Integer(dump_only=True, allow_none=True)
    version = ma.fields.Integer(dump_only=True)


class AlertQueryArgsSchema(Schema, PageArgsSchema):
    state = ma.fields.String(validate=ma.validate.OneOf(ALERT_STATES))


class BoardArgsSchema(Schema):
    date = fields.Date(metadata={"description": "local day; default today"})


class BoardEntrySchema(Schema):
    route_id = ma.fields.Integer(required=True)
    route_code = ma.fields.String(required=True)
    route_name_zh = ma.fields.String(required=True)
    route_name_en = ma.fields.String(required=True)
    window_start = fields.AwareDateTime(required=True)
    window_end = fields.AwareDateTime(required=True)
    deadline = fields.AwareDateTime(required=True)
    status = ma.fields.String(
        required=True, metadata={"enum": ["done", "in_progress", "late", "missed", "upcoming"]}
    )
    run_ids = ma.fields.List(ma.fields.Integer(), required=True)
    runner_ids = ma.fields.List(ma.fields.Integer(), required=True)
    late_start = ma.fields.Boolean(required=True)
    alert_id = ma.fields.Integer(allow_none=True, required=True)


class DayBoardSchema(Schema):
    property_id = ma.fields.Integer(required=True)
    day = fields.Date(required=True)
    timezone = ma.fields.String(required=True)
    windows = ma.fields.List(ma.fields.Nested(BoardEntrySchema), required=True)
    counts = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(), required=True)
    unscheduled_run_ids = ma.fields.List(ma.fields.Integer(), required=True)


class CompletionArgsSchema(Schema):
    from_ = fields.Date(data_key="from", metadata={"description": "first local day"})
    to = fields.Date(metadata={"description": "last local day (inclusive)"})


class PersonRateSchema(Schema):
    user_id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    runs = ma.fields.Integer(required=True)
    completed = ma.fields.Integer(required=True)
    ended_early = ma.fields.Integer(required=True)
    in_progress = ma.fields.Integer(required=True)
    checkpoints_expected = ma.fields.Integer(required=True)
    checkpoints_visited = ma.fields.Integer(required=True)
    completion_rate = ma.fields.Float(allow_none=True, required=True)


class CompletionSchema(Schema):
    property_id = ma.fields.Integer(required=True)
    from_ = fields.Date(data_key="from", attribute="from", required=True)
    to = fields.Date(required=True)
    scheduled_windows = ma.fields.Integer(required=True)
    windows_run = ma.fields.Integer(required=True)
    windows_missed = ma.fields.Integer(required=True)
    people = ma.fields.List(ma.fields.Nested(PersonRateSchema), required=True)


class RegisterArgsSchema(Schema):
    date = fields.Date(metadata={"description": "local day; default today"})
    lang = ma.fields.String(load_default="zh", validate=ma.validate.OneOf(["zh", "en"]))


class RegisterCheckinSchema(Schema):
    checkin = ma.fields.Nested(CheckinSchema, required=True)
    user_name = ma.fields.String(required=True)
    checkpoint_code = ma.fields.String(required=True)
    checkpoint_name_zh = ma.fields.String(required=True)
    place = ma.fields.String(required=True)


class RegisterFindingSchema(Schema):
    finding = ma.fields.Nested(FindingSchema, required=True)
    photos = ma.fields.List(ma.fields.Nested(FindingPhotoSchema), required=True)
    checkpoint_code = ma.fields.String(required=True)
    checkpoint_name_zh = ma.fields.String(required=True)
    place = ma.fields.String(required=True)


class RegisterRunSchema(Schema):
    run = ma.fields.Nested(RunSchema, required=True)
    route_code = ma.fields.String(required=True)
    route_name_zh = ma.fields.String(required=True)
    runner_name = ma.fields.String(required=True)
    checkins = ma.fields.List(ma.fields.Nested(RegisterCheckinSchema), required=True)
    findings = ma.fields.List(ma.fields.Nested(RegisterFindingSchema), required=True)


class RegisterSchema(Schema):
    property_id = ma.fields.Integer(required=True)
    day = fields.Date(required=True)
    timezone = ma.fields.String(required=True)
    runs = ma.fields.List(ma.fields.Nested(RegisterRunSchema), required=True)


AlertPageSchema = page_schema(AlertSchema, "AlertPageSchema")
