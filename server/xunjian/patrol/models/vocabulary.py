"""The patrol area's vocabulary: states, kinds and categories, shared by tables and schemas."""

from __future__ import annotations

from sqlalchemy import JSON

RUN_STATES = ("in_progress", "completed", "ended_early")
CHECKIN_METHODS = ("qr", "nfc", "gps")
FINDING_OUTCOMES = ("ok", "problem")
FINDING_STATUSES = ("no_action", "open", "forwarded")
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
ALERT_STATES = ("open", "acknowledged", "resolved")
SPOT_CHECK_STATUSES = ("present_alert", "asleep", "absent", "other")
STORM_KINDS = ("typhoon", "rainstorm", "other")
HANDOVER_STATES = ("draft", "outgoing_confirmed", "completed")
HANDOVER_ITEM_KINDS = ("key", "radio", "duty_camera", "duty_phone", "deposited_item", "other")

# JSON columns that may be absent store SQL NULL (not JSON null), so CHECKs can test IS NULL.
NullableJSON = JSON(none_as_null=True)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"
