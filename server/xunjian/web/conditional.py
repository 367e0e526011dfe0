"""ETag / If-Match for updatable resources, backed by each row's version counter.

The ETag names the row version. A write must send If-Match (428 otherwise); a stale one gets
412. The version column also guards the UPDATE itself, so two writers racing with the same
ETag cannot both win (the loser's UPDATE matches no row → StaleDataError → 412).
"""

from __future__ import annotations

from typing import Any

from flask import g, request
from sqlalchemy import inspect

from ..errors import PreconditionFailed, PreconditionRequired


def etag_of(item: Any) -> str:
    ident = inspect(item).identity
    key = "-".join(str(part) for part in ident) if ident else "new"
    return etag_for(type(item), key, item.version)


def etag_for(model: type[Any], key: object, version: int) -> str:
    """The ETag of a row already serialised (a list item): the same string as its GET's."""
    return f'"{model.__tablename__}-{key}-v{version}"'


def set_etag(item: Any) -> None:
    g.response_etag = etag_of(item)


def check_if_match(item: Any) -> None:
    header = request.headers.get("If-Match")
    if not header:
        raise PreconditionRequired(
            "Send the record's ETag in the If-Match header (from your last read).",
            message_zh="请在 If-Match 请求头中提供上次读取时的 ETag。",
        )
    current = etag_of(item)
    offered = [tag.strip().removeprefix("W/") for tag in header.split(",")]
    if "*" in offered or current in offered:
        return
    raise PreconditionFailed(
        "Someone changed this record since you loaded it. Reload it, check, and try again.",
        message_zh="您读取后该记录已被他人修改，请刷新核对后重试。",
        details={"current_etag": current},
    )
