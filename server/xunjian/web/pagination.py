"""Keyset pagination for every list: ``?limit=&cursor=`` → ``{items, next_cursor}``.

Offsets get slower with depth and skip or repeat rows while the phone pages through a list
that is being added to; a keyset cursor ("after id N") does neither.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import marshmallow as ma
from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute, Session

from .. import jsontext
from ..errors import InvalidInput
from .smorest import Schema


class PageArgsSchema(Schema):
    limit = ma.fields.Integer(
        load_default=None,
        validate=ma.validate.Range(min=1, max=1000),
        metadata={"description": "page size (default 50, capped by the server)"},
    )
    cursor = ma.fields.String(
        load_default=None,
        validate=ma.validate.Length(max=200),
        metadata={"description": "next_cursor from the previous page"},
    )


@dataclass(frozen=True)
class Page:
    items: list[Any]
    next_cursor: str | None

    def out(self) -> dict[str, Any]:
        """The ``{items, next_cursor}`` response body of a page."""
        return {"items": self.items, "next_cursor": self.next_cursor}


def encode_cursor(value: Any, descending: bool) -> str:
    raw = json.dumps({"k": value, "d": descending}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def bad_cursor() -> InvalidInput:
    return InvalidInput(
        "The pagination cursor is invalid; start again from the first page.",
        message_zh="分页游标无效，请从第一页重新开始。",
        code="bad_cursor",
        details={"cursor": ["invalid"]},
    )


def decode_cursor_key(cursor: str, descending: bool) -> Any:
    """The raw key of a cursor (any JSON value); the caller checks its shape (``bad_cursor``)."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = jsontext.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise bad_cursor() from None
    if not isinstance(data, dict) or data.get("d") != descending:
        raise bad_cursor()
    return data.get("k")


def decode_cursor(cursor: str, descending: bool) -> int:
    key = decode_cursor_key(cursor, descending)
    if not isinstance(key, int) or isinstance(key, bool) or key < 0:
        raise bad_cursor()
    return key


def encode_time_id_cursor(at: dt.datetime, row_id: int, descending: bool = False) -> str:
    """A cursor for a list ordered by a timestamp, then id (e.g. open notices by deadline)."""
    return encode_cursor([at.astimezone(dt.UTC).isoformat(), row_id], descending)


def decode_time_id_cursor(cursor: str, descending: bool = False) -> tuple[dt.datetime, int]:
    """The (timestamp, id) of ``encode_time_id_cursor``; 422 ``bad_cursor`` for anything else."""
    key = decode_cursor_key(cursor, descending)
    if not (isinstance(key, list) and len(key) == 2 and isinstance(key[0], str)):
        raise bad_cursor()
    at, row_id = key
    if not isinstance(row_id, int) or isinstance(row_id, bool) or row_id < 0:
        raise bad_cursor()
    try:
        moment = dt.datetime.fromisoformat(at)
    except ValueError:
        raise bad_cursor() from None
    if moment.tzinfo is None:
        raise bad_cursor()
    return moment, row_id


def page_size(limit: int | None, default_limit: int, max_limit: int) -> int:
    return min(limit or default_limit, max_limit)


def paginate(
    session: Session,
    stmt: Select[Any],
    key: InstrumentedAttribute[int],
    *,
    limit: int | None,
    cursor: str | None,
    default_limit: int,
    max_limit: int,
    descending: bool = False,
) -> Page:
    size = page_size(limit, default_limit, max_limit)
    if cursor:
        after = decode_cursor(cursor, descending)
        stmt = stmt.where(key < after if descending else key > after)
    stmt = stmt.order_by(key.desc() if descending else key.asc()).limit(size + 1)
    rows = list(session.scalars(stmt))
    more = len(rows) > size
    rows = rows[:size]
    next_cursor = encode_cursor(getattr(rows[-1], key.key), descending) if more and rows else None
    return Page(items=rows, next_cursor=next_cursor)


def page_schema(item_schema: type[ma.Schema], name: str) -> type[ma.Schema]:
    """A ``{items, next_cursor}`` response schema for ``item_schema``."""
    return type(
        name,
        (Schema,),
        {
            "items": ma.fields.List(ma.fields.Nested(item_schema), required=True),
            "next_cursor": ma.fields.String(allow_none=True, required=True),
        },
    )


def paginate_request(
    stmt: Select[Any],
    key: InstrumentedAttribute[int],
    args: dict[str, Any],
    *,
    descending: bool = False,
) -> Page:
    """``paginate`` with the request's session and the configured page sizes."""
    from .context import db, platform

    settings = platform().settings
    return paginate(
        db(),
        stmt,
        key,
        limit=args.get("limit"),
        cursor=args.get("cursor"),
        default_limit=settings.page_size_default,
        max_limit=settings.page_size_max,
        descending=descending,
    )
