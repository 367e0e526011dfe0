"""Demo patrols: checkpoints with QR tokens, routes with windows, and 30 days of rounds —
mostly on time, some late, some ended early, some missed (raising alerts), a few anomalous
check-ins and problem findings with photos — then night spot checks, handovers and loans.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ..evidence import loans as loan_service
from ..evidence import review as evidence_service
from ..evidence.models import Evidence
from ..patrol import handover as handover_service
from ..patrol import planning as patrol_service
from ..patrol import runs as run_service
from ..patrol import schedule, spotchecks
from ..patrol.models import Alert, Checkpoint, Route
from .world import HISTORY_DAYS, World, signature_png

# code, building code (None: grounds), floor level, name, metres east, metres north of the
# building (or of the first building, for the grounds)
CHECKPOINTS: dict[str, tuple[tuple[str, str | None, int | None, str, float, float], ...]] = {
    "CUIHU": (
        ("CH01", "B1", 1, "1栋大堂", 0, 0),
        ("CH02", "B1", 2, "1栋2F消防通道", 12, 4),
        ("CH03", "B1", 3, "1栋3F消防通道", 12, 4),
        ("CH04", "B1", 4, "1栋天台", 5, -6),
        ("CH05", "B1", -1, "地下车库入口", -30, -20),
        ("CH06", "B2", 1, "2栋大堂", 0, 0),
        ("CH07", "B2", 2, "2栋2F电梯厅", 6, 3),
        ("CH08", None, None, "南门岗", 20, -90),
        ("CH09", None, None, "北门岗", 40, 120),
        ("CH10", None, None, "泳池", 70, 30),
        ("CH11", None, None, "配电房", -60, -40),
        ("CH12", None, None, "水泵房", -70, -10),
    ),
    "JINRONG": (
        ("JR01", "T1", 1, "A座大堂", 0, 0),
        ("JR02", "T1", 1, "A座消防控制室", 15, -10),
        ("JR03", "T1", 20, "A座20F走廊", 0, 5),
        ("JR04", "T1", 20, "A座20F茶水间", 10, 5),
        ("JR05", None, None, "地面停车场", -60, -50),
        ("JR06", None, None, "货梯厅", 30, -20),
        ("JR07", None, None, "冷冻机房", -40, 20),
        ("JR08", None, None, "发电机房", -45, 30),
        ("JR09", None, None, "东门出入口", 80, 0),
    ),
}

DAILY = [1, 2, 3, 4, 5, 6, 7]


@dataclass(frozen=True)
class RoutePlan:
    code: str
    name_zh: str
    name_en: str
    roles: tuple[str, ...]
    stops: tuple[str, ...]
    windows: tuple[tuple[str, str, int], ...]  # start, end, tolerance minutes (every day)
    runners: tuple[str, ...]  # who walks it in the history, the first most often


ROUTES: dict[str, tuple[RoutePlan, ...]] = {
    "CUIHU": (
        RoutePlan(
            "R-DAY",
            "日间楼层巡查",
            "Day floor round",
            ("floor_manager", "supervisor"),
            ("CH01", "CH02", "CH03", "CH04", "CH06", "CH07"),
            (("09:00", "10:00", 15), ("14:00", "15:00", 15), ("17:00", "18:00", 15)),
            ("fm1", "fm1", "fm1", "sup1"),
        ),
        RoutePlan(
            "R-NIGHT",
            "夜间安防巡逻",
            "Night security round",
            ("guard", "night_duty"),
            ("CH08", "CH05", "CH10", "CH09", "CH11"),
            (("22:00", "23:00", 20), ("02:00", "03:00", 20)),
            ("guard1", "guard1", "night1"),
        ),
        RoutePlan(
            "R-PLANT",
            "设备房巡查",
            "Plant rooms",
            ("floor_manager", "night_duty"),
            ("CH11", "CH12", "CH05"),
            (("11:00", "11:40", 10), ("20:00", "20:40", 10)),
            ("fm1", "night1"),
        ),
    ),
    "JINRONG": (
        RoutePlan(
            "J-LOBBY",
            "大堂及公区巡查",
            "Lobby and common areas",
            ("floor_manager", "supervisor"),
            ("JR01", "JR06", "JR09", "JR05"),
            (("09:30", "10:30", 15), ("15:30", "16:30", 15)),
            ("fm2", "fm2", "sup2"),
        ),
        RoutePlan(
            "J-FLOOR",
            "办公楼层巡查",
            "Office floors",
            ("floor_manager",),
            ("JR01", "JR03", "JR04"),
            (("11:00", "12:00", 15),),
            ("fm2",),
        ),
        RoutePlan(
            "J-PLANT",
            "机电设备巡检",
            "Plant and machinery",
            ("floor_manager", "supervisor"),
            ("JR02", "JR07", "JR08"),
            (("08:30", "09:10", 10), ("18:30", "19:10", 10)),
            ("fm2", "sup2"),
        ),
    ),
}

PROBLEMS = (
    ("fire_safety", "消防通道堆放杂物", "fire exit blocked"),
    ("facility", "照明灯不亮", "light out"),
    ("facility", "地面积水", "water on floor"),
    ("security", "门禁未关闭", "door left open"),
    ("cleaning", "垃圾未清运", "rubbish not collected"),
    ("facility", "墙面渗水", "wall leaking"),
)


def _offset(lat: float, lon: float, east: float, north: float) -> tuple[float, float]:
    return lat + north / 111_320.0, lon + east / (111_320.0 * 0.92)


def build_places(world: World) -> dict[str, dict[str, Checkpoint]]:
    """Checkpoints (each gets its QR token from the service, so the label sheet prints them)."""
    admin = world.actor("admin")
    out: dict[str, dict[str, Checkpoint]] = {}
    for code, rows in CHECKPOINTS.items():
        buildings = {b.code: b for b in world.buildings(code)}
        first = next(iter(buildings.values()))
        out[code] = {}
        for cp_code, bcode, level, name, east, north in rows:
            building = buildings[bcode] if bcode else first
            floor_id = None
            if bcode is not None:
                floor_id = next(f.id for f in world.floors(building) if f.level == level)
            assert building.latitude is not None and building.longitude is not None
            lat, lon = _offset(building.latitude, building.longitude, east, north)
            out[code][cp_code] = patrol_service.create_checkpoint(
                world.session,
                admin,
                world.props[code].id,
                code=cp_code,
                name_zh=name,
                building_id=building.id if bcode else None,
                floor_id=floor_id,
                latitude=lat,
                longitude=lon,
                nfc_tag_id=f"04:{code[:2]}:{cp_code[-2:]}:A1",
            )
    world.session.flush()
    return out


def _windows(plan_windows: tuple[tuple[str, str, int], ...]) -> list[dict[str, Any]]:
    return [
        {
            "weekdays": DAILY,
            "start": dt.time.fromisoformat(start),
            "end": dt.time.fromisoformat(end),
            "start_tolerance_minutes": tolerance,
        }
        for start, end, tolerance in plan_windows
    ]


def build_routes(
    world: World, places: dict[str, dict[str, Checkpoint]], since: dt.datetime
) -> dict[str, list[tuple[RoutePlan, Route]]]:
    out: dict[str, list[tuple[RoutePlan, Route]]] = {}
    for code, plans in ROUTES.items():
        out[code] = []
        for plan in plans:
            route = patrol_service.create_route(
                world.session,
                world.actor("admin"),
                since,
                world.props[code].id,
                code=plan.code,
                name_zh=plan.name_zh,
                name_en=plan.name_en,
                allowed_roles=list(plan.roles),
                stops=[
                    {"checkpoint_id": places[code][c].id, "expected_minutes": 4} for c in plan.stops
                ],
                windows=_windows(plan.windows),
            )
            out[code].append((plan, route))
    world.session.flush()
    return out


def spot_route(world: World, places: dict[str, dict[str, Checkpoint]]) -> None:
    """A roving round added today, with its windows in the next hours of the property's day,
    so whoever opens the demo sees rounds ahead whatever the time (its schedule starts now:
    nothing before is "missed")."""
    for code, cps in places.items():
        local = world.now.astimezone(world.tz(code))
        anchor = (local + dt.timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
        windows = []
        for hours in (0, 2):
            start = (anchor + dt.timedelta(hours=hours)).time()
            end = (anchor + dt.timedelta(hours=hours, minutes=45)).time()
            windows.append((start.strftime("%H:%M"), end.strftime("%H:%M"), 15))
        stops = list(cps)[:4]
        patrol_service.create_route(
            world.session,
            world.actor("admin"),
            world.now,
            world.props[code].id,
            code="R-ROVE" if code == "CUIHU" else "J-ROVE",
            name_zh="机动巡查",
            name_en="Roving round",
            allowed_roles=["floor_manager", "supervisor", "guard", "night_duty"],
            stops=[{"checkpoint_id": cps[c].id} for c in stops],
            windows=_windows(tuple(windows)),
        )


def _walk(
    world: World,
    code: str,
    route: Route,
    stops: list[Checkpoint],
    runner: str,
    started: dt.datetime,
    *,
    finish: bool = True,
    skip: int = 0,
    anomalous: bool = False,
    problem: bool = False,
    offline_until: dt.datetime | None = None,
) -> dt.datetime:
    """One round: start, check in at each stop (QR plus GPS), maybe a finding, finish.

    ``offline_until``: the phone had no signal; every step reaches the server then, carrying
    the phone's time of the step."""
    session, rng, actor = world.session, world.rng, world.actor(runner)

    def received(at: dt.datetime) -> tuple[dt.datetime, dt.datetime | None]:
        if offline_until is None:
            return at, None
        return max(at, offline_until) + dt.timedelta(seconds=5), at

    now, device = received(started)
    run = run_service.start_run(
        session, actor, now, route, client_id=world.cid(), device_time=device
    )
    at = started
    walked = stops[: len(stops) - skip] if skip else stops
    odd = rng.randrange(len(walked)) if anomalous else -1
    found = rng.randrange(len(walked)) if problem else -1
    for i, cp in enumerate(walked):
        at += dt.timedelta(minutes=rng.uniform(2.5, 6.0))
        assert cp.latitude is not None and cp.longitude is not None
        lat, lon = cp.latitude, cp.longitude
        if i == odd:  # scanned a copied label far from its post: flagged outside the fence
            lat, lon = _offset(lat, lon, rng.uniform(150, 260), rng.uniform(-80, 80))
        else:
            lat, lon = _offset(lat, lon, rng.uniform(-6, 6), rng.uniform(-6, 6))
        checkin_id = world.cid()
        now, device = received(at)
        run_service.check_in(
            session,
            actor,
            now,
            run,
            client_id=checkin_id,
            qr_token=cp.qr_token,
            latitude=lat,
            longitude=lon,
            accuracy_m=round(rng.uniform(4, 15), 1),
            device_time=device,
        )
        if i != found and rng.random() < 0.02:  # a note that all is well (no action)
            run_service.record_finding(
                session,
                actor,
                now,
                run,
                client_id=world.cid(),
                outcome="ok",
                note=f"{cp.name_zh}设施正常",
                checkin_client_id=checkin_id,
                device_time=device,
            )
        if i == found and offline_until is None:
            category, text, caption = rng.choice(PROBLEMS)
            finding_id = world.cid()
            photo = world.photo(
                runner, code, "patrol_finding", finding_id, at, caption, position=(lat, lon)
            )
            run_service.record_finding(
                session,
                actor,
                at + dt.timedelta(seconds=40),
                run,
                client_id=finding_id,
                outcome="problem",
                category=category,
                note=f"{cp.name_zh}{text}",
                photo_client_ids=[photo],
                checkin_client_id=checkin_id,
            )
    if finish:
        at += dt.timedelta(minutes=rng.uniform(1, 3))
        reason = "对讲机呼叫，临时处理住户纠纷" if skip else ""
        now, device = received(at)
        run_service.finish_run(session, actor, now, run, reason=reason, device_time=device)
    return at


def history(world: World, routes: dict[str, list[tuple[RoutePlan, Route]]]) -> dict[str, int]:
    """Every window of the last 30 days: on time, late, ended early, or missed."""
    session, rng = world.session, world.rng
    stops_of = {
        route.id: [
            session.scalar(select(Checkpoint).where(Checkpoint.id == s.checkpoint_id))
            for s in route.stops
        ]
        for plans in routes.values()
        for _, route in plans
    }
    counts = {"runs": 0, "late": 0, "missed": 0, "early": 0}
    for back in range(HISTORY_DAYS, -1, -1):
        # The day's windows of both properties in time order, so an alert raised for a late
        # round never sees a window whose round is simply not written yet.
        due = []
        for code, plans in routes.items():
            tz = ZoneInfo(world.props[code].timezone)
            for plan, route in plans:
                for inst in schedule.instances_on(route, world.local_day(code, back), tz):
                    # Only windows wholly in the past, and not before the route existed.
                    if route.schedule_since < inst.start and inst.end < world.now:
                        due.append((inst.start, code, plan, route, inst))
        day_end = world.start
        for _, code, plan, route, inst in sorted(due, key=lambda d: (d[0], d[3].id)):
            day_end = max(day_end, inst.end)
            roll = rng.random()
            if roll < 0.08:
                counts["missed"] += 1
                continue
            pick = rng.randrange(len(plan.runners))
            runner = plan.runners[0 if back == 0 else pick]  # today: the route's regular
            stops = [s for s in stops_of[route.id] if s is not None]
            if roll < 0.16:  # late: the alert goes out first; the late start resolves it
                counts["late"] += 1
                schedule.raise_missed_alerts(session, inst.deadline + dt.timedelta(minutes=1))
                started = inst.deadline + dt.timedelta(minutes=rng.uniform(6, 25))
            else:
                started = inst.start + dt.timedelta(minutes=rng.uniform(0, 8))
            offline = None
            if 0.22 <= roll < 0.25:  # walked in time, synced late: the alert clears itself
                schedule.raise_missed_alerts(session, inst.deadline + dt.timedelta(minutes=1))
                offline = inst.end + dt.timedelta(minutes=rng.uniform(5, 30))
            early = 0.16 <= roll < 0.22
            counts["early"] += early
            _walk(
                world,
                code,
                route,
                stops,
                runner,
                started,
                skip=rng.randint(1, 2) if early else 0,
                anomalous=rng.random() < 0.05,
                problem=rng.random() < 0.07,
                offline_until=offline,
            )
            counts["runs"] += 1
        if day_end > world.start:
            schedule.raise_missed_alerts(session, min(day_end, world.now))
    schedule.raise_missed_alerts(session, world.now)
    _acknowledge_old_alerts(world)
    _in_progress_round(world, routes)
    return counts


def _acknowledge_old_alerts(world: World) -> None:
    """Supervisors acknowledged the missed rounds of more than three days ago; newer ones and
    those of the other property are still open."""
    cuihu = world.props["CUIHU"].id
    for alert in world.session.scalars(
        select(Alert).where(Alert.state == "open", Alert.property_id == cuihu).order_by(Alert.id)
    ):
        if alert.raised_at < world.now - dt.timedelta(days=3):
            at = alert.raised_at + dt.timedelta(hours=world.rng.uniform(1, 9))
            schedule.acknowledge_alert(world.session, world.actor("sup1"), at, alert)


def _in_progress_round(world: World, routes: dict[str, list[tuple[RoutePlan, Route]]]) -> None:
    """The supervisor is walking the day round right now (two stops done)."""
    route = routes["CUIHU"][0][1]
    stops = [
        world.session.scalar(select(Checkpoint).where(Checkpoint.id == s.checkpoint_id))
        for s in route.stops
    ]
    started = world.now - dt.timedelta(minutes=14)
    run = run_service.start_run(
        world.session, world.actor("sup1"), started, route, client_id=world.cid()
    )
    at = started
    for cp in stops[:2]:
        assert cp is not None
        at += dt.timedelta(minutes=4)
        run_service.check_in(
            world.session,
            world.actor("sup1"),
            at,
            run,
            client_id=world.cid(),
            qr_token=cp.qr_token,
        )


def review_photos(world: World) -> None:
    """The supervisor reviewed the older patrol photos; the last week's wait in the queue."""
    cutoff = world.now - dt.timedelta(days=7)
    decisions = ("accepted", "accepted", "accepted", "exemplary", "rejected")
    for evidence in world.session.scalars(
        select(Evidence)
        .where(
            Evidence.property_id == world.props["CUIHU"].id,
            Evidence.review_status == "pending",
            Evidence.received_at < cutoff,
        )
        .order_by(Evidence.id)
    ):
        decision = world.rng.choice(decisions)
        evidence_service.review(
            world.session,
            world.actor("sup1"),
            evidence,
            decision=decision,
            reason="照片模糊，无法看清现场" if decision == "rejected" else "",
            now=evidence.received_at + dt.timedelta(hours=world.rng.uniform(2, 30)),
        )


# --- night duty ---------------------------------------------------------------------------

POSTS = ("南门岗", "北门岗", "地下车库岗", "监控中心")


def spot_checks(world: World) -> None:
    """Night checks of the guard posts: Cuihu every third night (meets its monthly quota, a
    rainstorm night covered), Jinrong once (short of quota)."""
    session, rng = world.session, world.rng
    cuihu = world.props["CUIHU"]
    storm = world.local_day("CUIHU", 9)
    spotchecks.mark_storm_day(
        session,
        world.actor("night1"),
        cuihu.id,
        day=storm,
        kind="rainstorm",
        note="暴雨黄色预警",
        client_id=world.cid(),
    )
    nights = sorted(set(range(HISTORY_DAYS, 0, -3)) | {9})
    guard = world.user_id("guard1")
    for back in reversed(nights):
        day = world.local_day("CUIHU", back)
        at = world.at("CUIHU", day, "01:00") + dt.timedelta(minutes=rng.randint(0, 180))
        status = rng.choices(("present_alert", "asleep", "absent", "other"), (8, 1, 1, 1))[0]
        _check(world, "CUIHU", "night1", at, status, guard)
    day = world.local_day("JINRONG", 12)
    _check(world, "JINRONG", "sup2", world.at("JINRONG", day, "00:40"), "present_alert", None)


def _check(
    world: World, code: str, checker: str, at: dt.datetime, status: str, guard: int | None
) -> None:
    client_id = world.cid()
    photos = []
    if status in ("asleep", "absent"):
        photos = [world.photo(checker, code, "spot_check", client_id, at, "post")]
    spotchecks.create_spot_check(
        world.session,
        world.actor(checker),
        at,
        world.store,
        world.props[code].id,
        client_id=client_id,
        post=world.rng.choice(POSTS),
        status=status,
        checker_signature=signature_png(world.rng),
        guard_signature=None if status == "absent" else signature_png(world.rng),
        guard_user_id=guard,
        guard_name="" if guard else "李保安",
        remarks={
            "asleep": "值班时睡觉，已叫醒并批评",
            "absent": "岗位无人，电话联系后 10 分钟返岗",
        }.get(status, "对讲机电量不足" if status == "other" else ""),
        photo_client_ids=photos,
    )


def handovers(world: World) -> None:
    """Night duty hands over to the day floor manager each morning; today's is half done and
    tomorrow's draft is prepared."""
    session, rng = world.session, world.rng
    prop_id = world.props["CUIHU"].id
    night, day = world.user_id("night1"), world.user_id("fm1")
    for back in range(14, 0, -2):
        at = world.at("CUIHU", world.local_day("CUIHU", back), "07:55")
        handover = _handover(world, prop_id, night, day, at, rng.random() < 0.3)
        handover_service.confirm(session, world.actor("night1"), at, handover)
        handover_service.confirm(
            session, world.actor("fm1"), at + dt.timedelta(minutes=rng.randint(3, 12)), handover
        )
    recent = _handover(world, prop_id, night, day, world.now - dt.timedelta(hours=3), True)
    handover_service.confirm(session, world.actor("night1"), recent.created_at, recent)
    _handover(world, prop_id, day, night, world.now - dt.timedelta(minutes=30), False)


def _handover(
    world: World, prop_id: int, outgoing: int, incoming: int, at: dt.datetime, matters: bool
) -> Any:
    return handover_service.create_handover(
        world.session,
        world.actor("night1"),
        at,
        prop_id,
        outgoing_user_id=outgoing,
        incoming_user_id=incoming,
        client_id=world.cid(),
        shift="夜班→白班" if outgoing == world.user_id("night1") else "白班→夜班",
        items=[
            {"kind": "key", "description": "消防控制室钥匙", "count": 1},
            {"kind": "radio", "description": "对讲机", "count": 2},
            {"kind": "duty_camera", "description": "执法记录仪 CAM-01", "count": 1},
        ],
        open_matters=["2栋2F电梯厅灯不亮，已报修"] if matters else [],
    )


def loans(world: World) -> None:
    """Duty cameras lent and returned each day; CAM-02 was not returned yesterday (overdue);
    CAM-01 is out today, due this evening."""
    session, rng = world.session, world.rng
    prop = world.props["CUIHU"]
    borrowers = ("guard1", "fm1", "night1")
    for back in range(12, 1, -1):
        day = world.local_day("CUIHU", back)
        lent = world.at("CUIHU", day, "08:10")
        loan = loan_service.lend(
            session,
            world.actor("night1"),
            prop,
            {
                "client_id": world.cid(),
                "item_code": "CAM-01",
                "item_name": "执法记录仪 1 号",
                "item_kind": "camera",
                "borrower_id": world.user_id(borrowers[back % 3]),
                "purpose": "装修巡查取证",
            },
            lent,
        )
        back_at = world.at("CUIHU", day, "17:00") + dt.timedelta(minutes=rng.randint(0, 40))
        loan_service.give_back(
            session,
            world.actor("night1"),
            loan,
            {
                "photos_stored": True,
                "card_cleared": True,
                "battery_ok": rng.random() > 0.2,
                "return_note": "",
            },
            back_at,
        )
    yesterday = world.now - dt.timedelta(days=1, hours=2)
    loan_service.lend(
        session,
        world.actor("night1"),
        prop,
        {
            "client_id": world.cid(),
            "item_code": "CAM-02",
            "item_name": "执法记录仪 2 号",
            "item_kind": "camera",
            "borrower_id": world.user_id("guard1"),
            "purpose": "夜间巡逻",
            "due_at": yesterday + dt.timedelta(hours=6),
        },
        yesterday,
    )
    loan_service.lend(
        session,
        world.actor("night1"),
        prop,
        {
            "client_id": world.cid(),
            "item_code": "CAM-01",
            "item_name": "执法记录仪 1 号",
            "item_kind": "camera",
            "borrower_id": world.user_id("fm1"),
            "purpose": "装修巡查取证",
        },
        world.now - dt.timedelta(minutes=50),
    )
