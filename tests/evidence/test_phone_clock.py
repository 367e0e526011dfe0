"""The phone's clock on photos, through the upload API (policy: xunjian/org/phone_clock.py).

``captured_at`` is stored as the phone sent it; a time not believed is flagged and the
receipt time stands for when the photo was taken (the same-day deadline, the task start)."""

from __future__ import annotations

import datetime as dt

from tests.evidence import photos
from tests.phone_clock import clock_note, set_skew

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def _codes(r) -> set[str]:
    return {f["code"] for f in r.json["flags"]}


def test_a_photo_dated_tomorrow_is_flagged_and_judged_by_its_receipt(upload, clock, session):
    clock.set(dt.datetime(2026, 11, 23, 18, 30, tzinfo=SHANGHAI))  # after the 17:00 deadline
    tomorrow = dt.datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI)
    r = upload(photos.jpeg(seed=31, meta=None), captured_at=tomorrow.isoformat())
    assert r.status_code == 201, r.json
    # The phone's date would have put the deadline tomorrow; the receipt time is today's.
    assert {"device_clock_ahead", "late_upload"} <= _codes(r)
    ahead = next(f for f in r.json["flags"] if f["code"] == "device_clock_ahead")
    assert "receipt time" in ahead["reason"] and ahead["reason_zh"]
    assert dt.datetime.fromisoformat(r.json["captured_at"]) == tomorrow  # kept as sent
    assert clock_note(session, "evidence", r.json["id"])["verdict"] == "ahead"


def test_the_property_skew_decides_what_is_ahead(upload, clock, session, demo):
    four_ahead = (clock.now() + dt.timedelta(minutes=4)).isoformat()
    r = upload(photos.jpeg(seed=32, meta=None), captured_at=four_ahead)
    assert "device_clock_ahead" not in _codes(r)  # default skew: 10 min
    set_skew(session, demo.cuihu, 2)
    r = upload(photos.jpeg(seed=33, meta=None), captured_at=four_ahead)
    assert "device_clock_ahead" in _codes(r)


def test_a_photo_weeks_behind_is_flagged(upload, clock, session):
    weeks_ago = clock.now() - dt.timedelta(days=20)
    r = upload(photos.jpeg(seed=34, meta=None), captured_at=weeks_ago.isoformat())
    assert r.status_code == 201, r.json
    assert "device_clock_behind" in _codes(r)
    assert dt.datetime.fromisoformat(r.json["captured_at"]) == weeks_ago
    note = clock_note(session, "evidence", r.json["id"])
    assert note["verdict"] == "behind" and note["flag"] == "device_clock_behind"


def test_a_photo_without_a_phone_time(upload, session):
    r = upload(photos.jpeg(seed=35, meta=None), captured_at=None)
    assert r.status_code == 201, r.json
    assert r.json["captured_at"] is None
    assert not _codes(r) & {"device_clock_ahead", "device_clock_behind"}
    note = clock_note(session, "evidence", r.json["id"])
    assert note["verdict"] == "missing" and note["device_time"] is None
