"""R24 suggestion outside permitted hours, the Renovation Patrol Log, sites due today, and
inspections opened from patrol findings."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select

from tests.renovation.conftest import R, assert_error, make_site, unit_id, violation
from xunjian.auth.models import User
from xunjian.org.models import CalendarDay
from xunjian.patrol.models import Finding, Route, Run

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def test_r24_is_suggested_outside_permitted_hours(phone, site, clock, as_user):
    url = f"{R}/renovations/{site.id}/suggestions"
    inside = as_user("fm1").get(url).json
    assert inside["outside_hours"] is False and inside["suggested_items"] == []
    assert inside["permitted_hours_today"] == [["08:00", "12:00"], ["14:00", "18:00"]]
    lunch = as_user("fm1").get(url, query_string={"at": "2026-11-23T12:30:00+08:00"}).json
    assert lunch["suggested_items"] == ["R24"]

    clock.set(dt.datetime(2026, 11, 23, 19, 30, tzinfo=SHANGHAI))
    fm = phone("fm1")
    assert as_user("fm1").get(url).json["suggested_items"] == ["R24"]
    r = fm.inspect(site.id, [violation("R24", "晚间电钻施工")])
    assert r.status_code == 201
    assert r.json["outside_hours"] is True and r.json["suggested_items"] == ["R24"]

    # Saturday: weekend hours start at 09:00
    saturday = "2026-11-28T08:30:00+08:00"
    assert as_user("fm1").get(url, query_string={"at": saturday}).json["suggested_items"] == ["R24"]
    later = as_user("fm1").get(url, query_string={"at": "2026-11-28T10:00:00+08:00"}).json
    assert later["suggested_items"] == [] and later["permitted_hours_today"][0] == [
        "09:00",
        "12:00",
    ]


def test_holidays_use_weekend_hours_and_make_up_days_weekday_hours(as_user, site, session, demo):
    url = f"{R}/renovations/{site.id}/suggestions"
    session.add(CalendarDay(property_id=demo.cuihu, day=dt.date(2026, 12, 1), is_working_day=False))
    session.add(CalendarDay(property_id=demo.cuihu, day=dt.date(2026, 12, 6), is_working_day=True))
    session.commit()
    holiday = as_user("fm1").get(url, query_string={"at": "2026-12-01T08:30:00+08:00"}).json
    assert holiday["suggested_items"] == ["R24"]  # Tuesday, but a holiday
    makeup = as_user("fm1").get(url, query_string={"at": "2026-12-06T08:30:00+08:00"}).json
    assert makeup["suggested_items"] == []  # Sunday, but a working day


def test_patrol_log_and_sites_due_today(phone, site, session, clock, demo, as_user):
    other = make_site(session, clock, demo.cuihu, unit_id(session, demo.cuihu, "B2", "201"))
    make_site(
        session, clock, demo.cuihu, unit_id(session, demo.cuihu, "B2", "202"), state="approved"
    )
    due = as_user("fm1").get(f"{R}/my-sites").json["items"]
    assert {d["renovation_id"] for d in due} == {site.id, other.id}
    assert {d["unit_label"] for d in due} == {"1栋 201", "2栋 201"}

    phone("fm1").inspect(site.id, [violation("R20")])
    log = as_user("sup1").get(f"{R}/properties/{demo.cuihu}/patrol-log").json
    assert log["day"] == "2026-11-23"
    rows = {s["renovation_id"]: s for s in log["sites"]}
    assert set(rows) == {site.id, other.id}  # approved but not started: not yet a site
    assert (
        rows[site.id]["inspected"] is True
        and rows[site.id]["inspections"][0]["violation_count"] == 1
    )
    assert rows[site.id]["inspections"][0]["inspector_name"].startswith("张伟")
    assert rows[other.id]["inspected"] is False and log["not_inspected"] == [other.id]
    assert [d["renovation_id"] for d in as_user("fm1").get(f"{R}/my-sites").json["items"]] == [
        other.id
    ]

    # the next day everything is due again; yesterday's log keeps its record
    clock.advance(days=1)
    assert len(as_user("fm1").get(f"{R}/my-sites").json["items"]) == 2
    old = as_user("sup1").get(f"{R}/properties/{demo.cuihu}/patrol-log?day=2026-11-23").json
    assert old["not_inspected"] == [other.id]
    assert_error(as_user("eng1").get(f"{R}/my-sites"), 403)


def test_sites_assigned_to_another_floor_manager_are_not_mine(session, clock, demo, as_user):
    sup = session.scalar(select(User.id).where(User.username == "sup1"))
    make_site(
        session, clock, demo.cuihu, unit_id(session, demo.cuihu, "B1", "301"), inspector_id=sup
    )
    assert as_user("fm1").get(f"{R}/my-sites").json["items"] == []
    assert len(as_user("sup1").get(f"{R}/my-sites").json["items"]) == 1


def _finding(session, demo, unit, forwarded=True):
    fm = session.scalar(select(User.id).where(User.username == "fm1"))
    now = dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC)
    route = Route(
        property_id=demo.cuihu,
        code=f"RR{uuid.uuid4().hex[:5]}",
        name_zh="测试",
        schedule_since=now,
        created_at=now,
        updated_at=now,
    )
    session.add(route)
    session.flush()
    run = Run(
        property_id=demo.cuihu,
        route_id=route.id,
        runner_id=fm,
        state="in_progress",
        started_at=now,
        received_at=now,
        expected_count=0,
        flags=[],
    )
    session.add(run)
    session.flush()
    finding = Finding(
        property_id=demo.cuihu,
        client_id=uuid.uuid4(),
        run_id=run.id,
        reported_by_id=fm,
        unit_id=unit,
        outcome="problem",
        category="renovation",
        note="楼道有电焊火花",
        photo_client_ids=[str(uuid.uuid4())],
        status="forwarded" if forwarded else "open",
        forward_target="renovation" if forwarded else None,
        forwarded_at=now if forwarded else None,
        forwarded_by_id=fm if forwarded else None,
        recorded_at=now,
        received_at=now,
    )
    session.add(finding)
    session.commit()
    return finding


def test_inspection_from_a_forwarded_patrol_finding(session, demo, site, unit201, phone, as_user):
    finding = _finding(session, demo, unit201)
    body = {
        "client_id": str(uuid.uuid4()),
        "results": [
            {
                "code": "R18",
                "result": "violation",
                "note": "无动火证电焊",
                "photo_client_ids": finding.photo_client_ids,
            }
        ],
    }
    r = as_user("fm1").post(f"{R}/findings/{finding.id}/inspection", json=body)
    assert r.status_code == 201, r.json
    assert r.json["finding_id"] == finding.id and r.json["renovation_id"] == site.id
    unforwarded = _finding(session, demo, unit201, forwarded=False)
    r = as_user("fm1").post(f"{R}/findings/{unforwarded.id}/inspection", json={"results": []})
    assert_error(r, 409, "finding_not_forwarded")
    no_site = _finding(session, demo, unit_id(session, demo.cuihu, "B1", "302"))
    r = as_user("fm1").post(f"{R}/findings/{no_site.id}/inspection", json={"results": []})
    assert_error(r, 409, "no_renovation")
