"""Working-day arithmetic on a property's calendar (weekly pattern + holidays + 调休 days).

Deadlines such as "reply within 1 working day" and "escalate after 2 days" are computed here so
that every area agrees on what a working day is at a given property.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import localtime
from .models import CalendarDay, Property


@dataclass(frozen=True)
class WorkingCalendar:
    timezone: ZoneInfo
    weekdays: frozenset[int]  # ISO weekday numbers that are normally working days
    exceptions: dict[dt.date, bool]  # date -> is working day
    day_start: dt.time
    day_end: dt.time

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.exceptions:
            return self.exceptions[day]
        return day.isoweekday() in self.weekdays

    def local_date(self, at: dt.datetime) -> dt.date:
        return at.astimezone(self.timezone).date()

    def add_working_days(self, start: dt.datetime, days: int) -> dt.datetime:
        """The moment ``days`` working days after ``start``: end of that working day's shift.

        A complaint received on Friday afternoon with a 1-working-day reply deadline is due at
        the end of Monday's day shift, not on Saturday.
        """
        if days < 0:
            raise ValueError("days must not be negative")
        day = self.local_date(start)
        remaining = days
        while remaining > 0:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        if days == 0 and not self.is_working_day(day):
            while not self.is_working_day(day):
                day += dt.timedelta(days=1)
        return self.end_of_day_shift(day)

    def end_of_day_shift(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, self.day_end, tzinfo=self.timezone).astimezone(dt.UTC)

    def working_days_between(self, start: dt.datetime, end: dt.datetime) -> int:
        """Whole working days elapsed from ``start`` to ``end`` (local dates, start excluded)."""
        first, last = self.local_date(start), self.local_date(end)
        count = 0
        day = first
        while day < last:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count


def load_calendar(session: Session, prop: Property) -> WorkingCalendar:
    exceptions = {
        row.day: row.is_working_day
        for row in session.scalars(select(CalendarDay).where(CalendarDay.property_id == prop.id))
    }
    return WorkingCalendar(
        timezone=localtime.tz(prop),
        weekdays=frozenset(prop.working_days),
        exceptions=exceptions,
        day_start=prop.day_shift_start,
        day_end=prop.day_shift_end,
    )
