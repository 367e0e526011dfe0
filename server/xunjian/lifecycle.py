"""The one shape of every lifecycle: a table of allowed transitions, and the one call that moves
a row through it.

``(state, event) -> next state``. An event that keeps the state (a check-in during a patrol
run, a failed re-inspection) is a transition to the same state, so "what may happen in which
state" is read off one table. Anything not in a table is refused with IllegalTransition (409),
naming the current state and the events that are possible in it, so a person can act on it.

A machine owns its states: the table's CHECK constraint is built from them
(``check_constraint``), so the database and the table cannot disagree. ``apply`` is the only way
a row changes state: it looks the move up, sets the state and the columns that go with it, runs
the machine's ``on_move`` (what every move implies, e.g. a closed order's closing time) and
writes the audit entry, named after the event, with the row before and after.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import CheckConstraint
from sqlalchemy.orm import Session

from . import audit
from .db import one_of
from .errors import IllegalTransition
from .tenancy import Actor

# One target, or (rarely) the few states an event may lead to, the caller choosing among them
# with ``to=`` (a suspended site resumes to where it was suspended from).
Target = str | tuple[str, ...]
OnMove = Callable[[Session, Actor | None, Any, dt.datetime], None]


@dataclass(frozen=True)
class StateMachine:
    name: str
    name_zh: str
    transitions: Mapping[tuple[str, str], Target]
    # Every state, in the order of the CHECK constraint, with the name people read.
    states_zh: Mapping[str, str]
    # Where rows start (the states creation writes); the first state unless said otherwise.
    initial: tuple[str, ...] = ()
    # The column holding the state; the CHECK constraint is named after it too.
    field: str = "state"
    on_move: OnMove | None = None
    # How the audit log describes the row (a default snapshot, or one with its child rows).
    describe: Callable[[Any], dict[str, Any]] = audit.snapshot

    @property
    def states(self) -> tuple[str, ...]:
        return tuple(self.states_zh)

    @property
    def initial_states(self) -> tuple[str, ...]:
        return self.initial or self.states[:1]

    @property
    def events(self) -> tuple[str, ...]:
        return tuple(sorted({event for _, event in self.transitions}))

    def check_constraint(self) -> CheckConstraint:
        """The table's CHECK that the state column holds one of this machine's states."""
        return CheckConstraint(one_of(self.field, self.states), name=self.field)

    def targets(self, state: str, event: str) -> tuple[str, ...]:
        try:
            target = self.transitions[(state, event)]
        except KeyError:
            raise self.refusal(state, event) from None
        return (target,) if isinstance(target, str) else target

    def next(self, state: str, event: str, to: str | None = None) -> str:
        """The state ``event`` leads to from ``state``; 409 when it is not possible there."""
        targets = self.targets(state, event)
        if to is None and len(targets) == 1:
            return targets[0]
        if to not in targets:  # a bug in the caller, not a user's mistake
            raise ValueError(f"{self.name}: '{event}' from {state} leads to one of {targets}")
        return to

    def check(self, row: Any, event: str) -> None:
        """Refuse (409) unless ``event`` is possible now: called before anything else is judged,
        so a stale screen hears "not possible now" rather than a complaint about its input."""
        self.targets(getattr(row, self.field), event)

    def allows(self, state: str, event: str) -> bool:
        return (state, event) in self.transitions

    def events_from(self, state: str) -> list[str]:
        return sorted(e for s, e in self.transitions if s == state)

    def refusal(self, state: str, event: str) -> IllegalTransition:
        allowed = self.events_from(state)
        return IllegalTransition(
            f"This {self.name} is {state.replace('_', ' ')}; '{event}' is not possible now"
            + (f" (possible: {', '.join(allowed)})." if allowed else "."),
            message_zh=f"该{self.name_zh}当前为「{self.states_zh.get(state, state)}」，"
            f"不能执行此操作。",
            details={"state": state, "event": event, "allowed_events": allowed},
        )

    def apply(
        self,
        session: Session,
        actor: Actor | None,
        row: Any,
        event: str,
        *,
        now: dt.datetime,
        to: str | None = None,
        action: str | None = None,
        audit_extra: Mapping[str, Any] | None = None,
        **columns: Any,
    ) -> str:
        """Move ``row`` by ``event``: the next state, the given columns, ``on_move``, and one
        audit entry (action ``action`` or the event; ``audit_extra`` joins the after-image).
        Returns the new state. Checks on the input belong before this call: it changes the row.
        """
        target = self.next(getattr(row, self.field), event, to)
        before = self.describe(row)
        setattr(row, self.field, target)
        for name, value in columns.items():
            setattr(row, name, value)
        if self.on_move is not None:
            self.on_move(session, actor, row, now)
        session.flush()  # the after-image shows the defaults and ids the database gave
        after = {**self.describe(row), **(audit_extra or {})}
        audit.record(session, actor, row, action or event, before=before, after=after)
        return target
