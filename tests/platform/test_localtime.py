"""Property time (xunjian/org/localtime.py): a local day is midnight to midnight on the
property's wall clock, whatever its length in UTC."""

from __future__ import annotations

import datetime as dt

from xunjian.org import localtime


def test_a_shanghai_day_in_utc():
    start, end = localtime.day_bounds("Asia/Shanghai", dt.date(2026, 11, 23))
    assert start == dt.datetime(2026, 11, 22, 16, 0, tzinfo=dt.UTC)
    assert end - start == dt.timedelta(hours=24)
    assert localtime.local_day(
        "Asia/Shanghai", dt.datetime(2026, 11, 22, 16, 0, tzinfo=dt.UTC)
    ) == (dt.date(2026, 11, 23))
    assert localtime.local_day("Asia/Shanghai", end - dt.timedelta(seconds=1)) == dt.date(
        2026, 11, 23
    )


def test_a_day_with_a_clock_change_is_not_24_hours():
    # Should a property ever sit in a zone with daylight saving, its days still end at midnight.
    start, end = localtime.day_bounds("America/New_York", dt.date(2026, 3, 8))
    assert end - start == dt.timedelta(hours=23)
    first, last = localtime.days_bounds(
        "America/New_York", dt.date(2026, 3, 7), dt.date(2026, 3, 9)
    )
    assert last - first == dt.timedelta(hours=71)
    five_pm = localtime.at_local("America/New_York", dt.date(2026, 3, 9), dt.time(17, 0))
    assert five_pm == dt.datetime(2026, 3, 9, 21, 0, tzinfo=dt.UTC)
