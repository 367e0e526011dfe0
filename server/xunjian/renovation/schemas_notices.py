"""Schemas for rectification notices, measures, deposit settlements and the queues."""

from __future__ import annotations

import marshmallow as ma

from ..signatures import MAX_SIGNATURE_DATA_URL_CHARS
from ..web import fields
from ..web.pagination import PageArgsSchema, page_schema
from ..web.smorest import Schema
from .models import MEASURE_STATES, NOTICE_STATES, SIGNER_ROLES
from .schemas import RenovationSchema, ResultSchema
from .schemas_deposits import SettlementSchema

_id = ma.validate.Range(min=1, max=2**31 - 1)
_codes = ma.fields.List(
    ma.fields.String(validate=ma.validate.Length(min=1, max=16)),
    load_default=list,
    validate=ma.validate.Length(max=7),
    metadata={"description": "measures of the ladder, M1–M7"},
)


class NoticeCreateSchema(Schema):
    client_id = ma.fields.UUID(load_default=None)
    violation_ids = ma.fields.List(
        ma.fields.Integer(validate=_id),
        required=True,
        validate=ma.validate.Length(min=1, max=50),
        metadata={"description": "ids of violation results from this site's inspections"},
    )
    deadline = fields.Date(
        load_default=None,
        metadata={"description": "last day to rectify (default: issue date + days by severity)"},
    )
    measures = _codes
    stop_work = ma.fields.Boolean(
        load_default=None,
        allow_none=True,
        metadata={"description": "default: true for the stop-work severities (critical)"},
    )
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=1000))
    issue = ma.fields.Boolean(load_default=False, metadata={"description": "issue at once"})


class MeasureSchema(Schema):
    id = ma.fields.Integer()
    notice_id = ma.fields.Integer()
    property_id = ma.fields.Integer()
    code = ma.fields.String()
    name_zh = ma.fields.String()
    name_en = ma.fields.String()
    requires_approval = ma.fields.Boolean()
    state = ma.fields.String(metadata={"enum": list(MEASURE_STATES)})
    note = ma.fields.String()
    requested_by_id = ma.fields.Integer()
    requested_at = fields.AwareDateTime()
    decided_by_id = ma.fields.Integer(allow_none=True)
    decided_at = fields.AwareDateTime(allow_none=True)
    decision_note = ma.fields.String()
    applied_at = fields.AwareDateTime(allow_none=True)
    lifted_at = fields.AwareDateTime(allow_none=True)
    version = ma.fields.Integer()


class ReinspectionSchema(Schema):
    id = ma.fields.Integer()
    client_id = ma.fields.UUID()
    notice_id = ma.fields.Integer()
    inspector_id = ma.fields.Integer()
    inspected_at = fields.AwareDateTime()
    passed = ma.fields.Boolean()
    note = ma.fields.String()
    photo_client_ids = ma.fields.List(ma.fields.String())


class NoticeSchema(Schema):
    id = ma.fields.Integer()
    client_id = ma.fields.UUID(allow_none=True)
    property_id = ma.fields.Integer()
    renovation_id = ma.fields.Integer()
    unit_label = ma.fields.String()
    state = ma.fields.String(metadata={"enum": list(NOTICE_STATES)})
    serial = ma.fields.String(allow_none=True)
    severity = ma.fields.String()
    stop_work = ma.fields.Boolean()
    note = ma.fields.String()
    planned_measures = ma.fields.List(ma.fields.String())
    requested_deadline = fields.Date(allow_none=True)
    deadline = fields.Date(allow_none=True)
    deadline_at = fields.AwareDateTime(allow_none=True)
    created_by_id = ma.fields.Integer()
    created_at = fields.AwareDateTime()
    issued_at = fields.AwareDateTime(allow_none=True)
    issued_by_id = ma.fields.Integer(allow_none=True)
    ack_kind = ma.fields.String(allow_none=True)
    acknowledged_at = fields.AwareDateTime(allow_none=True)
    acknowledged_by_id = ma.fields.Integer(allow_none=True)
    signer_name = ma.fields.String()
    signer_role = ma.fields.String(allow_none=True)
    signature_key = ma.fields.String(allow_none=True)
    signature_sha256 = ma.fields.String(allow_none=True)
    refusal_photo_client_id = ma.fields.UUID(allow_none=True)
    ack_note = ma.fields.String()
    overdue_at = fields.AwareDateTime(allow_none=True)
    escalated_at = fields.AwareDateTime(allow_none=True)
    escalated_by_id = ma.fields.Integer(allow_none=True)
    interview_at = fields.AwareDateTime(allow_none=True)
    interview_outcome = ma.fields.String()
    reinspection_passed_at = fields.AwareDateTime(allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)
    closed_by_id = ma.fields.Integer(allow_none=True)
    close_reason = ma.fields.String()
    referred_to = ma.fields.String()
    version = ma.fields.Integer()
    violations = ma.fields.List(ma.fields.Nested(ResultSchema))
    measures = ma.fields.List(ma.fields.Nested(MeasureSchema))
    reinspections = ma.fields.List(ma.fields.Nested(ReinspectionSchema))


class _NoticeHeadSchema(Schema):
    """What every list of notices shows (not itself a schema of the API)."""

    id = ma.fields.Integer()
    property_id = ma.fields.Integer()
    renovation_id = ma.fields.Integer()
    serial = ma.fields.String(allow_none=True)
    state = ma.fields.String()
    severity = ma.fields.String()
    stop_work = ma.fields.Boolean()
    deadline = fields.Date(allow_none=True)
    deadline_at = fields.AwareDateTime(allow_none=True)
    created_by_id = ma.fields.Integer(metadata={"description": "who raised (drafted) it"})
    issued_by_id = ma.fields.Integer(
        allow_none=True, metadata={"description": "who issued it (null while a draft)"}
    )


class NoticeSummarySchema(_NoticeHeadSchema):
    created_at = fields.AwareDateTime()
    issued_at = fields.AwareDateTime(allow_none=True)


NoticePageSchema = page_schema(NoticeSummarySchema, "NoticePageSchema")


class NoticeQueryArgsSchema(PageArgsSchema):
    state = ma.fields.String(validate=ma.validate.OneOf(NOTICE_STATES))
    renovation_id = ma.fields.Integer(validate=_id)


class AcknowledgeSchema(Schema):
    outcome = ma.fields.String(required=True, validate=ma.validate.OneOf(("signed", "refused")))
    signer_name = ma.fields.String(load_default="", validate=ma.validate.Length(max=100))
    signer_role = ma.fields.String(load_default=None, validate=ma.validate.OneOf(SIGNER_ROLES))
    signature = ma.fields.String(
        load_default=None,
        validate=ma.validate.Length(min=1, max=MAX_SIGNATURE_DATA_URL_CHARS),
        metadata={"description": "PNG as a data URL (data:image/png;base64,…), at most 200 KB"},
    )
    refusal_photo_client_id = ma.fields.UUID(
        load_default=None, metadata={"description": "photo of the notice as posted (refused)"}
    )
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=500))
    at = fields.AwareDateTime(load_default=None, metadata={"description": "phone time"})


class ReinspectionCreateSchema(Schema):
    client_id = ma.fields.UUID(load_default=None)
    passed = ma.fields.Boolean(required=True)
    photo_client_ids = ma.fields.List(
        ma.fields.UUID(), required=True, validate=ma.validate.Length(max=10)
    )
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=1000))
    inspected_at = fields.AwareDateTime(load_default=None)


class EscalateSchema(Schema):
    interview_at = fields.AwareDateTime(
        required=True,
        metadata={"description": "when the owner interview (约谈) took place"},
    )
    interview_outcome = ma.fields.String(
        required=True, validate=ma.validate.Length(min=1, max=1000)
    )
    measures = _codes


class CloseSchema(Schema):
    reason = ma.fields.String(
        load_default="",
        validate=ma.validate.Length(max=1000),
        metadata={"description": "required when closing an escalated notice"},
    )


class ReferSchema(Schema):
    referred_to = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    reason = ma.fields.String(load_default="", validate=ma.validate.Length(max=1000))


class PdfArgsSchema(Schema):
    lang = ma.fields.String(load_default="zh", validate=ma.validate.OneOf(("zh", "en")))


class MeasureCreateSchema(Schema):
    client_id = ma.fields.UUID(load_default=None)
    code = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=16))
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=500))


class DecisionSchema(Schema):
    decision = ma.fields.String(required=True, validate=ma.validate.OneOf(("approved", "rejected")))
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=500))


class MeasureLiftSchema(Schema):
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=500))


# --- deposits -----------------------------------------------------------------------------


class QueueArgsSchema(PageArgsSchema):
    limit = ma.fields.Integer(
        load_default=None,
        validate=ma.validate.Range(min=1, max=1000),
        metadata={"description": "page size (default 500: the phone reads the first page whole)"},
    )
    property_id = ma.fields.Integer(validate=_id)
    overdue = ma.fields.Boolean(load_default=False)
    mine = ma.fields.Boolean(
        load_default=False,
        metadata={"description": "only notices I raised (drafted) or issued"},
    )
    issued_by = ma.fields.Integer(
        validate=_id, metadata={"description": "only notices issued by this user (id)"}
    )


class OpenNoticeSchema(_NoticeHeadSchema):
    past_deadline = ma.fields.Boolean()
    unit_label = ma.fields.String()
    created_by_name = ma.fields.String(metadata={"description": "display name of the raiser"})
    issued_by_name = ma.fields.String(
        allow_none=True, metadata={"description": "display name of the issuer"}
    )


OpenNoticeListSchema = page_schema(OpenNoticeSchema, "OpenNoticeListSchema")


class ApprovalArgsSchema(Schema):
    property_id = ma.fields.Integer(validate=_id)


class PendingMeasureSchema(MeasureSchema):
    notice_serial = ma.fields.String(allow_none=True)
    etag = ma.fields.String(metadata={"description": "the If-Match for its decision"})


class PendingSettlementSchema(SettlementSchema):
    etag = ma.fields.String(metadata={"description": "the If-Match for its decision"})


class ApprovalsSchema(Schema):
    renovations = ma.fields.List(ma.fields.Nested(RenovationSchema), required=True)
    measures = ma.fields.List(ma.fields.Nested(PendingMeasureSchema), required=True)
    settlements = ma.fields.List(ma.fields.Nested(PendingSettlementSchema), required=True)
