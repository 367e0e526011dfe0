"""The renovation area's lifecycles, each one table of allowed transitions.

The machine itself is the shared ``xunjian.lifecycle.StateMachine``. An event that keeps the
state (a failed re-inspection, a measure added to an open notice) is a transition to the same
state, so "what may happen in which state" is read off one table. The tables' state CHECKs are
built from these states (``models/vocabulary.py``).
"""

from __future__ import annotations

from typing import Any

from .. import audit
from ..lifecycle import StateMachine

RENOVATION = StateMachine(
    "renovation",
    "装修",
    {
        ("applied", "edit"): "applied",
        ("approved", "edit"): "approved",
        ("in_progress", "edit"): "in_progress",
        ("suspended", "edit"): "suspended",
        # inspections keep the state; they are refused before approval and after settlement
        **{(s, "inspect"): s for s in ("approved", "in_progress", "suspended")},
        ("completion_inspection", "inspect"): "completion_inspection",
        **{
            (s, "raise_notice"): s
            for s in ("approved", "in_progress", "suspended", "completion_inspection")
        },
        ("applied", "approve"): "approved",
        ("approved", "start"): "in_progress",
        ("in_progress", "request_completion"): "completion_inspection",
        ("completion_inspection", "reopen"): "in_progress",
        ("completion_inspection", "settle"): "deposit_settled",
        ("approved", "suspend"): "suspended",
        ("in_progress", "suspend"): "suspended",
        # resume goes back to the state the site was suspended from (kept in suspended_from)
        ("suspended", "resume"): ("approved", "in_progress"),
    },
    {
        "applied": "已申请",
        "approved": "已批准",
        "in_progress": "施工中",
        "completion_inspection": "竣工验收",
        "deposit_settled": "押金已结算",
        "suspended": "已停工",
    },
)

_OPEN_FOR_REINSPECTION = ("acknowledged", "refused", "overdue", "escalated")
_OPEN = ("issued", "acknowledged", "refused", "overdue", "escalated")

NOTICE = StateMachine(
    "rectification notice",
    "整改通知单",
    {
        ("draft", "issue"): "issued",
        ("draft", "cancel"): "cancelled",
        ("issued", "acknowledge"): "acknowledged",
        ("issued", "refuse"): "refused",
        **{(s, "pass_reinspection"): "reinspection_passed" for s in _OPEN_FOR_REINSPECTION},
        **{(s, "fail_reinspection"): s for s in _OPEN_FOR_REINSPECTION},
        **{(s, "mark_overdue"): "overdue" for s in ("issued", "acknowledged", "refused")},
        ("overdue", "escalate"): "escalated",
        ("reinspection_passed", "close"): "closed",
        ("escalated", "close"): "closed",
        ("escalated", "refer"): "referred",
        **{(s, "add_measure"): s for s in _OPEN},
    },
    {
        "draft": "草稿",
        "issued": "已发出",
        "acknowledged": "已签收",
        "refused": "拒签",
        "overdue": "已逾期",
        "escalated": "已升级处理（约谈）",
        "reinspection_passed": "复查合格",
        "closed": "已关闭",
        "referred": "已移交",
        "cancelled": "已作废",
    },
)

MEASURE = StateMachine(
    "measure",
    "处理措施",
    {
        ("requested", "approve"): "approved",
        ("requested", "reject"): "rejected",
        ("approved", "apply"): "in_effect",
        ("in_effect", "lift"): "lifted",
    },
    {
        "requested": "待经理批准",
        "approved": "已批准",
        "rejected": "未批准",
        "in_effect": "已执行",
        "lifted": "已解除",
    },
    # a measure that needs no manager's approval is in effect as soon as it is decided
    initial=("requested", "in_effect"),
)


def describe_settlement(settlement: Any) -> dict[str, Any]:
    """A settlement as the audit log keeps it: its columns and its itemised deductions."""
    return {
        **audit.snapshot(settlement),
        "deductions": [
            {
                "kind": d.kind,
                "violation_id": d.violation_id,
                "description": d.description,
                "amount": str(d.amount),
            }
            for d in settlement.deductions
        ],
    }


SETTLEMENT = StateMachine(
    "deposit settlement",
    "押金结算",
    {
        ("draft", "edit"): "draft",
        ("rejected", "edit"): "draft",
        ("draft", "submit"): "submitted",
        ("submitted", "approve"): "approved",
        ("submitted", "reject"): "rejected",
    },
    {"draft": "草稿", "submitted": "待经理批准", "approved": "已批准", "rejected": "已退回"},
    describe=describe_settlement,
)
