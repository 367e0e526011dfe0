"""The patrol area's lifecycles, each one table of allowed transitions.

The machine itself is the shared ``xunjian.lifecycle.StateMachine``; an event that keeps the
state (a check-in during a run) is a transition to the same state. The tables' state CHECKs are
built from these states (``models/vocabulary.py``).
"""

from __future__ import annotations

from typing import Any

from .. import audit
from ..lifecycle import StateMachine

RUN = StateMachine(
    "patrol run",
    "巡查",
    {
        ("in_progress", "check_in"): "in_progress",
        ("in_progress", "record_finding"): "in_progress",
        ("in_progress", "finish"): "completed",
        ("in_progress", "finish_early"): "ended_early",
    },
    {"in_progress": "进行中", "completed": "已完成", "ended_early": "提前结束"},
)

FINDING = StateMachine(
    "finding",
    "巡查发现",
    {("open", "forward"): "forwarded"},
    {"no_action": "无需处理", "open": "待处理", "forwarded": "已转办"},
    # "ok" findings start as no_action and stay so; problems start open
    initial=("no_action", "open"),
    field="status",
)

ALERT = StateMachine(
    "alert",
    "告警",
    {
        ("open", "acknowledge"): "acknowledged",
        ("open", "resolve"): "resolved",
        ("acknowledged", "resolve"): "resolved",
    },
    {"open": "未处理", "acknowledged": "已确认", "resolved": "已解除"},
)


def describe_handover(handover: Any) -> dict[str, Any]:
    """A handover as the audit log keeps it: its columns and its items."""
    data = audit.snapshot(handover)
    data["items"] = [[i.kind, i.description, i.count] for i in handover.items]
    return data


HANDOVER = StateMachine(
    "handover",
    "交接班",
    {
        ("draft", "edit"): "draft",
        ("draft", "confirm_outgoing"): "outgoing_confirmed",
        ("outgoing_confirmed", "confirm_incoming"): "completed",
    },
    {"draft": "草稿", "outgoing_confirmed": "交班人已确认", "completed": "已完成"},
    describe=describe_handover,
)
