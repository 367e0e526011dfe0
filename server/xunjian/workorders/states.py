"""The work-order area's lifecycles, each one table of allowed transitions (see
``xunjian.lifecycle``). The tables' CHECK constraints are built from these states.

Work order (派工单):

    new → assigned → accepted → on_site ⇄ paused → done → verified → visited → closed
    assigned/rework --decline--> new;  accepted/on_site/paused --return--> new
    (front desk may reassign any open order: --assign--> assigned)
    done --fail_verification--> rework;  verified --visit_unsatisfied--> rework  (counted)
    rework --accept--> accepted (the engineer who did it, due again within 24 h)
    any unfinished state --close_unresolvable--> unresolvable (manager, written reason)

Reporting "done" is a *completion* (``completions.py``): a record from the phone, applied
through the same table (``complete`` / ``adopt_completion``); a late one waits as
``late_pending`` in its own machine (``COMPLETION``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from ..lifecycle import StateMachine
from ..tenancy import Actor

# Engineering has not finished: these escalate (supervisor after 2, manager after ~a week).
OPEN_ORDER_STATES = ("new", "assigned", "accepted", "on_site", "paused", "rework")
ENGINEER_HOLDS = ("accepted", "on_site", "paused")
REASSIGNABLE = ("new", "assigned", "accepted", "on_site", "paused", "rework")
FINAL_STATES = ("closed", "unresolvable")


def _order_moved(session: Session, actor: Actor | None, order: Any, now: dt.datetime) -> None:
    """What every move implies: leaving a pause by any way (resume, return, close…) ends it;
    a final state records who ended the order and when."""
    if order.state != "paused":
        order.paused_at, order.pause_reason = None, ""
    if order.state in FINAL_STATES:
        order.closed_at = now
        order.closed_by_id = actor.user_id if actor else None


_T: dict[tuple[str, str], str] = {}
for _s in REASSIGNABLE:
    _T[(_s, "assign")] = "assigned"
for _s in ("assigned", "rework"):
    _T[(_s, "accept")] = "accepted"
    _T[(_s, "decline")] = "new"
for _s in ENGINEER_HOLDS:
    _T[(_s, "return")] = "new"
_T[("accepted", "arrive")] = "on_site"
_T[("on_site", "pause")] = "paused"
_T[("paused", "resume")] = "on_site"
_T[("on_site", "complete")] = "done"
for _s in OPEN_ORDER_STATES:
    _T[(_s, "adopt_completion")] = "done"  # the front desk adopts a kept late report
_T[("done", "verify")] = "verified"
_T[("done", "fail_verification")] = "rework"
_T[("verified", "visit_satisfied")] = "visited"
_T[("verified", "visit_unsatisfied")] = "rework"
_T[("visited", "close")] = "closed"
for _s in (*OPEN_ORDER_STATES, "done", "verified", "visited"):
    _T[(_s, "close_unresolvable")] = "unresolvable"
for _s in ("new", "assigned"):
    _T[(_s, "edit")] = _s

ORDER = StateMachine(
    "work order",
    "派工单",
    _T,
    {
        "new": "待派工",
        "assigned": "已派工",
        "accepted": "已接单",
        "on_site": "已到场",
        "paused": "暂停",
        "done": "已完工",
        "verified": "已验收",
        "visited": "已回访",
        "closed": "已关闭",
        "rework": "返修",
        "unresolvable": "无法解决",
    },
    on_move=_order_moved,
)


def _request_moved(session: Session, actor: Actor | None, request: Any, now: dt.datetime) -> None:
    if request.state in FINAL_STATES:
        request.closed_at = now
        request.closed_by_id = actor.user_id if actor else None


REQUEST = StateMachine(
    "request",
    "报事记录",
    {
        ("open", "dispatch"): "dispatched",
        ("dispatched", "dispatch"): "dispatched",
        ("open", "handle"): "handled",
        ("open", "reply"): "open",
        ("dispatched", "reply"): "dispatched",
        ("handled", "reply"): "handled",
        ("handled", "close"): "closed",
        # Follow the work orders: all done → handled; one reworked → dispatched again;
        # all closed → closed (unresolvable only when every order was).
        ("dispatched", "orders_done"): "handled",
        ("handled", "orders_reopened"): "dispatched",
        ("dispatched", "orders_closed"): "closed",
        ("handled", "orders_closed"): "closed",
        ("dispatched", "orders_unresolvable"): "unresolvable",
        ("handled", "orders_unresolvable"): "unresolvable",
        # Return visit of a complaint handled at the desk.
        ("handled", "visit_satisfied"): "closed",
        ("handled", "visit_unsatisfied"): "open",
        ("open", "close_unresolvable"): "unresolvable",
        ("dispatched", "close_unresolvable"): "unresolvable",
        ("handled", "close_unresolvable"): "unresolvable",
    },
    {
        "open": "待处理",
        "dispatched": "已派工",
        "handled": "已处理",
        "closed": "已关闭",
        "unresolvable": "无法解决",
    },
    on_move=_request_moved,
)

# A completion report applies at once ("applied") or, arriving after a reassignment, waits for
# the front desk as "late_pending" to be adopted or dismissed.
COMPLETION = StateMachine(
    "late completion",
    "迟到的完工报告",
    {("late_pending", "adopt"): "adopted", ("late_pending", "dismiss"): "dismissed"},
    {"applied": "已生效", "late_pending": "待前台处理", "adopted": "已采纳", "dismissed": "已驳回"},
    initial=("applied", "late_pending"),
    field="status",
)
