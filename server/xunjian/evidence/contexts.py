"""What a photo belongs to: each area registers how to look up its tasks.

Evidence needs a few facts about the task a photo was taken for — which property it belongs to,
when the task started (a photo "taken" before that is suspicious), and where it should have
been taken (a geofence) — without the evidence package importing every area. Areas register a
resolver per context type at import time (e.g. patrol registers ``patrol_checkin``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class ContextInfo:
    property_id: int
    started_at: dt.datetime | None = None
    # Expected place in WGS84 lon/lat (shapely geometry); None when the task has no place.
    geofence: BaseGeometry | None = None
    label: str = ""  # shown in the photo strip: "3栋 12F 东梯"


# context_type -> resolver(session, context_id) -> ContextInfo | None (None: no such task)
Resolver = Callable[[Session, str], "ContextInfo | None"]
_RESOLVERS: dict[str, Resolver] = {}


def register_context(context_type: str, resolver: Resolver) -> None:
    _RESOLVERS[context_type] = resolver


def resolve_context(session: Session, context_type: str, context_id: str) -> ContextInfo | None:
    """The task's facts, or None when the type has no resolver yet or no id was given."""
    resolver = _RESOLVERS.get(context_type)
    if resolver is None or not context_id:
        return None
    return resolver(session, context_id)
