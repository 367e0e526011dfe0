"""Field types whose accepted range is what the rest of the stack can hold.

Input outside these ranges is the caller's mistake (422), not a server error: a year-1 or
year-9999 datetime overflows time-zone arithmetic, an integer beyond 32 bits overflows
PostgreSQL's ``integer`` (and SQLite's 64-bit one), and a text field sent where a file is
expected has no bytes to read. Every schema uses these instead of marshmallow's own.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import marshmallow as ma
from flask_smorest.fields import Upload
from werkzeug.datastructures import FileStorage

# Deadlines, permits, patrols and photos all fall in this century; the bounds keep every
# `astimezone`, `+ timedelta` and working-day count far from datetime's year 1 and year 9999.
FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2099, 12, 31)
FIRST_INSTANT = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
LAST_INSTANT = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
# Ids and counts are `integer` columns (32-bit signed on PostgreSQL).
INT_MIN = -(2**31)
INT_MAX = 2**31 - 1

_YEAR_MESSAGE = "Use a date between 2000-01-01 and 2099-12-31."


class Date(ma.fields.Date):
    """A calendar day between 2000-01-01 and 2099-12-31."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> dt.date:
        day = super()._deserialize(value, attr, data, **kwargs)
        if not FIRST_DAY <= day <= LAST_DAY:
            raise self.make_error("out_of_range")
        return day

    default_error_messages = {"out_of_range": _YEAR_MESSAGE}


class AwareDateTime(ma.fields.AwareDateTime):
    """An instant with its UTC offset, between 2000 and 2100 (UTC)."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> dt.datetime:
        # The year is checked on the text before the offset is applied: converting
        # 9999-12-31T23:00-05:00 to UTC would itself overflow.
        year = re.match(r"\s*(\d{4})", value) if isinstance(value, str) else None
        if year and not FIRST_DAY.year <= int(year.group(1)) <= LAST_DAY.year:
            raise self.make_error("out_of_range")
        when = super()._deserialize(value, attr, data, **kwargs)
        if when.tzinfo is not None and not FIRST_INSTANT <= when <= LAST_INSTANT:
            raise self.make_error("out_of_range")
        return when

    default_error_messages = {"out_of_range": _YEAR_MESSAGE}


class Month(ma.fields.String):
    """A calendar month as ``YYYY-MM``, in the same years as :class:`Date`."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "validate",
            ma.validate.Regexp(
                r"^20\d\d-(0[1-9]|1[0-2])$", error="Use YYYY-MM, 2000-01 to 2099-12."
            ),
        )
        super().__init__(**kwargs)


class File(Upload):
    """A multipart file part. A plain text field under the file's name is refused."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> FileStorage:
        if not isinstance(value, FileStorage):
            raise self.make_error("not_a_file")
        return value

    default_error_messages = {"not_a_file": "Send a file here (a multipart file part)."}
