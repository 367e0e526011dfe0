"""Schedules: the missed-run alert (periodic job, injectable clock), the supervisor's day board
and per-person completion rates."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from tests.conftest import T0
from tests.patrol.conftest import actor_of, assert_error, make_route
from xunjian import tasks
from xunjian.patrol import runs
from xunjian.patrol.models import Alert
from xunjian.patrol.schedule import raise_missed_alerts

DEADLINE = T0 + dt.timedelta(minutes=15)  # 09:45 local: 09:00 window + 45 min tolerance


def _alerts(session):
    return list(session.scalars(select(Alert).order_by(Alert.id)))


def test_the_job_is_scheduled_every_minute():
    (job,) = [j for j in tasks.PERIODIC_JOBS if j.task_name == "xunjian.patrol_missed_runs"]
    assert job.every == dt.timedelta(seconds=60)
    assert job.task_name in tasks.celery_app.tasks


def test_a_scheduled_run_not_started_raises_the_missed_alert(site, session, clock, as_user):
    assert raise_missed_alerts(session, DEADLINE - dt.timedelta(seconds=1)) == 0
    assert _alerts(session) == []
    # The job runs every minute: at the latest a minute after the deadline it has fired.
    assert raise_missed_alerts(session, DEADLINE + dt.timedelta(seconds=30)) == 1
    (alert,) = _alerts(session)
    assert alert.route_id == site.route.id and alert.kind == "missed_run"
    assert alert.deadline == DEADLINE and alert.state == "open"
    assert "09:45" in alert.message_zh and "09:00" in alert.message_zh
    # Idempotent: the next runs raise nothing more.
    assert raise_missed_alerts(session, DEADLINE + dt.timedelta(minutes=1, seconds=30)) == 0
    session.commit()

    clock.set(DEADLINE + dt.timedelta(minutes=5))
    sup = as_user("sup1")
    listed = sup.get(f"/api/v1/patrol/properties/{site.property_id}/alerts?state=open")
    assert [a["id"] for a in listed.json["items"]] == [alert.id]
    assert_error(as_user("fm1").get(f"/api/v1/patrol/properties/{site.property_id}/alerts"), 403)
    acked = sup.post(f"/api/v1/patrol/alerts/{alert.id}/acknowledge", headers={"If-Match": "*"})
    assert acked.status_code == 200 and acked.json["state"] == "acknowledged"
    again = sup.post(f"/api/v1/patrol/alerts/{alert.id}/acknowledge", headers={"If-Match": "*"})
    assert_error(again, 409, "illegal_transition")


def test_through_the_celery_task(site, session, app):
    """The periodic task calls the same function (eager; ``app`` points tasks at this test)."""
    raised = tasks.patrol_missed_runs.apply(kwargs={"now": DEADLINE.isoformat()}).get()
    assert raised == 1
    assert len(_alerts(session)) == 1


def test_a_run_started_in_time_raises_nothing(site, session, clock):
    runs.start_run(session, actor_of(session, "fm1"), T0, site.route)
    assert raise_missed_alerts(session, DEADLINE + dt.timedelta(minutes=1)) == 0


def test_a_late_run_does_not_prevent_the_alert(site, session):
    late = DEADLINE + dt.timedelta(minutes=10)
    run = runs.start_run(session, actor_of(session, "fm1"), late, site.route)
    assert [f["code"] for f in run.flags] == ["late_start"]
    assert raise_missed_alerts(session, late + dt.timedelta(seconds=5)) == 1


def test_an_offline_run_that_started_in_time_resolves_the_alert(site, session):
    assert raise_missed_alerts(session, DEADLINE + dt.timedelta(seconds=10)) == 1
    # The phone was offline: it started at 09:35, the server hears of it at 10:30.
    runs.start_run(
        session,
        actor_of(session, "fm1"),
        T0 + dt.timedelta(hours=1),
        site.route,
        device_time=T0 + dt.timedelta(minutes=5),
    )
    (alert,) = _alerts(session)
    assert alert.state == "resolved" and alert.run_id is not None


def test_windows_before_the_route_existed_are_not_missed(session, site, demo):
    created_late = make_route(
        session,
        demo.cuihu,
        site.checkpoints[:1],
        code="R-NEW",
        since=DEADLINE + dt.timedelta(hours=1),
    )
    raise_missed_alerts(session, DEADLINE + dt.timedelta(hours=2))
    assert {a.route_id for a in _alerts(session)} == {site.route.id}
    assert created_late.id != site.route.id


def test_night_windows_across_midnight(session, demo, site):
    night = make_route(
        session,
        demo.cuihu,
        site.checkpoints[:2],
        code="R-NIGHT",
        since=T0 - dt.timedelta(days=3),
        windows=[
            {
                "weekdays": [7],  # Sunday 23:30 → Monday 01:00
                "start": dt.time(23, 30),
                "end": dt.time(1, 0),
                "start_tolerance_minutes": 15,
            }
        ],
    )
    raise_missed_alerts(session, T0)  # Monday 09:30: Sunday's night window was missed
    alert = session.scalar(select(Alert).where(Alert.route_id == night.id))
    assert alert is not None
    # Sunday 23:30 Shanghai = Sunday 15:30 UTC.
    assert alert.window_start == dt.datetime(2026, 11, 22, 15, 30, tzinfo=dt.UTC)
    assert alert.window_end == dt.datetime(2026, 11, 22, 17, 0, tzinfo=dt.UTC)


def test_day_board_statuses(site, session, demo, clock, as_user, patrol):
    second = make_route(
        session,
        demo.cuihu,
        site.checkpoints[:2],
        code="R-PM",
        windows=[
            {
                "weekdays": [1],
                "start": dt.time(13, 0),
                "end": dt.time(16, 40),
                "start_tolerance_minutes": 15,
            }
        ],
    )
    session.commit()
    url = f"/api/v1/patrol/properties/{demo.cuihu}/board"
    sup = as_user("sup1")

    def statuses():
        body = sup.get(url).json
        return {w["route_code"]: w["status"] for w in body["windows"]}, body

    assert statuses()[0] == {"R-TEST": "upcoming", "R-PM": "upcoming"}
    phone = patrol("fm1")
    run = phone.start(site.route).json
    assert statuses()[0]["R-TEST"] == "in_progress"
    for cp in site.checkpoints:
        phone.qr(run["id"], cp)
    phone.finish(run["id"])
    clock.set(T0 + dt.timedelta(hours=4, minutes=30))  # 14:00: R-PM's latest start was 13:15
    found, body = statuses()
    assert found == {"R-TEST": "done", "R-PM": "late"}
    assert body["counts"] == {"done": 1, "late": 1}
    clock.set(T0 + dt.timedelta(hours=8))  # 17:30: its window closed
    assert statuses()[0]["R-PM"] == "missed"
    yesterday = sup.get(url + "?date=2026-11-22").json
    assert {w["route_code"] for w in yesterday["windows"]} == {"R-TEST"}  # R-PM: Mondays only
    assert second.id
    assert_error(as_user("fm1").get(url), 403)


def test_completion_rate_per_person(site, session, demo, clock, patrol, as_user):
    full = patrol("fm1")
    run = full.start(site.route).json
    for cp in site.checkpoints:
        full.qr(run["id"], cp)
    full.finish(run["id"])
    partial = patrol("night1")
    run = partial.start(site.route).json
    partial.qr(run["id"], site.cp(1))
    partial.finish(run["id"], reason="突发事件")
    clock.set(T0 + dt.timedelta(days=1))
    r = as_user("sup1").get(
        f"/api/v1/patrol/properties/{demo.cuihu}/completion?from=2026-11-23&to=2026-11-24"
    )
    assert r.status_code == 200, r.json
    people = {p["name"]: p for p in r.json["people"]}
    fm1 = next(p for name, p in people.items() if "张伟" in name)
    night = next(p for name, p in people.items() if "赵磊" in name)
    assert (fm1["runs"], fm1["completed"], fm1["completion_rate"]) == (1, 1, 1.0)
    assert (night["ended_early"], night["completion_rate"]) == (1, 0.25)
    # 23rd: run (done); 24th 09:00 window: deadline 09:45 on the 24th is after "now" (09:30).
    assert (r.json["scheduled_windows"], r.json["windows_run"]) == (1, 1)
    bad = as_user("sup1").get(
        f"/api/v1/patrol/properties/{demo.cuihu}/completion?from=2026-11-24&to=2026-11-01"
    )
    assert_error(bad, 422)
