"""Schedule windows in the property's time zone, the missed-run job, the supervisor's day board
and per-person completion. No Flask imports; ``now`` is always passed in.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from .. import audit
from ..errors import InvalidInput
from ..org.models import Property
from ..tenancy import Actor
from .models import Alert, Checkin, Route, RouteStop, Run
from .states import ALERT

# A run started up to this long before a window opens still counts for it (people set off early).
EARLY_START = dt.timedelta(minutes=30)
# The job looks this far back, so a scheduler outage of up to a day still raises its alerts.
LOOKBACK = dt.timedelta(hours=24)
MAX_PERIOD_DAYS = 92


@dataclass(frozen=True)
class WindowInstance:
    route_id: int
    day: dt.date  # local date the window starts on
    start: dt.datetime  # UTC
    end: dt.datetime
    deadline: dt.datetime  # start + tolerance: not started by then = missed (alert)

    def contains_start(self, at: dt.datetime) -> bool:
        return self.start - EARLY_START <= at < self.end


def local_today(prop: Property, now: dt.datetime) -> dt.date:
    return now.astimezone(ZoneInfo(prop.timezone)).date()


def local_day_bounds(prop: Property, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = ZoneInfo(prop.timezone)
    start = dt.datetime.combine(day, dt.time(0), tzinfo=tz)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def instances_on(route: Route, day: dt.date, tz: ZoneInfo) -> list[WindowInstance]:
    out = []
    for window in route.windows:
        if window.weekday != day.isoweekday():
            continue
        start = dt.datetime.combine(day, window.start_time, tzinfo=tz)
        end_day = day if window.end_time > window.start_time else day + dt.timedelta(days=1)
        end = dt.datetime.combine(end_day, window.end_time, tzinfo=tz)
        start_utc = start.astimezone(dt.UTC)
        out.append(
            WindowInstance(
                route_id=route.id,
                day=day,
                start=start_utc,
                end=end.astimezone(dt.UTC),
                deadline=start_utc + dt.timedelta(minutes=window.start_tolerance_minutes),
            )
        )
    return sorted(out, key=lambda i: i.start)


def window_for_start(route: Route, tz: ZoneInfo, at: dt.datetime) -> WindowInstance | None:
    """The schedule window a run started at ``at`` belongs to (None: an unscheduled run)."""
    day = at.astimezone(tz).date()
    candidates = [
        inst
        for d in (day - dt.timedelta(days=1), day, day + dt.timedelta(days=1))
        for inst in instances_on(route, d, tz)
        if inst.contains_start(at)
    ]
    return min(candidates, key=lambda i: abs(i.start - at), default=None)


# --- the periodic job ---------------------------------------------------------------------


def raise_missed_alerts(session: Session, now: dt.datetime) -> int:
    """Raise one alert per scheduled window not started by its start + tolerance.

    Run every minute (tasks.PERIODIC_JOBS), unscoped. Idempotent: an alert is unique per route
    and window, so overlapping or repeated runs of the job raise nothing twice.
    """
    routes = list(
        session.scalars(
            select(Route)
            .where(Route.active.is_(True))
            .options(selectinload(Route.windows))
            .execution_options(**{"xunjian.unscoped": True})
        )
    )
    routes = [r for r in routes if r.windows]
    if not routes:
        return 0
    props = {
        p.id: p
        for p in session.scalars(
            select(Property)
            .where(Property.id.in_({r.property_id for r in routes}))
            .execution_options(**{"xunjian.unscoped": True})
        )
    }
    due: list[tuple[Route, WindowInstance]] = []
    for route in routes:
        tz = ZoneInfo(props[route.property_id].timezone)
        today = now.astimezone(tz).date()
        for back in range(3):
            for inst in instances_on(route, today - dt.timedelta(days=back), tz):
                if now - LOOKBACK < inst.deadline <= now and inst.deadline > route.schedule_since:
                    due.append((route, inst))
    if not due:
        return 0
    route_ids = {r.id for r, _ in due}
    oldest = min(i.start for _, i in due)
    first_start: dict[tuple[int, dt.datetime | None], dt.datetime] = {}
    for route_id, window_start, started_at in session.execute(
        select(Run.route_id, Run.window_start, func.min(Run.started_at))
        .where(Run.route_id.in_(route_ids), Run.window_start >= oldest)
        .group_by(Run.route_id, Run.window_start)
        .execution_options(**{"xunjian.unscoped": True})
    ):
        first_start[(route_id, window_start)] = started_at
    alerted = {
        (route_id, window_start)
        for route_id, window_start in session.execute(
            select(Alert.route_id, Alert.window_start)
            .where(Alert.route_id.in_(route_ids), Alert.window_start >= oldest)
            .execution_options(**{"xunjian.unscoped": True})
        )
    }
    raised = 0
    for route, inst in due:
        key = (route.id, inst.start)
        started = first_start.get(key)
        if key in alerted or (started is not None and started <= inst.deadline):
            continue
        tz = ZoneInfo(props[route.property_id].timezone)
        alert = Alert(
            property_id=route.property_id,
            kind="missed_run",
            route_id=route.id,
            window_start=inst.start,
            window_end=inst.end,
            deadline=inst.deadline,
            raised_at=now,
            state="open",
            **missed_message(route, inst, tz),
        )
        try:
            with session.begin_nested():
                session.add(alert)
        except IntegrityError:  # another scheduler raised it meanwhile
            continue
        audit.record(session, None, alert, "create")
        raised += 1
    return raised


def missed_message(route: Route, inst: WindowInstance, tz: ZoneInfo) -> dict[str, str]:
    start = inst.start.astimezone(tz)
    deadline = inst.deadline.astimezone(tz)
    return {
        "message": f"Patrol {route.code} ({route.name_en or route.name_zh}) scheduled "
        f"{start:%Y-%m-%d %H:%M} was not started by {deadline:%H:%M}.",
        "message_zh": f"巡查路线 {route.code}（{route.name_zh}）计划于 {start:%Y-%m-%d %H:%M} "
        f"开始，截至 {deadline:%H:%M} 未开始。",
    }


def resolve_alert_for_run(session: Session, run: Run, now: dt.datetime) -> None:
    """A run that started in time but reached the server late (offline) clears its alert."""
    if run.window_start is None:
        return
    alert = session.scalar(
        select(Alert).where(
            Alert.route_id == run.route_id,
            Alert.window_start == run.window_start,
            Alert.state != "resolved",
        )
    )
    if alert is None or run.started_at > alert.deadline:
        return
    ALERT.apply(
        session,
        None,
        alert,
        "resolve",
        now=now,
        resolved_at=now,
        run_id=run.id,
        resolution=(
            f"started {run.started_at:%H:%M} UTC on the phone; reached the server at "
            f"{run.received_at:%H:%M} UTC"
        ),
    )


def acknowledge_alert(session: Session, actor: Actor, now: dt.datetime, alert: Alert) -> Alert:
    from ..permissions import require

    require(actor, "patrol.review", alert.property_id)
    ALERT.apply(
        session,
        actor,
        alert,
        "acknowledge",
        now=now,
        acknowledged_at=now,
        acknowledged_by_id=actor.user_id,
    )
    return alert


# --- supervisor views ---------------------------------------------------------------------


def _routes_of(session: Session, property_id: int) -> list[Route]:
    return list(
        session.scalars(
            select(Route)
            .where(Route.property_id == property_id, Route.active.is_(True))
            .options(selectinload(Route.windows))
            .order_by(Route.code)
        )
    )


def _runs_by_window(
    session: Session, route_ids: set[int], since: dt.datetime, until: dt.datetime
) -> dict[tuple[int, dt.datetime], list[Run]]:
    runs: dict[tuple[int, dt.datetime], list[Run]] = defaultdict(list)
    for run in session.scalars(
        select(Run)
        .where(
            Run.route_id.in_(route_ids),
            Run.window_start >= since,
            Run.window_start < until,
        )
        .order_by(Run.started_at)
    ):
        assert run.window_start is not None
        runs[(run.route_id, run.window_start)].append(run)
    return runs


def instance_status(inst: WindowInstance, runs: list[Run], now: dt.datetime) -> str:
    if any(r.state != "in_progress" for r in runs):
        return "done"
    if runs:
        return "in_progress"
    if now < inst.deadline:
        return "upcoming"
    return "late" if now < inst.end else "missed"


def day_board(session: Session, prop: Property, day: dt.date, now: dt.datetime) -> dict[str, Any]:
    """Today's (or ``day``'s) scheduled runs with their status: done, in_progress, late
    (not started, window still open), missed, upcoming."""
    tz = ZoneInfo(prop.timezone)
    routes = _routes_of(session, prop.id)
    instances = [(r, i) for r in routes for i in instances_on(r, day, tz)]
    day_start, day_end = local_day_bounds(prop, day)
    runs = _runs_by_window(session, {r.id for r in routes}, day_start, day_end)
    alerts = {
        (a.route_id, a.window_start): a.id
        for a in session.scalars(
            select(Alert).where(
                Alert.property_id == prop.id,
                Alert.window_start >= day_start,
                Alert.window_start < day_end,
            )
        )
    }
    entries: list[dict[str, Any]] = []
    for route, inst in sorted(instances, key=lambda ri: (ri[1].start, ri[0].code)):
        matched = runs.get((route.id, inst.start), [])
        entries.append(
            {
                "route_id": route.id,
                "route_code": route.code,
                "route_name_zh": route.name_zh,
                "route_name_en": route.name_en,
                "window_start": inst.start,
                "window_end": inst.end,
                "deadline": inst.deadline,
                "status": instance_status(inst, matched, now),
                "run_ids": [r.id for r in matched],
                "runner_ids": sorted({r.runner_id for r in matched}),
                "late_start": bool(matched) and matched[0].started_at > inst.deadline,
                "alert_id": alerts.get((route.id, inst.start)),
            }
        )
    unscheduled = session.scalars(
        select(Run.id).where(
            Run.property_id == prop.id,
            Run.window_start.is_(None),
            Run.started_at >= day_start,
            Run.started_at < day_end,
        )
    )
    counts: dict[str, int] = defaultdict(int)
    for entry in entries:
        counts[entry["status"]] += 1
    return {
        "property_id": prop.id,
        "day": day,
        "timezone": prop.timezone,
        "windows": entries,
        "counts": dict(counts),
        "unscheduled_run_ids": list(unscheduled),
    }


def check_period(date_from: dt.date, date_to: dt.date) -> None:
    if date_to < date_from or (date_to - date_from).days >= MAX_PERIOD_DAYS:
        raise InvalidInput(
            f"The period must run forwards and span at most {MAX_PERIOD_DAYS} days.",
            message_zh=f"统计区间须为正序，且不超过 {MAX_PERIOD_DAYS} 天。",
            details={"fields": {"query": {"to": ["invalid period"]}}},
        )


def completion(
    session: Session, prop: Property, date_from: dt.date, date_to: dt.date, now: dt.datetime
) -> dict[str, Any]:
    """Per person: runs, how many finished in full, checkpoints visited of those expected."""
    check_period(date_from, date_to)
    since, _ = local_day_bounds(prop, date_from)
    _, until = local_day_bounds(prop, date_to)
    runs = list(
        session.scalars(
            select(Run).where(
                Run.property_id == prop.id, Run.started_at >= since, Run.started_at < until
            )
        )
    )
    live = _visited_counts(session, [r for r in runs if r.visited_count is None])
    people: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for run in runs:
        row = people[run.runner_id]
        row["runs"] += 1
        row[run.state] += 1
        row["checkpoints_expected"] += run.expected_count
        visited = run.visited_count if run.visited_count is not None else live.get(run.id, 0)
        row["checkpoints_visited"] += visited
    tz = ZoneInfo(prop.timezone)
    routes = _routes_of(session, prop.id)
    scheduled = [
        (r, i)
        for r in routes
        for n in range((date_to - date_from).days + 1)
        for i in instances_on(r, date_from + dt.timedelta(days=n), tz)
        if i.deadline <= now and i.deadline > r.schedule_since
    ]
    matched = _runs_by_window(session, {r.id for r in routes}, since, until)
    done = sum(1 for r, i in scheduled if matched.get((r.id, i.start)))
    return {
        "property_id": prop.id,
        "from": date_from,
        "to": date_to,
        "scheduled_windows": len(scheduled),
        "windows_run": done,
        "windows_missed": len(scheduled) - done,
        "people": [
            {
                "user_id": user_id,
                "runs": row["runs"],
                "completed": row["completed"],
                "ended_early": row["ended_early"],
                "in_progress": row["in_progress"],
                "checkpoints_expected": row["checkpoints_expected"],
                "checkpoints_visited": row["checkpoints_visited"],
                "completion_rate": round(
                    row["checkpoints_visited"] / row["checkpoints_expected"], 4
                )
                if row["checkpoints_expected"]
                else None,
            }
            for user_id, row in sorted(people.items())
        ],
    }


def _visited_counts(session: Session, runs: list[Run]) -> dict[int, int]:
    """Distinct route checkpoints visited, for runs still in progress."""
    if not runs:
        return {}
    rows = session.execute(
        select(Checkin.run_id, func.count(func.distinct(Checkin.checkpoint_id)))
        .join(Run, Run.id == Checkin.run_id)
        .join(
            RouteStop,
            (RouteStop.route_id == Run.route_id)
            & (RouteStop.checkpoint_id == Checkin.checkpoint_id),
        )
        .where(Checkin.run_id.in_([r.id for r in runs]))
        .group_by(Checkin.run_id)
    )
    return {run_id: count for run_id, count in rows}
