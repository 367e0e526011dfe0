"""Notice serial numbers and deadlines.

Deadlines are **calendar days** (the owner reads "7 days" on paper as a week, and renovation
hazards do not wait for the office's working days): a notice must be rectified by the end of the
local day ``issue date + days``; it is overdue from the next local midnight. No Flask imports.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import field_error
from ..org import localtime
from ..org.models import Property
from ..tenancy import unscoped
from . import checklist
from .models import Notice, NoticeCounter


def check_deadline(prop: Property, deadline: dt.date | None, now: dt.datetime) -> None:
    if deadline is not None and deadline < localtime.local_day(prop, now):
        raise field_error(
            "deadline",
            f"The deadline {deadline.isoformat()} is in the past.",
            f"整改期限 {deadline.isoformat()} 已过。",
            code="deadline_in_past",
        )


def allocate_serial(session: Session, prop: Property, year: int) -> str:
    """CUIHU-2026-0007: the property's next number of the year. The counter row is locked FOR
    UPDATE (PostgreSQL; SQLite's write lock does the same), so concurrent issues never share
    a number and numbers have no gaps."""
    stmt = unscoped(
        select(NoticeCounter)
        .where(NoticeCounter.property_id == prop.id, NoticeCounter.year == year)
        .with_for_update()
    )
    counter = session.scalar(stmt)
    if counter is None:
        try:
            with session.begin_nested():
                counter = NoticeCounter(property_id=prop.id, year=year, last_seq=0)
                session.add(counter)
        except IntegrityError:  # created by a concurrent issue: lock theirs
            counter = session.scalar(stmt)
            assert counter is not None
    counter.last_seq += 1
    session.flush()
    return f"{prop.code}-{year}-{counter.last_seq:04d}"


def deadline_for(
    session: Session, prop: Property, notice: Notice, now: dt.datetime
) -> tuple[dt.date, dt.datetime]:
    if notice.requested_deadline is not None:
        check_deadline(prop, notice.requested_deadline, now)
        day = notice.requested_deadline
    else:
        version = checklist.current_version(session, prop.company_id)
        days = checklist.deadline_days(version, prop)[notice.severity]
        day = localtime.local_day(prop, now) + dt.timedelta(days=days)
    return day, localtime.day_bounds(prop, day)[1]
