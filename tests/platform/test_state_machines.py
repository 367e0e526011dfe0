"""Every lifecycle is one ``StateMachine`` (``xunjian.lifecycle``), and every machine is whole:
its states are exactly what the table's CHECK constraint allows, every state and event can be
reached from where rows start, and every event it does not allow is a 409 naming the events it
does. The HTTP side (``details.allowed_events`` through the real API) is tested per area.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import CheckConstraint, Table

import xunjian
from xunjian.db import Base
from xunjian.errors import IllegalTransition
from xunjian.evidence.models import Evidence, Loan
from xunjian.evidence.states import LOAN, REVIEW
from xunjian.lifecycle import StateMachine
from xunjian.patrol.models import Alert, Finding, Handover, Run
from xunjian.patrol.states import ALERT, FINDING, HANDOVER, RUN
from xunjian.renovation.models import Measure, Notice, Renovation, Settlement
from xunjian.renovation.states import MEASURE, NOTICE, RENOVATION, SETTLEMENT
from xunjian.workorders.models import Completion, ServiceRequest, WorkOrder
from xunjian.workorders.states import COMPLETION, ORDER, REQUEST

LIFECYCLES: dict[str, tuple[StateMachine, type[Any]]] = {
    "work_order": (ORDER, WorkOrder),
    "service_request": (REQUEST, ServiceRequest),
    "completion": (COMPLETION, Completion),
    "patrol_run": (RUN, Run),
    "patrol_finding": (FINDING, Finding),
    "patrol_alert": (ALERT, Alert),
    "handover": (HANDOVER, Handover),
    "renovation": (RENOVATION, Renovation),
    "notice": (NOTICE, Notice),
    "measure": (MEASURE, Measure),
    "settlement": (SETTLEMENT, Settlement),
    "evidence_review": (REVIEW, Evidence),
    "loan": (LOAN, Loan),
}
# State-like columns that are no lifecycle: no person moves them and nothing is audited (a
# background job's progress), or a recorded outcome that never changes.
NOT_LIFECYCLES = {
    ("webhook_deliveries", "state"),  # the delivery job's retry bookkeeping
    ("evidence", "derivatives_state"),  # the thumbnail job's progress
    ("patrol_spot_checks", "status"),  # what the checker found, signed, immutable
}
CASES = [pytest.param(machine, model, id=name) for name, (machine, model) in LIFECYCLES.items()]


def _allowed_values(table: Table, column: str) -> tuple[str, ...]:
    """The values of the ``column IN (...)`` CHECK constraint on ``table``."""
    pattern = re.compile(rf"^{column} IN \((.*)\)$")
    for constraint in table.constraints:
        if isinstance(constraint, CheckConstraint):
            match = pattern.match(str(constraint.sqltext))
            if match:
                return tuple(re.findall(r"'([^']*)'", match.group(1)))
    raise AssertionError(f"{table.name} has no CHECK on {column}")


def test_every_machine_in_the_code_is_tested() -> None:
    found = set()
    for info in pkgutil.walk_packages(xunjian.__path__, "xunjian."):
        if ".migrations" in info.name:
            continue
        module = importlib.import_module(info.name)
        found |= {id(v) for v in vars(module).values() if isinstance(v, StateMachine)}
    assert found == {id(machine) for machine, _ in LIFECYCLES.values()}


def test_every_state_column_is_a_lifecycle_or_said_not_to_be() -> None:
    tested = {(model.__tablename__, machine.field) for machine, model in LIFECYCLES.values()}
    stateful = {
        (table.name, column.name)
        for table in Base.metadata.tables.values()
        for column in table.columns
        if column.name in ("state", "status") or column.name.endswith(("_state", "_status"))
    }
    assert stateful == tested | NOT_LIFECYCLES


@pytest.mark.parametrize(("machine", "model"), CASES)
def test_states_are_the_check_constraint(machine: StateMachine, model: type[Any]) -> None:
    table = model.__table__
    assert _allowed_values(table, machine.field) == machine.states
    assert machine.field in table.columns


@pytest.mark.parametrize(("machine", "model"), CASES)
def test_the_table_is_closed_over_its_states(machine: StateMachine, model: type[Any]) -> None:
    assert set(machine.initial_states) <= set(machine.states)
    for (state, _event), _target in machine.transitions.items():
        assert state in machine.states
        for target in machine.targets(state, _event):
            assert target in machine.states


@pytest.mark.parametrize(("machine", "model"), CASES)
def test_every_state_and_event_is_reachable(machine: StateMachine, model: type[Any]) -> None:
    reached = set(machine.initial_states)
    frontier = list(reached)
    used: set[tuple[str, str]] = set()
    while frontier:
        state = frontier.pop()
        for event in machine.events_from(state):
            used.add((state, event))
            for target in machine.targets(state, event):
                if target not in reached:
                    reached.add(target)
                    frontier.append(target)
    assert reached == set(machine.states)
    assert used == set(machine.transitions)


@pytest.mark.parametrize(("machine", "model"), CASES)
def test_every_illegal_event_is_a_409_naming_the_allowed_ones(
    machine: StateMachine, model: type[Any]
) -> None:
    refused = 0
    for state in machine.states:
        for event in machine.events:
            if machine.allows(state, event):
                continue
            row = SimpleNamespace(**{machine.field: state})
            with pytest.raises(IllegalTransition) as caught:
                # The session is never touched: the move is refused before anything changes.
                machine.apply(None, None, row, event, now=None)  # type: ignore[arg-type]
            error = caught.value
            assert error.status == 409 and error.code == "illegal_transition"
            assert error.details == {
                "state": state,
                "event": event,
                "allowed_events": machine.events_from(state),
            }
            assert error.message_zh and machine.states_zh[state] in error.message_zh
            assert getattr(row, machine.field) == state
            with pytest.raises(IllegalTransition):
                machine.check(row, event)
            refused += 1
    assert refused  # every lifecycle has something it refuses


def test_an_event_with_several_targets_needs_the_caller_to_choose() -> None:
    assert RENOVATION.targets("suspended", "resume") == ("approved", "in_progress")
    assert RENOVATION.next("suspended", "resume", to="in_progress") == "in_progress"
    with pytest.raises(ValueError):
        RENOVATION.next("suspended", "resume")
    with pytest.raises(ValueError):
        RENOVATION.next("suspended", "resume", to="deposit_settled")
