"""Building patrols (巡楼): checkpoints, routes, runs, check-ins, findings and missed-run alerts;
night spot checks (夜间查岗) with storm days; shift handovers (交接班).

States are CHECK-constrained strings tied to the columns each state needs, so the database
refuses a "completed" handover without its completion time, whatever the code does.

The tables are split by subject (``places``, ``runs``, ``duty``); import them from here, which is
also what the Alembic models registry (``xunjian.models``) does.
"""

from __future__ import annotations

from .duty import Handover, HandoverItem, SpotCheck, StormDay
from .places import Checkpoint, GeoRevision, Route, RouteStop, RouteWindow
from .runs import Alert, Checkin, Finding, Run
from .vocabulary import (
    ALERT_KINDS,
    ALERT_STATES,
    CHECKIN_METHODS,
    FINDING_CATEGORIES,
    FINDING_OUTCOMES,
    FINDING_STATUSES,
    FORWARD_TARGETS,
    HANDOVER_ITEM_KINDS,
    HANDOVER_STATES,
    RUN_STATES,
    SPOT_CHECK_STATUSES,
    STORM_KINDS,
    NullableJSON,
)

__all__ = [
    "ALERT_KINDS",
    "ALERT_STATES",
    "CHECKIN_METHODS",
    "FINDING_CATEGORIES",
    "FINDING_OUTCOMES",
    "FINDING_STATUSES",
    "FORWARD_TARGETS",
    "HANDOVER_ITEM_KINDS",
    "HANDOVER_STATES",
    "RUN_STATES",
    "SPOT_CHECK_STATUSES",
    "STORM_KINDS",
    "Alert",
    "Checkin",
    "Checkpoint",
    "Finding",
    "GeoRevision",
    "Handover",
    "HandoverItem",
    "NullableJSON",
    "Route",
    "RouteStop",
    "RouteWindow",
    "Run",
    "SpotCheck",
    "StormDay",
]
