"""Every transition of the work-order state machine through the API, and every illegal one."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.workorders.conftest import EVENTS, PATH_TO
from xunjian.audit import AuditEntry
from xunjian.workorders.models import ORDER_STATES
from xunjian.workorders.states import ORDER

LEGAL = sorted(ORDER.transitions.items())
# adopt_completion needs a kept late report: tested in test_completions.py.
API_EVENTS = sorted(EVENTS)


def test_the_table_covers_every_state_and_event():
    states = {s for s, _ in ORDER.transitions} | set(ORDER.transitions.values())
    assert states == set(ORDER_STATES)
    assert {e for _, e in ORDER.transitions} == set(EVENTS) | {"adopt_completion"}
    # terminal states have no way out
    assert ORDER.events_from("closed") == []
    assert ORDER.events_from("unresolvable") == []


@pytest.mark.parametrize(
    ("state", "event"),
    [key for key, _ in LEGAL if key[1] != "adopt_completion"],
    ids=[f"{s}-{e}" for (s, e), _ in LEGAL if e != "adopt_completion"],
)
def test_every_legal_transition(wo, clock, state, event):
    order = wo.drive(state)
    clock.advance(minutes=1)
    response = wo.event(order["id"], event)
    assert response.status_code in (200, 201), response.json
    after = wo.get(order["id"]).json
    assert after["state"] == ORDER.transitions[(state, event)]
    assert after["version"] > order["version"]


@pytest.mark.parametrize("state", ORDER_STATES)
def test_every_illegal_transition_is_a_409(wo, session, state):
    order = wo.drive(state)
    illegal = [e for e in API_EVENTS if not ORDER.allows(state, e)]
    assert illegal
    audited = session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1))
    for event in illegal:
        response = wo.event(order["id"], event)
        assert response.status_code == 409, (state, event, response.json)
        assert response.json["code"] == "illegal_transition", (state, event, response.json)
        assert response.json["details"]["state"] == state
        assert response.json["details"]["allowed_events"] == ORDER.events_from(state)
        assert response.json["details"]["message_zh"]
    after = wo.get(order["id"]).json
    assert after["state"] == state and after["version"] == order["version"]
    assert session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1)) == audited


def test_happy_path_is_audited_step_by_step(wo, session):
    # Committed tests leave audit rows behind (append-only) and SQLite reuses deleted ids.
    since = session.scalar(select(func.max(AuditEntry.id))) or 0
    order = wo.drive("closed")
    actions = list(
        session.scalars(
            select(AuditEntry.action)
            .where(
                AuditEntry.entity_type == "work_orders",
                AuditEntry.entity_id == str(order["id"]),
                AuditEntry.id > since,
            )
            .order_by(AuditEntry.id)
        )
    )
    assert actions == [
        "create",
        "assign",
        "accept",
        "arrive",
        "complete",
        "verify",
        "visit_satisfied",
        "close",
    ]
    assert order["closed_at"] and order["visited_at"] and order["verified_at"]
    assert order["first_accepted_at"] and order["first_done_at"] == order["done_at"]
    assert order["rework_count"] == 0
    assert order["allowed_events"] == []
    history = order["assignments"]
    assert [a["end_reason"] for a in history] == ["closed"]


def test_pause_needs_a_reason_and_resume_clears_it(wo):
    order = wo.drive("on_site")
    response = wo.post("eng1", order["id"], "pause", {"reason": "  "})
    assert response.status_code == 422 and response.json["code"] == "reason_required"
    paused = wo.post("eng1", order["id"], "pause", {"reason": "等配件"}).json
    assert paused["state"] == "paused" and paused["pause_reason"] == "等配件"
    resumed = wo.post("eng1", order["id"], "resume").json
    assert (
        resumed["state"] == "on_site" and resumed["pause_reason"] == "" and not resumed["paused_at"]
    )


def test_decline_and_return_go_back_to_new_for_reassignment(wo, session):
    order = wo.drive("assigned")
    declined = wo.post("eng1", order["id"], "decline", {"reason": "不是我的专业"}).json
    assert declined["state"] == "new" and declined["assignee_id"] is None
    assert declined["last_return_reason"] == "不是我的专业"
    again = wo.event(order["id"], "assign").json
    assert again["state"] == "assigned"
    wo.event(order["id"], "accept")
    returned = wo.post("eng1", order["id"], "return", {"reason": "需要电梯公司"}).json
    assert returned["state"] == "new"
    assert [a["end_reason"] for a in returned["assignments"]] == ["declined", "returned"]
    # the front desk hears about it
    feed = wo.user("fd1").get("/api/v1/notifications").json["items"]
    assert [n["kind"] for n in feed].count("returned") == 2


def test_engineer_actions_need_the_assignee(wo):
    order = wo.drive("assigned")
    other = wo.staff("engineer")
    token_user = other.username
    response = wo.post(token_user, order["id"], "accept")
    assert response.status_code == 409 and response.json["code"] == "not_assignee"


def test_team_queue_is_taken_by_the_first_engineer_who_accepts(wo):
    order = wo.create(team="水电班")
    assert order["state"] == "assigned" and order["assignee_id"] is None
    queue = wo.user("eng1").get("/api/v1/workorders/queue").json["items"]
    assert order["id"] in [o["id"] for o in queue]
    taken = wo.post("eng1", order["id"], "accept").json
    assert taken["assignee_id"] == wo.uid("eng1") and taken["state"] == "accepted"
    assert [a["end_reason"] for a in taken["assignments"]] == ["taken", None]


def test_if_match_is_required_and_checked(wo):
    order = wo.create()
    url = f"/api/v1/workorders/{order['id']}/assign"
    body = {"assignee_id": wo.uid("eng1")}
    assert wo.user("fd1").post(url, json=body).status_code == 428
    stale = wo.etag(order["id"])
    wo.user("fd1").patch(
        f"/api/v1/workorders/{order['id']}",
        json={"priority": "urgent"},
        headers={"If-Match": stale},
    )
    response = wo.user("fd1").post(url, json=body, headers={"If-Match": stale})
    assert response.status_code == 412


def test_edit_recomputes_due_times_from_creation(wo, clock):
    order = wo.create(priority="low")
    clock.advance(hours=1)
    edited = (
        wo.user("fd1")
        .patch(
            f"/api/v1/workorders/{order['id']}",
            json={"priority": "urgent"},
            headers={"If-Match": wo.etag(order["id"])},
        )
        .json
    )
    assert edited["priority"] == "urgent"
    assert edited["response_due_at"] == "2026-11-23T02:00:00+00:00"  # created 01:30 + 0.5 h
    assert edited["completion_due_at"] == "2026-11-23T05:30:00+00:00"  # + 4 h


def test_all_paths_are_reachable():
    assert set(PATH_TO) == set(ORDER_STATES)
