"""Reading the audit log (supervisors, managers and admins of the property)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from . import audit
from .web import fields
from .web.access import property_ids_for
from .web.context import current_actor
from .web.pagination import PageArgsSchema, page_schema, paginate_request
from .web.smorest import Blueprint, Schema

blp = Blueprint("audit", __name__, url_prefix="/audit", description="Append-only audit log")


class AuditEntrySchema(Schema):
    id = ma.fields.Integer()
    at = fields.AwareDateTime()
    actor_id = ma.fields.Integer(allow_none=True)
    property_id = ma.fields.Integer(allow_none=True)
    entity_type = ma.fields.String()
    entity_id = ma.fields.String()
    action = ma.fields.String()
    before = ma.fields.Dict(allow_none=True)
    after = ma.fields.Dict(allow_none=True)
    request_id = ma.fields.String()


class AuditQueryArgsSchema(PageArgsSchema):
    property_id = ma.fields.Integer(validate=ma.validate.Range(min=1, max=2**31 - 1))
    entity_type = ma.fields.String(validate=ma.validate.Length(max=60))
    entity_id = ma.fields.String(validate=ma.validate.Length(max=60))


AuditPageSchema = page_schema(AuditEntrySchema, "AuditPageSchema")


@blp.get("")
@blp.arguments(AuditQueryArgsSchema, location="query")
@blp.response(200, AuditPageSchema)
def list_audit(args: dict[str, Any]) -> dict[str, Any]:
    """Newest first. Company-level entries (staff accounts) are shown to administrators."""
    actor = current_actor()
    stmt = audit.entries(
        property_ids_for("audit.read"),
        actor.company_id if actor.is_admin else None,
        **{k: args[k] for k in ("property_id", "entity_type", "entity_id") if k in args},
    )
    return paginate_request(stmt, audit.AuditEntry.id, args, descending=True).out()
