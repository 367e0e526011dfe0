"""ETag / If-Match for updatable resources, backed by each row's version counter.

The ETag names the row version. A write must send If-Match (428 otherwise); a stale one gets
412. The version column also guards the UPDATE itself, so two writers racing with the same
ETag cannot both win (the loser's UPDATE matches no row → StaleDataError → 412).
"""

from __future__ import annotations

import inspect as pyinspect
import re
import sys
from typing import Any

from flask import Flask, g, request
from sqlalchemy import inspect

from ..errors import PreconditionFailed, PreconditionRequired


def etag_of(item: Any) -> str:
    ident = inspect(item).identity
    key = "-".join(str(part) for part in ident) if ident else "new"
    return etag_for(type(item), key, item.version)


def etag_for(model: type[Any], key: object, version: int) -> str:
    """The ETag of a row already serialised (a list item): the same string as its GET's."""
    return f'"{model.__tablename__}-{key}-v{version}"'


def set_etag(item: Any) -> None:
    g.response_etag = etag_of(item)


def check_if_match(item: Any) -> None:
    header = request.headers.get("If-Match")
    if not header:
        raise PreconditionRequired(
            "Send the record's ETag in the If-Match header (from your last read).",
            message_zh="请在 If-Match 请求头中提供上次读取时的 ETag。",
        )
    current = etag_of(item)
    offered = [tag.strip().removeprefix("W/") for tag in header.split(",")]
    if "*" in offered or current in offered:
        return
    raise PreconditionFailed(
        "Someone changed this record since you loaded it. Reload it, check, and try again.",
        message_zh="您读取后该记录已被他人修改，请刷新核对后重试。",
        details={"current_etag": current},
    )


_IF_MATCH_PARAMETER = {
    "name": "If-Match",
    "in": "header",
    "required": True,
    "description": "the ETag from your last read of this record (`*` overrides any version)",
    "schema": {"type": "string"},
}
_ERROR_BODY = {"application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}}
_IF_MATCH_RESPONSES = {
    "412": {
        "description": "Precondition Failed: the record changed since your read "
        "(`details.current_etag`)",
        "content": _ERROR_BODY,
    },
    "428": {"description": "Precondition Required: send If-Match", "content": _ERROR_BODY},
}
_RULE_ARGUMENT = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def document_if_match(app: Flask, spec: Any) -> None:
    """Declare If-Match (required), 412 and 428 on every operation whose view checks If-Match.

    Read from the views themselves (a call to ``check_if_match``, directly or through a helper
    of their module), so the contract cannot drift from the code. ``spec`` is the apispec
    APISpec being built; the three are shared components, referenced from each operation.
    """
    spec.components.parameter("IfMatch", "header", _IF_MATCH_PARAMETER)
    spec.components.response("PRECONDITION_FAILED", _IF_MATCH_RESPONSES["412"])
    spec.components.response("PRECONDITION_REQUIRED", _IF_MATCH_RESPONSES["428"])
    paths: dict[str, dict[str, Any]] = spec._paths  # apispec keeps no public handle on them
    for rule in app.url_map.iter_rules():
        path = _RULE_ARGUMENT.sub(r"{\1}", rule.rule)
        operations = paths.get(path)
        if not operations:
            continue
        view = app.view_functions[rule.endpoint]
        view_class = getattr(view, "view_class", None)
        for method in rule.methods or ():
            operation = operations.get(method.lower())
            handler = getattr(view_class, method.lower(), None) if view_class else view
            if operation is None or handler is None:
                continue
            if not _checks_if_match(pyinspect.unwrap(handler)):
                continue
            parameters = operation.setdefault("parameters", [])
            if {"$ref": "#/components/parameters/IfMatch"} not in parameters:
                parameters.append({"$ref": "#/components/parameters/IfMatch"})
            operation.setdefault("responses", {}).update(
                {
                    "412": {"$ref": "#/components/responses/PRECONDITION_FAILED"},
                    "428": {"$ref": "#/components/responses/PRECONDITION_REQUIRED"},
                }
            )


def _checks_if_match(view: Any) -> bool:
    """The view calls check_if_match, itself or through a helper of its own module."""
    calls = {"check_if_match("}
    module = sys.modules[view.__module__]
    for name, helper in vars(module).items():
        if (
            pyinspect.isfunction(helper)
            and helper.__module__ == module.__name__
            and "check_if_match(" in pyinspect.getsource(helper)
        ):
            calls.add(f"{name}(")
    source = pyinspect.getsource(view)
    return any(call in source for call in calls)
