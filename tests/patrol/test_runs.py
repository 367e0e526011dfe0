"""Patrol runs end to end through the API: QR and GPS check-ins, analysis flags, offline replay,
other properties' codes, findings and finishing."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import func, select

from tests.patrol.conftest import (
    assert_error,
    east,
    flag_codes,
    make_checkpoint,
    make_route,
    north,
)
from xunjian.audit import AuditEntry
from xunjian.evidence.contexts import resolve_context
from xunjian.patrol.models import Checkin, Run


def _start(phone, route):
    r = phone.start(route)
    assert r.status_code == 201, r.json
    return r.json["id"], r.headers["ETag"]


def test_full_run_with_qr_and_gps_checkins(site, patrol, clock, session):
    phone = patrol("fm1")
    started = phone.start(site.route)
    assert started.status_code == 201, started.json
    run = started.json
    assert run["state"] == "in_progress" and run["flags"] == []
    assert run["window_start"] is not None  # matched today's 09:00 window
    etag = started.headers["ETag"]

    r1 = phone.qr(run["id"], site.cp(1))
    assert r1.status_code == 201, r1.json
    assert r1.json["method"] == "qr" and r1.json["checkpoint_id"] == site.cp(1).id

    clock.advance(minutes=2)
    lat, lon = site.position(2)
    r2 = phone.gps(run["id"], lat + 0.00003, lon, accuracy=8)  # GPS only: found by geofence
    assert r2.status_code == 201, r2.json
    assert (r2.json["method"], r2.json["checkpoint_id"]) == ("gps", site.cp(2).id)
    assert r2.json["metres_outside"] == 0.0

    clock.advance(minutes=2)
    lat, lon = site.position(3)
    r3 = phone.qr(run["id"], site.cp(3), latitude=lat, longitude=lon, accuracy_m=5)
    assert r3.status_code == 201 and r3.json["metres_outside"] == 0.0

    clock.advance(minutes=2)
    photo = str(uuid.uuid4())
    problem = phone.finding(
        run["id"],
        outcome="problem",
        category="facility",
        note="消防通道灯不亮",
        photo_client_ids=[photo],
        checkin_client_id=r3.json["client_id"],
    )
    assert problem.status_code == 201, problem.json
    assert problem.json["status"] == "open"
    assert problem.json["checkpoint_id"] == site.cp(3).id
    assert problem.json["photos"] == [{"client_id": photo, "evidence_id": None}]

    lat, lon = site.position(4)
    r4 = phone.gps(run["id"], lat, lon, accuracy=15)
    assert r4.status_code == 201 and r4.json["checkpoint_id"] == site.cp(4).id
    ok = phone.finding(run["id"], outcome="ok", checkin_client_id=r4.json["client_id"])
    assert ok.status_code == 201 and ok.json["status"] == "no_action"

    for response in (r1, r2, r3, r4):
        assert response.json["flags"] == [], response.json

    finished = phone.finish(run["id"], etag)  # the ETag from the start still holds
    assert finished.status_code == 200, finished.json
    assert finished.json["state"] == "completed"
    assert (finished.json["visited_count"], finished.json["expected_count"]) == (4, 4)
    assert finished.json["flags"] == []

    detail = phone.run(run["id"]).json
    assert [s["visited"] for s in detail["stops"]] == [True] * 4
    assert len(detail["checkins"]) == 4 and len(detail["findings"]) == 2
    assert detail["flag_count"] == 0
    # Every step is audited.
    audited = session.scalars(
        select(AuditEntry.action).where(AuditEntry.entity_type.like("patrol_%"))
    ).all()
    assert {"start", "create", "finish"} <= set(audited)


def test_missed_and_out_of_order_checkpoints(site, patrol, clock):
    phone = patrol("fm1")
    run_id, etag = _start(phone, site.route)
    for n in (1, 3, 2):  # 2 after 3: out of order; 4 never
        clock.advance(minutes=2)
        assert phone.qr(run_id, site.cp(n)).status_code == 201
    detail = phone.run(run_id).json
    flags = {c["checkpoint_id"]: flag_codes(c) for c in detail["checkins"]}
    assert flags[site.cp(2).id] == ["out_of_order"]
    assert flags[site.cp(1).id] == flags[site.cp(3).id] == []

    refused = phone.finish(run_id, etag)
    body = assert_error(refused, 422, "reason_required")
    assert "reason" in body["details"]["fields"]["json"]

    finished = phone.finish(run_id, etag, reason="住户求助，中断巡查")
    assert finished.status_code == 200, finished.json
    assert finished.json["state"] == "ended_early"
    assert finished.json["visited_count"] == 3
    missed = [f for f in finished.json["flags"] if f["code"] == "missed_checkpoint"]
    assert [f["data"]["checkpoint_id"] for f in missed] == [site.cp(4).id]
    assert "漏巡" in missed[0]["message_zh"]

    # A finished run takes no more check-ins: an illegal transition.
    assert_error(phone.qr(run_id, site.cp(4)), 409, "illegal_transition")
    err = assert_error(phone.finish(run_id, "*", reason="again"), 409, "illegal_transition")
    assert err["details"]["state"] == "ended_early" and err["details"]["allowed_events"] == []


def test_checkin_300_m_outside_the_geofence_is_flagged(site, patrol):
    phone = patrol("fm1")
    run_id, _ = _start(phone, site.route)
    lat, lon = north(320, *site.position(1))  # 320 m from the centre of a 20 m circle
    r = phone.qr(run_id, site.cp(1), latitude=lat, longitude=lon, accuracy_m=10)
    assert r.status_code == 201, r.json
    assert abs(r.json["metres_outside"] - 300) < 2
    (flag,) = r.json["flags"]
    assert flag["code"] == "outside_geofence"
    assert abs(flag["data"]["metres_outside"] - 300) < 2
    assert "电子围栏外 300 米" in flag["message_zh"]

    # Inside the accuracy buffer: not flagged (15 m outside, ±20 m).
    lat, lon = north(35, *site.position(2))
    r = phone.qr(run_id, site.cp(2), latitude=lat, longitude=lon, accuracy_m=20)
    assert "outside_geofence" not in flag_codes(r.json)


def test_a_2_km_leg_in_30_s_is_flagged(site, patrol, clock, session, demo):
    far = make_checkpoint(session, demo.cuihu, "FAR", *east(2000))
    route = make_route(session, demo.cuihu, [site.cp(1), far], code="R-FAR")
    session.commit()
    phone = patrol("fm1")
    run_id, _ = _start(phone, route)
    assert phone.qr(run_id, site.cp(1)).status_code == 201
    clock.advance(seconds=30)
    r = phone.qr(run_id, far)
    assert r.status_code == 201
    (flag,) = r.json["flags"]
    assert flag["code"] == "too_fast"
    assert abs(flag["data"]["metres"] - 2000) < 15 and flag["data"]["seconds"] == 30
    assert "m/s" in flag["message"] and "步行" in flag["message_zh"]


def test_walking_pace_is_not_flagged(site, patrol, clock):
    phone = patrol("fm1")
    run_id, _ = _start(phone, site.route)
    for n in (1, 2):
        r = phone.qr(run_id, site.cp(n))
        clock.advance(seconds=40)  # 62 m in 40 s = 1.55 m/s
    assert r.json["flags"] == []


def test_offline_replay_of_the_same_checkin_is_counted_once(site, patrol, clock, session):
    phone = patrol("fm1")
    run_id, _ = _start(phone, site.route)
    body = {"client_id": str(uuid.uuid4()), "device_time": clock.now().isoformat()}
    first = phone.qr(run_id, site.cp(1), **body)
    clock.advance(minutes=20)  # the phone comes back online and replays its queue
    again = phone.qr(run_id, site.cp(1), **body)
    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replay") == "true"
    assert again.json["id"] == first.json["id"]
    count = session.scalar(
        select(func.count()).select_from(Checkin).where(Checkin.run_id == run_id)
    )
    assert count == 1
    assert phone.run(run_id).json["visited"] == 1


def test_offline_checkins_are_judged_in_the_order_they_happened(site, patrol, clock):
    """Replayed out of order (stop 2 arrives first) but with the phone's times: in order."""
    phone = patrol("fm1")
    run_id, _ = _start(phone, site.route)
    t1, t2 = clock.now() + dt.timedelta(minutes=1), clock.now() + dt.timedelta(minutes=3)
    clock.advance(minutes=30)
    assert phone.qr(run_id, site.cp(2), device_time=t2.isoformat()).status_code == 201
    assert phone.qr(run_id, site.cp(1), device_time=t1.isoformat()).status_code == 201
    detail = phone.run(run_id).json
    assert [c["checkpoint_id"] for c in detail["checkins"]] == [site.cp(1).id, site.cp(2).id]
    assert all(c["flags"] == [] for c in detail["checkins"])
    assert detail["checkins"][0]["checked_in_at"].startswith(t1.strftime("%Y-%m-%dT%H:%M"))


def test_a_phone_clock_in_the_future_is_not_trusted(site, patrol, clock):
    phone = patrol("fm1")
    run_id, _ = _start(phone, site.route)
    ahead = clock.now() + dt.timedelta(hours=2)
    r = phone.qr(run_id, site.cp(1), device_time=ahead.isoformat())
    assert r.status_code == 201
    assert "device_clock_ahead" in flag_codes(r.json)
    assert r.json["checked_in_at"] == r.json["received_at"]


def test_qr_token_of_another_property_is_refused_like_an_unknown_one(site, patrol, session, demo):
    other = make_checkpoint(session, demo.jinrong, "J1", 22.53, 114.05)
    session.commit()
    phone = patrol("fm1")
    run_id, _ = _start(phone, site.route)
    foreign = phone.check_in(run_id, qr_token=other.qr_token)
    unknown = phone.check_in(run_id, qr_token="no-such-token-" + uuid.uuid4().hex)
    assert_error(foreign, 422, "unknown_checkpoint_code")
    assert_error(unknown, 422, "unknown_checkpoint_code")
    assert foreign.json == unknown.json  # nothing tells the other property's code apart
    assert "J1" not in foreign.get_data(as_text=True)
    assert phone.run(run_id).json["checkins"] == []


def test_gps_only_checkin_needs_a_geofence_and_a_usable_fix(site, patrol):
    phone = patrol("fm1")
    run_id, _ = _start(phone, site.route)
    lat, lon = north(500, *site.position(1))
    assert_error(phone.gps(run_id, lat, lon, accuracy=10), 422, "not_at_checkpoint")
    assert_error(phone.gps(run_id, *site.position(1), accuracy=800), 422, "imprecise_fix")
    assert_error(phone.check_in(run_id), 422, "no_proof_of_presence")
    partial = phone.check_in(run_id, latitude=22.5, longitude=113.9)  # no accuracy
    assert_error(partial, 422, "validation_error")
    # A chosen checkpoint must match the fix.
    lat, lon = site.position(1)
    wrong = phone.gps(run_id, lat, lon, checkpoint_id=site.cp(3).id)
    assert_error(wrong, 422, "not_at_checkpoint")


def test_gps_prefers_the_next_stop_where_geofences_overlap(site, patrol, session, demo):
    lat, lon = site.position(2)
    twin = make_checkpoint(session, demo.cuihu, "TWIN", lat, lon + 0.00005)  # 5 m away
    session.commit()
    phone = patrol("fm1")
    run_id, _ = _start(phone, site.route)
    assert phone.qr(run_id, site.cp(1)).status_code == 201
    r = phone.gps(run_id, lat, lon + 0.00005, accuracy=5)
    assert r.json["checkpoint_id"] == site.cp(2).id  # on the route, next; not TWIN
    assert twin.id != site.cp(2).id


def test_who_may_run_a_route(site, patrol, session, demo, as_user):
    restricted = make_route(
        session, demo.cuihu, site.checkpoints[:2], code="R-NIGHT", allowed_roles=["night_duty"]
    )
    session.commit()
    assert_error(patrol("fm1").start(restricted), 403, "forbidden")
    assert patrol("night1").start(restricted).status_code == 201
    # Roles without patrol.run may not patrol at all.
    assert_error(patrol("eng1").start(site.route), 403, "forbidden")
    # Another property's route does not exist for fm1.
    foreign = make_route(
        session,
        demo.jinrong,
        [make_checkpoint(session, demo.jinrong, "J2", 22.53, 114.05)],
        code="R-J",
    )
    session.commit()
    assert_error(patrol("fm1").start(foreign), 404, "not_found")


def test_late_start_is_flagged(site, patrol, clock):
    clock.advance(minutes=30)  # 10:00, latest start was 09:45
    r = patrol("fm1").start(site.route)
    assert r.status_code == 201
    (flag,) = r.json["flags"]
    assert flag["code"] == "late_start" and flag["data"]["minutes"] == 15


def test_checkin_by_someone_else_is_flagged(site, patrol):
    run_id, _ = _start(patrol("fm1"), site.route)
    r = patrol("night1").qr(run_id, site.cp(1))
    assert r.status_code == 201
    assert flag_codes(r.json) == ["other_user"]


def test_finding_needs_a_category_and_is_forwarded_once(site, patrol, as_user, session):
    phone = patrol("fm1")
    run_id, _ = _start(phone, site.route)
    assert_error(phone.finding(run_id, outcome="problem"), 422)
    found = phone.finding(run_id, outcome="problem", category="cleaning", note="垃圾未清")
    assert found.status_code == 201
    finding_id = found.json["id"]
    desk = as_user("fd1")
    r = desk.get(f"/api/v1/patrol/findings/{finding_id}")
    etag = r.headers["ETag"]
    assert_error(
        desk.post(f"/api/v1/patrol/findings/{finding_id}/forward", json={"target": "work_order"}),
        428,
    )
    forwarded = desk.post(
        f"/api/v1/patrol/findings/{finding_id}/forward",
        json={"target": "work_order", "note": "请工程部处理"},
        headers={"If-Match": etag},
    )
    assert forwarded.status_code == 200, forwarded.json
    assert (forwarded.json["status"], forwarded.json["forward_target"]) == (
        "forwarded",
        "work_order",
    )
    again = desk.post(
        f"/api/v1/patrol/findings/{finding_id}/forward",
        json={"target": "work_order"},
        headers={"If-Match": forwarded.headers["ETag"]},
    )
    assert_error(again, 409, "illegal_transition")
    listed = desk.get(
        f"/api/v1/patrol/properties/{site.property_id}/findings"
        "?status=forwarded&forward_target=work_order"
    ).json["items"]
    assert [f["id"] for f in listed] == [finding_id]
    # A renovation inspection needs a unit.
    other = phone.finding(run_id, outcome="problem", category="renovation").json
    refused = desk.post(
        f"/api/v1/patrol/findings/{other['id']}/forward",
        json={"target": "renovation"},
        headers={"If-Match": "*"},
    )
    assert_error(refused, 422)
    assert_error(
        as_user("eng1").post(
            f"/api/v1/patrol/findings/{other['id']}/forward",
            json={"target": "work_order"},
            headers={"If-Match": "*"},
        ),
        403,
    )


def test_photo_contexts_resolve_for_evidence(site, patrol, session):
    phone = patrol("fm1")
    run_id, _ = _start(phone, site.route)
    checkin = phone.qr(run_id, site.cp(1)).json
    finding = phone.finding(
        run_id, outcome="problem", category="security", checkin_client_id=checkin["client_id"]
    ).json
    run = session.scalar(select(Run).where(Run.id == run_id))
    info = resolve_context(session, "patrol_checkin", checkin["client_id"])
    assert info is not None
    assert info.property_id == site.property_id and info.started_at == run.started_at
    assert info.label == "1栋 测试点T1"
    from shapely.geometry import Point

    lat, lon = site.position(1)
    assert info.geofence is not None and info.geofence.contains(Point(lon, lat))
    assert not info.geofence.contains(Point(*reversed(north(40, lat, lon))))
    by_finding = resolve_context(session, "patrol_finding", finding["client_id"])
    assert by_finding is not None and by_finding.label == info.label
    assert resolve_context(session, "patrol_finding", str(finding["id"])) is not None
    assert resolve_context(session, "patrol_checkin", str(uuid.uuid4())) is None
    assert resolve_context(session, "patrol_checkin", "not-an-id") is None


def test_runs_are_listed_newest_first_and_scoped(site, patrol, as_user, demo):
    first, _ = _start(patrol("fm1"), site.route)
    second, _ = _start(patrol("fm1"), site.route)
    items = as_user("sup1").get(f"/api/v1/patrol/properties/{demo.cuihu}/runs").json["items"]
    assert [r["id"] for r in items][:2] == [second, first]
    assert_error(as_user("fm2").get(f"/api/v1/patrol/runs/{first}"), 404)
    today = as_user("sup1").get(
        f"/api/v1/patrol/properties/{demo.cuihu}/runs?date=2026-11-23&state=in_progress"
    )
    assert {r["id"] for r in today.json["items"]} == {first, second}
