"""The patrol area's lifecycles, each one table of allowed transitions.

``(state, event) -> next state``. An event that keeps the state (a check-in during a run) is a
transition to the same state, so "what may happen in which state" is read off one table.
Anything not in a table is refused with IllegalTransition (409).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..errors import IllegalTransition


@dataclass(frozen=True)
class StateMachine:
    name: str
    name_zh: str
    transitions: Mapping[tuple[str, str], str]
    states_zh: Mapping[str, str]

    def next(self, state: str, event: str) -> str:
        try:
            return self.transitions[(state, event)]
        except KeyError:
            raise IllegalTransition(
                f"This {self.name} is {state.replace('_', ' ')}; '{event}' is not possible now.",
                message_zh=f"该{self.name_zh}当前为「{self.states_zh.get(state, state)}」，"
                f"不能执行此操作。",
                details={"state": state, "event": event},
            ) from None

    def allows(self, state: str, event: str) -> bool:
        return (state, event) in self.transitions


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

HANDOVER = StateMachine(
    "handover",
    "交接班",
    {
        ("draft", "edit"): "draft",
        ("draft", "confirm_outgoing"): "outgoing_confirmed",
        ("outgoing_confirmed", "confirm_incoming"): "completed",
    },
    {"draft": "草稿", "outgoing_confirmed": "交班人已确认", "completed": "已完成"},
)
