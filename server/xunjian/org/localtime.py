"""A property's local time: its timezone, its "today", the UTC bounds of its days. No Flask.

Times are stored in UTC; "today", a day's register, a month's statistics and a time printed on a
photo follow the property's timezone. Every area asks here instead of building
``ZoneInfo(prop.timezone)`` and midnight arithmetic itself, so a day means the same thing in
patrol, renovation, work orders and evidence (and a DST zone, should a property have one, is
handled in one place).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from .models import Property

Place = Property | str | ZoneInfo


def tz(place: Place) -> ZoneInfo:
    """The timezone of a property (or of a timezone name, for rows read without their property;
    or the timezone itself, for callers that already hold it)."""
    if isinstance(place, ZoneInfo):
        return place
    return ZoneInfo(place if isinstance(place, str) else place.timezone)


def local(place: Place, at: dt.datetime) -> dt.datetime:
    """``at`` on the property's wall clock."""
    return at.astimezone(tz(place))


def local_day(place: Place, at: dt.datetime) -> dt.date:
    """The property's calendar date at the moment ``at`` ("today" when ``at`` is now)."""
    return local(place, at).date()


def at_local(place: Place, day: dt.date, time: dt.time) -> dt.datetime:
    """The moment the property's wall clock shows ``time`` on ``day`` (in UTC)."""
    return dt.datetime.combine(day, time, tzinfo=tz(place)).astimezone(dt.UTC)


def day_start(place: Place, day: dt.date) -> dt.datetime:
    """Local midnight starting ``day``, in UTC."""
    return at_local(place, day, dt.time(0))


def day_bounds(place: Place, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of the local ``day`` in UTC: local midnight to the next local midnight."""
    return day_start(place, day), day_start(place, day + dt.timedelta(days=1))


def days_bounds(place: Place, first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start of ``first``, end of ``last``) in UTC: a period of whole local days."""
    return day_start(place, first), day_start(place, last + dt.timedelta(days=1))
