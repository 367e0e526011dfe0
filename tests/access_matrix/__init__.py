"""The access matrix, one module per area.

Each area module defines ``ENDPOINTS`` — ``{(method, flask rule): (permission action or None,
body)}`` — and ``record_ids(session, property_id)`` returning ids for the rule's path
parameters, and may define ``body_for(body, ids)`` to build request bodies. A new area adds a
module here and a line to ``AREAS``.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from . import evidence, patrol, platform, renovation, workorders

AREAS: list[ModuleType] = [platform, evidence, patrol, renovation, workorders]

ENDPOINTS: dict[tuple[str, str], tuple[str | None, Any]] = {}
for _area in AREAS:
    ENDPOINTS.update(_area.ENDPOINTS)


def record_ids(session: Any, property_id: int) -> dict[str, Any]:
    ids: dict[str, Any] = {}
    for area in AREAS:
        ids.update(area.record_ids(session, property_id))
    session.commit()
    return ids


def body_for(body: Any, ids: dict[str, Any]) -> Any:
    for area in AREAS:
        build = getattr(area, "body_for", None)
        if build is not None:
            body = build(body, ids)
    return body


def request_kwargs(body: Any) -> dict[str, Any]:
    """json=… for JSON bodies; data=… as multipart for forms (photo uploads)."""
    from .evidence import Multipart

    if isinstance(body, Multipart):
        return {"data": dict(body), "content_type": "multipart/form-data"}
    return {"json": body}
