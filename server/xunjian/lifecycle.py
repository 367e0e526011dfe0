"""The one shape of every lifecycle: a table of allowed transitions.

``(state, event) -> next state``. An event that keeps the state (a check-in during a patrol
run, a failed re-inspection) is a transition to the same state, so "what may happen in which
state" is read off one table. Anything not in a table is refused with IllegalTransition (409),
naming the current state and the events that are possible in it, so a person can act on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .errors import IllegalTransition


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
            allowed = self.events_from(state)
            raise IllegalTransition(
                f"This {self.name} is {state.replace('_', ' ')}; '{event}' is not possible now"
                + (f" (possible: {', '.join(allowed)})." if allowed else "."),
                message_zh=f"该{self.name_zh}当前为「{self.states_zh.get(state, state)}」，"
                f"不能执行此操作。",
                details={"state": state, "event": event, "allowed_events": allowed},
            ) from None

    def allows(self, state: str, event: str) -> bool:
        return (state, event) in self.transitions

    def events_from(self, state: str) -> list[str]:
        return sorted(e for s, e in self.transitions if s == state)
