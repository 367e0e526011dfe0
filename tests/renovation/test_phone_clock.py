"""The phone's clock in renovation, through the API (policy: xunjian/org/phone_clock.py).

Renovation used to refuse a phone time more than 10 minutes ahead (422) — an inspection queued
on a phone with a fast clock could then never be sent. Now a clock reading is never refused:
a time not believed becomes the receipt time and the phone's value is kept in the audit. A
time a person types (the interview's) is refused when it cannot be true."""

from __future__ import annotations

import datetime as dt
import uuid

from tests.phone_clock import clock_note, set_skew
from tests.renovation.conftest import R, assert_error, violation
from tests.renovation.test_audit_trail import _run_overdue_job, _violation_ids


def _at(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


def test_an_inspection_ahead_is_kept_not_refused(phone, site, clock, session, demo):
    set_skew(session, demo.cuihu, 5)
    ahead = clock.now() + dt.timedelta(minutes=30)
    r = phone("fm1").inspect(site.id, [], inspected_at=ahead.isoformat())
    assert r.status_code == 201, r.json
    assert r.json["inspected_at"] == r.json["received_at"]
    note = clock_note(session, "renovation_inspections", r.json["id"])
    assert note["verdict"] == "ahead" and note["flag"] == "device_clock_ahead"
    assert _at(note["device_time"]) == ahead and note["minutes"] == 30


def test_an_inspection_before_the_site_was_registered_is_behind(phone, site, clock, session):
    clock.advance(hours=1)
    before_site = clock.now() - dt.timedelta(days=2)
    r = phone("fm1").inspect(site.id, [violation("R20")], inspected_at=before_site.isoformat())
    assert r.status_code == 201, r.json
    assert r.json["inspected_at"] == r.json["received_at"]
    assert r.json["local_day"] == "2026-11-23"  # the day it reached the server, not 2 days ago
    note = clock_note(session, "renovation_inspections", r.json["id"])
    assert note["verdict"] == "behind" and _at(note["device_time"]) == before_site


def test_an_inspection_without_a_phone_time_is_the_receipt_time(phone, site, session):
    r = phone("fm1").inspect(site.id, [])
    assert r.status_code == 201, r.json
    assert r.json["inspected_at"] == r.json["received_at"]
    assert clock_note(session, "renovation_inspections", r.json["id"])["verdict"] == "missing"


def test_a_believed_inspection_time_is_the_phones(phone, site, clock, session):
    clock.advance(hours=3)
    earlier = clock.now() - dt.timedelta(hours=2)  # queued offline, sent two hours later
    r = phone("fm1").inspect(site.id, [], inspected_at=earlier.isoformat())
    assert _at(r.json["inspected_at"]) == earlier
    assert clock_note(session, "renovation_inspections", r.json["id"])["verdict"] == "believed"


def test_a_notice_signed_with_a_fast_clock_is_acknowledged_at_receipt(phone, site, clock, session):
    fm = phone("fm1")
    notice = fm.notice(site.id, _violation_ids(fm, site.id, "R20"), issue=True).json
    ahead = clock.now() + dt.timedelta(hours=1)
    r = fm.act(
        f"{R}/notices/{notice['id']}/acknowledge",
        outcome="refused",
        refusal_photo_client_id=str(uuid.uuid4()),
        at=ahead.isoformat(),
    )
    assert r.status_code == 200, r.json
    assert _at(r.json["acknowledged_at"]) == clock.now()
    note = clock_note(session, "renovation_notices", notice["id"])
    assert note["verdict"] == "ahead" and _at(note["device_time"]) == ahead


def test_a_typed_interview_time_in_the_future_is_refused(phone, site, clock):
    fm = phone("fm1")
    notice = fm.notice(site.id, _violation_ids(fm, site.id, "R20"), issue=True).json
    url = f"{R}/notices/{notice['id']}"
    fm.act(url + "/acknowledge", outcome="refused", refusal_photo_client_id=str(uuid.uuid4()))
    clock.set(dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC))  # deadline passed
    assert _run_overdue_job(clock) == 1
    tomorrow = clock.now() + dt.timedelta(days=1)
    r = phone("sup1").act(
        url + "/escalate", interview_at=tomorrow.isoformat(), interview_outcome="业主拒不整改"
    )
    err = assert_error(r, 422, "time_in_future")
    assert "interview_at" in err["details"]["fields"]["json"]
