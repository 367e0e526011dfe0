"""Renovation enforcement (装修管理): the registry, the versioned violation checklist, daily
inspections, rectification notices (违章整改通知单) with the measures ladder, and deposit
settlements.

States are CHECK-constrained strings tied to the columns each state needs, so the database
refuses e.g. an "acknowledged" notice without a signature, whatever the code does. The allowed
moves between states are in ``states.py``.

The tables are split by subject (``checklist``, ``sites``, ``notices``, ``deposits``); import
them from here, which is also what the Alembic models registry (``xunjian.models``) does.
"""

from __future__ import annotations

from .checklist import ChecklistItem, ChecklistVersion
from .deposits import Deduction, Settlement
from .notices import Measure, Notice, NoticeCounter, Reinspection
from .sites import Inspection, InspectionResult, Renovation
from .vocabulary import (
    ACK_KINDS,
    ACTIVE_STATES,
    APPROVALS,
    DEDUCTION_KINDS,
    INSPECTION_KINDS,
    ITEM_KINDS,
    MEASURE_STATES,
    NOTICE_STATES,
    OPEN_NOTICE_STATES,
    RENOVATION_STATES,
    RESULTS,
    SETTLEMENT_STATES,
    SEVERITIES,
    SIGNER_ROLES,
    Money,
)

__all__ = [
    "ACK_KINDS",
    "ACTIVE_STATES",
    "APPROVALS",
    "DEDUCTION_KINDS",
    "INSPECTION_KINDS",
    "ITEM_KINDS",
    "MEASURE_STATES",
    "NOTICE_STATES",
    "OPEN_NOTICE_STATES",
    "RENOVATION_STATES",
    "RESULTS",
    "SETTLEMENT_STATES",
    "SEVERITIES",
    "SIGNER_ROLES",
    "ChecklistItem",
    "ChecklistVersion",
    "Deduction",
    "Inspection",
    "InspectionResult",
    "Measure",
    "Money",
    "Notice",
    "NoticeCounter",
    "Reinspection",
    "Renovation",
    "Settlement",
]
