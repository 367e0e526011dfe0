"""Liveness (/healthz), readiness (/readyz) and the public meta endpoint."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Blueprint as FlaskBlueprint
from flask import Response, jsonify
from sqlalchemy import literal, select

from . import __version__
from .permissions import ROLE_NAMES_ZH, ROLES
from .web.context import db, now, platform, public
from .web.smorest import Blueprint, Schema

root_bp = FlaskBlueprint("health", __name__)


@root_bp.get("/healthz")
@public
def healthz() -> Response:
    return jsonify({"status": "ok", "version": __version__})


@root_bp.get("/readyz")
@public
def readyz() -> tuple[Response, int]:
    checks: dict[str, str] = {}
    try:
        db().scalar(select(literal(1)))
        checks["database"] = "ok"
    except Exception as exc:  # readiness reports, it does not raise
        checks["database"] = f"error: {type(exc).__name__}"
    try:
        platform().store.probe_write()  # a write, not only "the bucket exists"
        checks["storage"] = "ok"
    except Exception as exc:
        checks["storage"] = f"error: {type(exc).__name__}"
    ready = all(v == "ok" for v in checks.values())
    return jsonify({"status": "ready" if ready else "not_ready", "checks": checks}), (
        200 if ready else 503
    )


blp = Blueprint("meta", __name__, url_prefix="/meta", description="Server facts for the phone app")


class RoleSchema(Schema):
    code = ma.fields.String(required=True)
    name_zh = ma.fields.String(required=True)


class MetaSchema(Schema):
    version = ma.fields.String(required=True)
    server_time = ma.fields.DateTime(
        required=True, metadata={"description": "the phone compares this with its own clock"}
    )
    roles = ma.fields.List(ma.fields.Nested(RoleSchema), required=True)


@blp.get("")
@blp.response(200, MetaSchema)
@blp.doc(security=[])
@public
def meta() -> dict[str, Any]:
    return {
        "version": __version__,
        "server_time": now(),
        "roles": [{"code": r, "name_zh": ROLE_NAMES_ZH[r]} for r in ROLES],
    }
