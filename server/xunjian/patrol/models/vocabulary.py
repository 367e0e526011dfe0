"""The patrol area's vocabulary: states (owned by the machines in ``states.py``), kinds and
categories, shared by tables and schemas."""

from __future__ import annotations

from sqlalchemy import JSON

from ..states import ALERT, FINDING, HANDOVER, RUN

RUN_STATES = RUN.states
CHECKIN_METHODS = ("qr", "nfc", "gps")
FINDING_OUTCOMES = ("ok", "problem")
FINDING_STATUSES = FINDING.states
FINDING_CATEGORIES = (
    "cleaning",
    "security",
    "facility",
    "fire_safety",
    "renovation",
    "parking",
    "greenery",
    "other",
)
FORWARD_TARGETS = ("work_order", "renovation")
ALERT_KINDS = ("missed_run",)
ALERT_STATES = ALERT.states
SPOT_CHECK_STATUSES = ("present_alert", "asleep", "absent", "other")
STORM_KINDS = ("typhoon", "rainstorm", "other")
HANDOVER_STATES = HANDOVER.states
HANDOVER_ITEM_KINDS = ("key", "radio", "duty_camera", "duty_phone", "deposited_item", "other")

# JSON columns that may be absent store SQL NULL (not JSON null), so CHECKs can test IS NULL.
NullableJSON = JSON(none_as_null=True)
