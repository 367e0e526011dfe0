"""Demo requests and work orders: a month of the front desk's and engineering's work.

Each matter is a short script of steps at given times (report, dispatch, accept, arrive,
complete with photos, verify, return visit, close — or stall). The steps of all matters run
in time order, with the escalation job fired every morning as the scheduler would, so SLA
breaches and escalations land where real ones would.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from ..patrol.models import Finding
from ..workorders import closing, completions, engineer, orders, requests, sla, visits
from ..workorders.models import ServiceRequest, WorkOrder
from .world import HISTORY_DAYS, World, signature_png

# category, priority, what the owner said, place (building, unit number or None)
REPAIRS = (
    ("plumbing", "high", "卫生间下水堵塞，地漏返水", ("B1", "201")),
    ("electrical", "normal", "厨房插座没电", ("B1", "302")),
    ("lift", "urgent", "2栋电梯困人，已解救，需检修", ("B2", None)),
    ("civil", "normal", "阳台墙面开裂", ("B2", "202")),
    ("public_area", "low", "1栋大堂灯管闪烁", ("B1", None)),
    ("hvac", "normal", "中央空调出风口滴水", ("B1", "202")),
    ("plumbing", "normal", "楼上渗水到天花板", ("B1", "301")),
    ("electrical", "high", "楼道感应灯全部不亮", ("B2", None)),
    ("public_area", "normal", "单元门禁刷卡失灵", ("B1", None)),
    ("civil", "low", "小区道路地砖松动", (None, None)),
)

COMPLAINTS = (
    ("oral", "楼上装修噪音太大，中午也在施工"),
    ("written", "地下车库有车辆长期占用他人车位"),
    ("oral", "快递堆放在大堂影响通行"),
    ("written", "保洁不及时，垃圾桶满溢"),
)

# What each matter ends as, in the order they are generated (oldest first); the mix gives every
# state, SLA breaches on the stalled ones and a month of closed work for the metrics.
ENDINGS = (
    "closed", "closed", "unresolvable", "closed", "rework_visit", "closed", "closed",
    "stalled_assigned", "closed", "closed", "closed", "closed", "paused", "closed", "visited",
    "closed", "closed", "stalled_new", "closed", "rework_verify", "closed", "verified",
    "closed", "done", "verified", "on_site", "accepted", "assigned", "new",
)  # fmt: skip


@dataclass
class Matter:
    code: str
    request: ServiceRequest | None = None
    order: WorkOrder | None = None
    client_id: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


Step = tuple[dt.datetime, int, Callable[[], object]]


class Plan:
    """Steps of many matters, run in time order (ties in the order they were added). Steps
    not due by ``now`` are dropped: a matter's steps only move forward in time, so what is left
    of it is simply still to come."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now
        self.steps: list[Step] = []

    def at(self, when: dt.datetime, action: Callable[[], object]) -> None:
        if when <= self.now:
            self.steps.append((when, len(self.steps), action))

    def run(self) -> None:
        for _, _, action in sorted(self.steps, key=lambda s: (s[0], s[1])):
            action()


def _people(code: str) -> dict[str, str]:
    if code == "CUIHU":
        return {"desk": "fd1", "eng": "eng1", "lead": "sup1", "boss": "mgr1"}
    return {"desk": "admin", "eng": "eng2", "lead": "sup2", "boss": "admin"}


def _place(world: World, code: str, where: tuple[str | None, str | None]) -> dict[str, Any]:
    building, number = where
    if code != "CUIHU":
        building = "T1"
    if building is None:
        return {"place_text": "小区南门道路"}
    if number is not None and code == "CUIHU":
        unit = world.unit(code, building, number)
        return {"unit_id": unit.id}
    found = next(b for b in world.buildings(code) if b.code == building)
    return {"building_id": found.id}


def history(world: World) -> dict[str, int]:
    plan = Plan(world.now)
    counts = {"requests": 0, "orders": 0}
    for code, share in (("CUIHU", ENDINGS), ("JINRONG", ENDINGS[::3])):
        span = HISTORY_DAYS - 1.5
        for i, ending in enumerate(share):
            # Spread over the month, the open ones at the end (they are the recent ones) except
            # the stalled ones, which are old on purpose: their SLA has long run out.
            days_ago = span * (1 - i / len(share)) + 0.3
            if ending.startswith("stalled"):
                days_ago = world.rng.uniform(4, 9)
            repair = REPAIRS[(i * 7 + len(code)) % len(REPAIRS)]
            _repair(world, plan, code, days_ago, repair, ending)
            counts["orders"] += 1
            counts["requests"] += 1
    for i, (form, text) in enumerate(COMPLAINTS):
        _complaint(world, plan, "CUIHU", 20 - i * 6 + 0.4, form, text, i)
        counts["requests"] += 1
    counts["orders"] += _from_findings(world, plan)
    for back in range(HISTORY_DAYS, -1, -1):  # the escalation job, each morning
        morning = world.at("CUIHU", world.local_day("CUIHU", back), "09:05")
        _escalation_job(world, plan, morning)
    _escalation_job(world, plan, world.now)
    plan.run()
    return counts


def _escalation_job(world: World, plan: Plan, at: dt.datetime) -> None:
    plan.at(at, lambda: sla.escalate(world.session, at))


def _repair(
    world: World,
    plan: Plan,
    code: str,
    days_ago: float,
    repair: tuple[str, str, str, tuple[str | None, str | None]],
    ending: str,
) -> None:
    category, priority, matter_text, where = repair
    who = _people(code)
    s, rng = world.session, world.rng
    m = Matter(code=code, client_id=world.cid())
    t = world.now - dt.timedelta(days=days_ago)
    place = _place(world, code, where)

    def receive() -> None:
        m.request = requests.receive(
            s,
            world.actor(who["desk"]),
            t,
            client_id=world.cid(),
            property_id=world.props[code].id,
            channel=rng.choice(("phone", "visit", "online")),
            kind="repair",
            matter=matter_text,
            owner_name="业主" if "unit_id" in place else "",
            owner_phone="13800001234" if "unit_id" in place else "",
            **place,
        )

    plan.at(t, receive)
    if ending == "new":
        return
    t_dispatch = t + dt.timedelta(minutes=rng.randint(5, 40))
    if ending == "stalled_new":  # dispatched to nobody: nobody took it
        plan.at(t_dispatch, lambda: _create(world, m, t_dispatch, category, priority, None))
        return
    plan.at(t_dispatch, lambda: _create(world, m, t_dispatch, category, priority, who["eng"]))
    if ending in ("assigned", "stalled_assigned"):
        return
    t_accept = t_dispatch + dt.timedelta(minutes=rng.randint(5, 50))
    eng = world.actor(who["eng"])
    plan.at(t_accept, lambda: engineer.accept(s, eng, _o(m), t_accept))
    if ending == "accepted":
        return
    t_arrive = t_accept + dt.timedelta(minutes=rng.randint(15, 90))
    plan.at(t_arrive, lambda: engineer.arrive(s, eng, _o(m), t_arrive))
    if ending == "on_site":
        return
    if ending == "paused":
        t_pause = t_arrive + dt.timedelta(minutes=40)
        plan.at(t_pause, lambda: engineer.pause(s, eng, _o(m), "等待配件到货", t_pause))
        return
    t_done = t_arrive + dt.timedelta(minutes=rng.randint(30, 180))
    plan.at(t_done, lambda: _complete(world, m, who["eng"], t_done))
    if ending == "done":
        return
    t_verify = t_done + dt.timedelta(hours=rng.uniform(1, 20))
    desk = world.actor(who["desk"] if code == "CUIHU" else who["lead"])
    if ending == "rework_verify":
        plan.at(
            t_verify,
            lambda: closing.fail_verification(s, desk, _o(m), "现场仍有渗水", t_verify),
        )
        return
    plan.at(t_verify, lambda: closing.verify(s, desk, _o(m), t_verify))
    if ending == "verified":
        return
    t_visit = t_verify + dt.timedelta(hours=rng.uniform(2, 40))
    satisfied = ending != "rework_visit"
    if ending == "unresolvable":
        t_close = t_verify + dt.timedelta(days=1)
        boss = world.actor(who["boss"])
        reason = "需更换整段公共管道，已报业委会审议维修基金"
        plan.at(t_close, lambda: closing.close_unresolvable(s, boss, _o(m), reason, t_close))
        return
    plan.at(t_visit, lambda: _visit(world, m, desk, t_visit, satisfied))
    if ending in ("visited", "rework_visit"):
        return
    t_close = t_visit + dt.timedelta(minutes=rng.randint(5, 60))
    plan.at(t_close, lambda: closing.close(s, desk, _o(m), t_close))


def _o(m: Matter) -> WorkOrder:
    assert m.order is not None
    return m.order


def _create(
    world: World,
    m: Matter,
    at: dt.datetime,
    category: str,
    priority: str,
    assignee: str | None,
    finding_id: int | None = None,
) -> None:
    who = _people(m.code)
    place: dict[str, Any] = {}
    if m.request is None and finding_id is None:
        place = {"place_text": "公共区域"}
    m.order = orders.create(
        world.session,
        world.actor(who["desk"]),
        at,
        client_id=m.client_id,
        property_id=world.props[m.code].id,
        category=category,
        priority=priority,
        description=m.request.matter if m.request else "巡查发现，见照片",
        request_id=m.request.id if m.request else None,
        finding_id=finding_id,
        assignee_id=world.user_id(assignee) if assignee else None,
        **place,
    )


def _complete(world: World, m: Matter, eng: str, at: dt.datetime) -> None:
    order = _o(m)
    photo = world.photo(eng, m.code, "workorder_after", str(m.client_id), at, "fixed")
    completions.report(
        world.session,
        world.actor(eng),
        world.store,
        at + dt.timedelta(minutes=1),
        order,
        client_id=world.cid(),
        work_notes="已检修完毕，试用正常",
        after_photo_client_ids=[photo],
        parts=[{"name": "密封圈", "quantity": 2}] if world.rng.random() < 0.4 else None,
        owner_signature=signature_png(world.rng) if order.unit_id is not None else None,
    )


def _visit(world: World, m: Matter, desk: Any, at: dt.datetime, satisfied: bool) -> None:
    good = world.rng.randint(4, 5)
    visits.record(
        world.session,
        desk,
        world.store,
        at,
        client_id=world.cid(),
        property_id=world.props[m.code].id,
        method="phone",
        ratings={
            "attitude": good if satisfied else 3,
            "speed": world.rng.randint(3, 5) if satisfied else 2,
            "quality": good if satisfied else 2,
            "result": good if satisfied else 1,
        },
        work_order=_o(m),
        satisfied=satisfied,
        comment="维修及时，师傅态度好" if satisfied else "问题没有解决，还在漏",
    )


def _complaint(
    world: World, plan: Plan, code: str, days_ago: float, form: str, text: str, index: int
) -> None:
    """Complaints handled at the desk: replied, handled, visited (closed); one still open
    past its reply deadline; one closed as unresolvable by the manager."""
    s = world.session
    desk = world.actor("fd1")
    m = Matter(code=code)
    t = world.now - dt.timedelta(days=days_ago)

    def receive() -> None:
        m.request = requests.receive(
            s,
            desk,
            t,
            client_id=world.cid(),
            property_id=world.props[code].id,
            channel="visit" if form == "written" else "phone",
            kind="complaint",
            complaint_form=form,
            matter=text,
            owner_name="王先生",
            owner_phone="13800005678",
        )

    plan.at(t, receive)
    if index == 3:  # the newest: still open, past its reply deadline soon
        return
    t_reply = t + dt.timedelta(hours=5)
    plan.at(t_reply, lambda: requests.reply(s, desk, _r(m), "已联系相关方，会尽快处理", t_reply))
    if index == 2:
        t_give_up = t_reply + dt.timedelta(days=2)
        boss = world.actor("mgr1")
        plan.at(
            t_give_up,
            lambda: requests.close_unresolvable(
                s, boss, _r(m), "涉及业主之间纠纷，建议走法律途径", t_give_up
            ),
        )
        return
    t_handle = t_reply + dt.timedelta(days=1)
    plan.at(t_handle, lambda: requests.handle(s, desk, _r(m), "已协调施工方调整作业时间", t_handle))
    if index == 1:  # handled, waiting for the return visit
        return
    t_visit = t_handle + dt.timedelta(days=1)
    plan.at(
        t_visit,
        lambda: visits.record(
            s,
            desk,
            world.store,
            t_visit,
            client_id=world.cid(),
            property_id=world.props[code].id,
            method="phone",
            ratings={"attitude": 5, "speed": 4, "quality": 4, "result": 4},
            request=_r(m),
            satisfied=True,
            comment="满意",
        ),
    )


def _r(m: Matter) -> ServiceRequest:
    assert m.request is not None
    return m.request


def _from_findings(world: World, plan: Plan) -> int:
    """The desk turns a few of the patrols' problem findings into work orders; the rest stay
    open on the board."""
    findings = list(
        world.session.scalars(
            select(Finding)
            .where(
                Finding.property_id == world.props["CUIHU"].id,
                Finding.outcome == "problem",
                Finding.status == "open",
            )
            .order_by(Finding.recorded_at)
        )
    )
    taken = findings[: max(0, len(findings) - 3)][:6]
    for finding in taken:
        at = finding.received_at + dt.timedelta(hours=world.rng.uniform(1, 5))
        _order_from_finding(world, plan, Matter(code="CUIHU", client_id=world.cid()), finding, at)
    return len(taken)


def _order_from_finding(
    world: World, plan: Plan, m: Matter, finding: Finding, at: dt.datetime
) -> None:
    fid = finding.id
    plan.at(at, lambda: _create(world, m, at, "public_area", "normal", "eng1", fid))
    accept_at = at + dt.timedelta(hours=1)
    plan.at(
        accept_at, lambda: engineer.accept(world.session, world.actor("eng1"), _o(m), accept_at)
    )
