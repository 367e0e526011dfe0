"""The renovation tables' vocabularies: the states and kinds each CHECK constraint allows."""

from __future__ import annotations

from sqlalchemy import Numeric

SEVERITIES = ("critical", "major", "minor")
ITEM_KINDS = ("item", "measure")
APPROVALS = ("none", "manager")
RENOVATION_STATES = (
    "applied",
    "approved",
    "in_progress",
    "completion_inspection",
    "deposit_settled",
    "suspended",
)
# Sites that are inspected every day (a suspended site too: is the work really stopped?).
ACTIVE_STATES = ("in_progress", "suspended")
RESULTS = ("ok", "violation", "not_applicable")
INSPECTION_KINDS = ("daily", "completion")
NOTICE_STATES = (
    "draft",
    "issued",
    "acknowledged",
    "refused",
    "overdue",
    "escalated",
    "reinspection_passed",
    "closed",
    "referred",
    "cancelled",
)
OPEN_NOTICE_STATES = ("issued", "acknowledged", "refused", "overdue", "escalated")
ACK_KINDS = ("signed", "refused")
SIGNER_ROLES = ("owner", "contractor")
MEASURE_STATES = ("requested", "approved", "rejected", "in_effect", "lifted")
SETTLEMENT_STATES = ("draft", "submitted", "approved", "rejected")
DEDUCTION_KINDS = ("violation", "damage", "other")

Money = Numeric(12, 2)


def one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"
