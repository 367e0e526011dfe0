"""The renovation tables' vocabularies: the states (owned by the machines in ``states.py``) and
kinds each CHECK constraint allows."""

from __future__ import annotations

from sqlalchemy import Numeric

from ..states import MEASURE, NOTICE, RENOVATION, SETTLEMENT

SEVERITIES = ("critical", "major", "minor")
ITEM_KINDS = ("item", "measure")
APPROVALS = ("none", "manager")
RENOVATION_STATES = RENOVATION.states
# Sites that are inspected every day (a suspended site too: is the work really stopped?).
ACTIVE_STATES = ("in_progress", "suspended")
RESULTS = ("ok", "violation", "not_applicable")
INSPECTION_KINDS = ("daily", "completion")
NOTICE_STATES = NOTICE.states
OPEN_NOTICE_STATES = ("issued", "acknowledged", "refused", "overdue", "escalated")
ACK_KINDS = ("signed", "refused")
SIGNER_ROLES = ("owner", "contractor")
MEASURE_STATES = MEASURE.states
SETTLEMENT_STATES = SETTLEMENT.states
DEDUCTION_KINDS = ("violation", "damage", "other")

Money = Numeric(12, 2)
