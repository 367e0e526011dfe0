"""The phone's clock in patrol, through the API (policy: xunjian/org/phone_clock.py): the
property's ``clock_skew_minutes`` decides; a time not believed is flagged and kept, never refused
and never replaced without a word; a missing time is the server's receipt time."""

from __future__ import annotations

import datetime as dt

from tests.patrol.conftest import flag_codes
from tests.phone_clock import clock_note, set_skew


def _run(phone, route, **body):
    r = phone.start(route, **body)
    assert r.status_code == 201, r.json
    return r.json


def test_a_checkin_ahead_of_the_server_by_more_than_the_property_skew(site, patrol, clock, session):
    set_skew(session, site.property_id, 2)  # this property tolerates 2 minutes, not 5 or 10
    phone = patrol("fm1")
    run = _run(phone, site.route)
    ahead = clock.now() + dt.timedelta(minutes=4)
    r = phone.qr(run["id"], site.cp(1), device_time=ahead.isoformat())
    assert r.status_code == 201, r.json
    assert flag_codes(r.json) == ["device_clock_ahead"]
    flag = r.json["flags"][0]
    assert flag["data"]["minutes"] == 4 and "4 min ahead" in flag["message"]
    assert flag["message_zh"]
    # The receipt time is the check-in's time; the phone's value is kept beside it.
    assert r.json["checked_in_at"] == r.json["received_at"]
    assert dt.datetime.fromisoformat(r.json["device_time"]) == ahead
    assert clock_note(session, "patrol_checkins", r.json["id"])["verdict"] == "ahead"


def _believed(phone, run_id, checkpoint, at):
    """A check-in whose phone time is believed: unflagged, and that time is its own."""
    r = phone.qr(run_id, checkpoint, device_time=at.isoformat())
    assert r.status_code == 201, r.json
    assert r.json["flags"] == []
    assert dt.datetime.fromisoformat(r.json["checked_in_at"]) == at


def test_a_time_within_the_skew_is_the_phones_own(site, patrol, clock, session):
    run = _run(patrol("fm1"), site.route)
    four_ahead = clock.now() + dt.timedelta(minutes=4)  # the default skew is 10 min
    _believed(patrol("fm1"), run["id"], site.cp(1), four_ahead)


def test_a_checkin_before_its_run_started_is_behind_and_flagged(site, patrol, clock, session):
    phone = patrol("fm1")
    run = _run(phone, site.route)
    clock.advance(minutes=5)
    before_run = clock.now() - dt.timedelta(hours=1)  # 55 min before the run began
    r = phone.qr(run["id"], site.cp(1), device_time=before_run.isoformat())
    assert r.status_code == 201, r.json
    assert flag_codes(r.json) == ["device_clock_behind"]
    assert r.json["checked_in_at"] == r.json["received_at"]
    assert dt.datetime.fromisoformat(r.json["device_time"]) == before_run
    # An offline replay an hour late, after the run began, is simply believed.
    later = clock.now() - dt.timedelta(minutes=2)
    clock.advance(hours=1)
    _believed(phone, run["id"], site.cp(2), later)


def test_a_missing_phone_time_is_the_receipt_time_and_said_so(site, patrol, clock, session):
    phone = patrol("fm1")
    run = _run(phone, site.route)
    r = phone.finding(run["id"], outcome="ok")
    assert r.status_code == 201, r.json
    assert r.json["recorded_at"] == r.json["received_at"]
    note = clock_note(session, "patrol_findings", r.json["id"])
    assert note["verdict"] == "missing" and note["device_time"] is None


def test_a_finding_behind_is_kept_in_its_audit_entry(site, patrol, clock, session):
    """A finding has no flags column: the phone's value and the verdict are in its audit."""
    phone = patrol("fm1")
    run = _run(phone, site.route)
    weeks_ago = clock.now() - dt.timedelta(days=20)
    r = phone.finding(run["id"], outcome="ok", device_time=weeks_ago.isoformat())
    assert r.status_code == 201, r.json
    assert r.json["recorded_at"] == r.json["received_at"]
    note = clock_note(session, "patrol_findings", r.json["id"])
    assert note["verdict"] == "behind" and note["flag"] == "device_clock_behind"
    assert dt.datetime.fromisoformat(note["device_time"]) == weeks_ago


def test_run_start_and_finish_clock_flags_survive_the_finish(site, patrol, clock, session):
    phone = patrol("fm1")
    ahead = clock.now() + dt.timedelta(hours=3)
    run = _run(phone, site.route, device_time=ahead.isoformat())
    assert flag_codes(run) == ["device_clock_ahead"]
    assert run["started_at"] == run["received_at"]
    assert dt.datetime.fromisoformat(run["device_started_at"]) == ahead
    clock.advance(minutes=10)
    done = phone.finish(run["id"], reason="rain", device_time=ahead.isoformat())
    assert done.status_code == 200, done.json
    clocks = [f for f in done.json["flags"] if f["code"] == "device_clock_ahead"]
    assert [f["data"]["step"] for f in clocks] == ["start", "finish"]
