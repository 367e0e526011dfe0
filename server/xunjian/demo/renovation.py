"""Demo renovation sites, one in every state, with their inspections, rectification notices at
every stage, measures (some awaiting the manager) and deposits (settled, submitted, sent back,
in draft).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ..renovation import checklist, deposits, inspections, measures, notices, registry
from ..renovation.models import InspectionResult, Measure, Notice, Renovation
from .world import World, signature_png

CONTRACTORS = (
    ("深圳市安居装饰工程有限公司", "黄师傅", "13900000001"),
    ("鹏城家装设计有限公司", "林师傅", "13900000002"),
    ("南山美家装饰有限公司", "何师傅", "13900000003"),
)


@dataclass
class Site:
    code: str
    renovation: Renovation
    inspector: str


def _register(
    world: World, code: str, building: str, number: str, days_ago: float, inspector: str
) -> Site:
    unit = world.unit(code, building, number)
    company, foreman, phone = world.rng.choice(CONTRACTORS)
    at = world.days_back(days_ago)
    start = (at + dt.timedelta(days=3)).date()
    site = registry.register(
        world.session,
        world.actor("fd1" if code == "CUIHU" else "admin"),
        at,
        world.props[code],
        client_id=world.cid(),
        unit_id=unit.id,
        owner_name=unit.owner_name or "深圳市南山商贸有限公司",
        owner_phone=unit.owner_phone or "0755-26000000",
        contractor_company=company,
        foreman_name=foreman,
        foreman_phone=phone,
        start_date=start,
        end_date=start + dt.timedelta(days=75),
        deposit_amount="5000.00" if unit.kind != "commercial" else "20000.00",
        inspector_id=world.user_id(inspector),
    )
    world.session.flush()
    return Site(code, site, inspector)


def _approve(world: World, site: Site, at: dt.datetime) -> None:
    r = site.renovation
    registry.transition(
        world.session,
        world.actor("mgr1" if site.code == "CUIHU" else "admin"),
        at,
        r,
        "approve",
        permit={
            "permit_no": f"SG-{site.code[:2]}-{r.id:04d}",
            "permit_valid_from": r.start_date,
            "permit_valid_to": r.end_date + dt.timedelta(days=14),
        },
    )


def _move(world: World, site: Site, event: str, at: dt.datetime, boss: bool = False) -> None:
    who = ("mgr1" if site.code == "CUIHU" else "admin") if boss else "fd1"
    if site.code != "CUIHU" and not boss:
        who = "fm2"
    registry.transition(world.session, world.actor(who), at, site.renovation, event)


def _inspect(
    world: World, site: Site, at: dt.datetime, violations: tuple[tuple[str, str], ...] = ()
) -> list[int]:
    """One inspection at ``at``; the ids of the violations it found (each with a photo)."""
    inspection_id = world.cid()
    results = []
    for item, note in violations:
        photo = world.photo(site.inspector, site.code, "renovation_item", inspection_id, at, item)
        results.append(
            {"code": item, "result": "violation", "note": note, "photo_client_ids": [photo]}
        )
    inspection = inspections.record_inspection(
        world.session,
        world.actor(site.inspector),
        at + dt.timedelta(minutes=2),
        world.props[site.code],
        site.renovation,
        client_id=inspection_id,
        results=results,
        note="现场检查" if not violations else "发现违章，已拍照",
    )
    world.session.flush()
    return list(
        world.session.scalars(
            select(InspectionResult.id)
            .where(
                InspectionResult.inspection_id == inspection.id,
                InspectionResult.result == "violation",
            )
            .order_by(InspectionResult.id)
        )
    )


def _routine(world: World, site: Site, first: float, last: float, every: float = 3) -> None:
    """Clean daily inspections between ``first`` and ``last`` days ago, at mid-morning."""
    back = first
    while back > last:
        day = (world.now - dt.timedelta(days=back)).astimezone(world.tz(site.code)).date()
        at = world.at(site.code, day, "10:00") + dt.timedelta(minutes=world.rng.randint(0, 90))
        if at < world.now:
            _inspect(world, site, at)
        back -= every


def _notice(
    world: World,
    site: Site,
    at: dt.datetime,
    violation_ids: list[int],
    *,
    deadline_days: int | None = None,
    measures_: list[str] | None = None,
    issue: bool = True,
) -> Notice:
    deadline = None
    if deadline_days is not None:
        deadline = (at + dt.timedelta(days=deadline_days)).astimezone(world.tz(site.code)).date()
    return notices.create_notice(
        world.session,
        world.actor(site.inspector),
        at,
        world.props[site.code],
        site.renovation,
        violation_ids=violation_ids,
        client_id=world.cid(),
        deadline=deadline,
        measure_codes=measures_,
        issue=issue,
        store=world.store,
    )


def _sign(world: World, notice: Notice, at: dt.datetime, inspector: str) -> None:
    notices.acknowledge(
        world.session,
        world.actor(inspector),
        at,
        world.store,
        notice,
        outcome="signed",
        signer_name="黄师傅",
        signer_role="contractor",
        signature=signature_png(world.rng),
    )


def _reinspect(world: World, site: Site, notice: Notice, at: dt.datetime, passed: bool) -> None:
    reinspection_id = world.cid()
    photo = world.photo(site.inspector, site.code, "notice", notice.client_id or "", at, "recheck")
    notices.reinspect(
        world.session,
        world.actor(site.inspector),
        at + dt.timedelta(minutes=1),
        notice,
        client_id=reinspection_id,
        passed=passed,
        photo_client_ids=[photo],
        note="" if passed else "仍未整改完毕",
    )


def _measures_of(world: World, notice: Notice, state: str) -> list[Measure]:
    return list(
        world.session.scalars(
            select(Measure)
            .where(Measure.notice_id == notice.id, Measure.state == state)
            .order_by(Measure.id)
        )
    )


def history(world: World) -> dict[str, int]:
    s, now = world.session, world.now

    def ago(days: float) -> dt.datetime:
        return now - dt.timedelta(days=days)

    version = checklist.current_version(s, world.props["CUIHU"].company_id)

    # 1. Settled: a minor notice closed, completion inspected, deposit refunded less a fine.
    settled = _register(world, "CUIHU", "B1", "101", 29, "fm1")
    _approve(world, settled, ago(28))
    _move(world, settled, "start", ago(26))
    _routine(world, settled, 25.8, 19)
    found = _inspect(world, settled, ago(18.9), (("R20", "楼道堆放装修垃圾"),))
    closed = _notice(world, settled, ago(18.8), found, deadline_days=2)
    _sign(world, closed, ago(18.7), "fm1")
    _reinspect(world, settled, closed, ago(16.9), True)
    notices.close(s, world.actor("fm1"), ago(16.8), closed)
    _move(world, settled, "request_completion", ago(8))
    _inspect(world, settled, ago(7))
    settlement = deposits.create(
        s,
        world.actor("fd1"),
        ago(6),
        settled.renovation,
        deductions=[
            {"violation_id": found[0], "description": "装修垃圾清运费", "amount": "300.00"}
        ],
        client_id=world.cid(),
    )
    deposits.submit(s, world.actor("fd1"), ago(6), settlement)
    deposits.decide(
        s, world.actor("mgr1"), ago(5), settled.renovation, settlement, decision="approved"
    )

    # 2. In progress: one notice signed and running, one passed its re-inspection, one just issued.
    working = _register(world, "CUIHU", "B1", "201", 24, "fm1")
    _approve(world, working, ago(23))
    _move(world, working, "start", ago(21))
    _routine(world, working, 20.8, 0.5)
    found = _inspect(world, working, ago(6.9), (("R13", "在楼道堆放瓷砖"),))
    signed = _notice(world, working, ago(6.8), found, deadline_days=10)
    _sign(world, signed, ago(6.7), "fm1")
    found = _inspect(world, working, ago(4.9), (("R22", "未做电梯保护运送材料"),))
    passed = _notice(world, working, ago(4.8), found, deadline_days=3)
    _sign(world, passed, ago(4.7), "fm1")
    _reinspect(world, working, passed, ago(2.9), True)
    found = _inspect(world, working, ago(0.2), (("R24", "中午时段电钻施工，住户投诉"),))
    _notice(world, working, ago(0.19), found, deadline_days=1)

    # 3. Suspended: hot work without a permit — stop-work notice, contractor refused to sign,
    #    power cut awaiting the manager's approval.
    stopped = _register(world, "CUIHU", "B1", "202", 20, "fm1")
    _approve(world, stopped, ago(19))
    _move(world, stopped, "start", ago(17))
    _routine(world, stopped, 16.8, 3)
    found = _inspect(world, stopped, ago(2.9), (("R18", "未办动火证进行电焊作业"),))
    refused = _notice(world, stopped, ago(2.8), found, deadline_days=5, measures_=["M5"])
    photo = world.photo("fm1", "CUIHU", "notice", refused.client_id or "", ago(2.75), "posted")
    notices.acknowledge(
        s,
        world.actor("fm1"),
        ago(2.7),
        world.store,
        refused,
        outcome="refused",
        refusal_photo_client_id=photo,
        note="施工方拒绝签收，已张贴于门上",
    )

    # 4. Completion inspection, settlement submitted: waiting for the manager.
    finishing = _register(world, "CUIHU", "B1", "301", 27, "fm1")
    _approve(world, finishing, ago(26))
    _move(world, finishing, "start", ago(24))
    _routine(world, finishing, 23.8, 3)
    _move(world, finishing, "request_completion", ago(2.5))
    _inspect(world, finishing, ago(2))
    waiting = deposits.create(
        s, world.actor("fd1"), ago(1.5), finishing.renovation, deductions=[], client_id=world.cid()
    )
    deposits.submit(s, world.actor("fd1"), ago(1.4), waiting)

    # 5. Completion inspection, settlement sent back by the manager (damage amount disputed).
    disputed = _register(world, "CUIHU", "B2", "101", 28, "fm1")
    _approve(world, disputed, ago(27))
    _move(world, disputed, "start", ago(25))
    _routine(world, disputed, 24.8, 5, every=4)
    _move(world, disputed, "request_completion", ago(4.5))
    _inspect(world, disputed, ago(4))
    sent_back = deposits.create(
        s,
        world.actor("fd1"),
        ago(3.5),
        disputed.renovation,
        deductions=[{"kind": "damage", "description": "电梯轿厢划伤", "amount": "800.00"}],
        client_id=world.cid(),
    )
    deposits.submit(s, world.actor("fd1"), ago(3.4), sent_back)
    deposits.decide(
        s,
        world.actor("mgr1"),
        ago(3),
        disputed.renovation,
        sent_back,
        decision="rejected",
        note="请附电梯维保单位的维修报价",
    )

    # 6. Approved, work not started yet; 7. applied, awaiting the manager.
    ready = _register(world, "CUIHU", "B1", "302", 4, "fm1")
    _approve(world, ready, ago(2))
    _register(world, "CUIHU", "B2", "202", 0.6, "fm1")

    # 8. The hard case: overdue, escalated to an interview (penalty awaiting approval),
    #    referred to the authorities; a draft and a cancelled notice.
    hard = _register(world, "CUIHU", "B2", "201", 26, "fm1")
    _approve(world, hard, ago(25))
    _move(world, hard, "start", ago(23))
    _routine(world, hard, 22.8, 1, every=4)
    found = _inspect(
        world, hard, ago(16.9), (("R07", "封闭阳台并加装防盗网"), ("R04", "空调外机未装在指定位置"))
    )
    late = _notice(world, hard, ago(16.8), found[:1], deadline_days=4, measures_=["M3"])
    _sign(world, late, ago(16.7), "fm1")
    interviewed = _notice(world, hard, ago(16.6), found[1:], deadline_days=3)
    _sign(world, interviewed, ago(16.5), "fm1")
    notices.mark_overdue(s, ago(11.5))  # what the periodic job did that day
    _reinspect(world, hard, late, ago(11), False)
    notices.escalate(
        s,
        world.actor("sup1"),
        ago(10),
        interviewed,
        interview_at=ago(10.2),
        interview_outcome="业主承诺一周内整改，否则按协议扣违约金",
        measure_codes=["M7"],
    )
    found = _inspect(world, hard, ago(9.9), (("R09", "在承重墙上开槽"),))
    referred = _notice(world, hard, ago(9.8), found, deadline_days=1)
    photo = world.photo("fm1", "CUIHU", "notice", referred.client_id or "", ago(9.7), "posted")
    notices.acknowledge(
        s,
        world.actor("fm1"),
        ago(9.6),
        world.store,
        referred,
        outcome="refused",
        refusal_photo_client_id=photo,
    )
    notices.mark_overdue(s, ago(7.5))
    notices.escalate(
        s,
        world.actor("mgr1"),
        ago(7),
        referred,
        interview_at=ago(7.1),
        interview_outcome="业主拒不整改",
    )
    notices.refer(
        s,
        world.actor("mgr1"),
        ago(6.5),
        referred,
        referred_to="南山区住房和建设局",
        reason="破坏承重结构，拒不整改",
    )
    found = _inspect(world, hard, ago(1.1), (("R20", "装修垃圾未及时清运"),))
    _notice(world, hard, ago(1.05), found[:1], issue=False)  # a draft, not yet issued
    found = _inspect(world, hard, ago(3.1), (("R14", "门口加装广告灯箱"),))
    mistaken = _notice(world, hard, ago(3.05), found, issue=False)
    notices.cancel(s, world.actor("fm1"), ago(3), mistaken)
    _measures_decisions(world, hard, version)

    # Jinrong: an office fit-out in progress, and one finishing with its settlement in draft.
    office = _register(world, "JINRONG", "T1", _jinrong_units(world)[0], 18, "fm2")
    _approve(world, office, ago(17))
    _move(world, office, "start", ago(15))
    _routine(world, office, 14.8, 0.5, every=2)
    found = _inspect(world, office, ago(5), (("R16", "移动消火栓箱位置"),))
    jr = _notice(world, office, ago(4.9), found, deadline_days=7)
    _sign(world, jr, ago(4.8), "fm2")
    closing = _register(world, "JINRONG", "T1", _jinrong_units(world)[1], 25, "fm2")
    _approve(world, closing, ago(24))
    _move(world, closing, "start", ago(22))
    _routine(world, closing, 21.8, 2, every=3)
    _move(world, closing, "request_completion", ago(1.5))
    _inspect(world, closing, ago(1.2))
    deposits.create(
        s, world.actor("admin"), ago(1), closing.renovation, deductions=[], client_id=world.cid()
    )
    notices.mark_overdue(s, now)  # the periodic job's view of today: nothing left to mark
    return {"renovations": 10}


def _jinrong_units(world: World) -> list[str]:
    return [u.number for u in world.units("JINRONG")]


def _measures_decisions(world: World, hard: Site, version: Any) -> None:
    """The manager's decisions: one approved and applied, one approved (to apply), one
    rejected; the interview penalty and the power cut still wait (approvals)."""
    s, now = world.session, world.now
    notice = s.scalar(
        select(Notice)
        .where(Notice.renovation_id == hard.renovation.id, Notice.state == "overdue")
        .order_by(Notice.id)
    )
    assert notice is not None
    forfeit = measures.add(
        s,
        world.actor("fm1"),
        now - dt.timedelta(days=9),
        notice,
        version,
        code="M6",
        note="损坏公共走廊墙面，要求赔偿",
        client_id=world.cid(),
    )
    measures.decide(
        s,
        world.actor("mgr1"),
        now - dt.timedelta(days=8.5),
        forfeit,
        decision="approved",
        note="同意",
    )
    measures.apply(s, world.actor("fm1"), now - dt.timedelta(days=8), forfeit)
    tools = measures.add(
        s,
        world.actor("fm1"),
        now - dt.timedelta(days=6),
        notice,
        version,
        code="M7",
        note="按装修协议罚没违约金",
        client_id=world.cid(),
    )
    measures.decide(
        s,
        world.actor("mgr1"),
        now - dt.timedelta(days=5.5),
        tools,
        decision="approved",
        note="同意，待下次复查后执行",
    )
    cut = measures.add(
        s,
        world.actor("fm1"),
        now - dt.timedelta(days=4),
        notice,
        version,
        code="M5",
        note="停水停电",
        client_id=world.cid(),
    )
    measures.decide(
        s,
        world.actor("mgr1"),
        now - dt.timedelta(days=3.8),
        cut,
        decision="rejected",
        note="业主家中有老人，不宜停水停电",
    )
    # The stop-work at the suspended site stays in effect; one earlier caution was lifted.
    for measure in _measures_of(world, notice, "in_effect")[:1]:
        measures.lift(s, world.actor("fm1"), now - dt.timedelta(days=2), measure, note="已恢复原状")
