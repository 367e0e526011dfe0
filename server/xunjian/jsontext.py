"""JSON text from outside, parsed with a nesting limit.

Python's parser recurses once per level, and so does every walk over the result (schema
checks, serialisation): a body nested ~900 levels deep ends in ``RecursionError``, a 500.
No document of ours nests deeper than a handful of levels, so anything deeper is refused as
malformed JSON, the same 400 as a syntax error.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 32


def loads(text: str | bytes) -> Any:
    """``json.loads``, raising ``json.JSONDecodeError`` also for nesting beyond ``MAX_DEPTH``."""
    doc = text.decode("utf-8") if isinstance(text, bytes | bytearray) else text
    try:
        value = json.loads(doc)
    except RecursionError:
        raise _too_deep(doc) from None
    if depth_exceeds(value, MAX_DEPTH):
        raise _too_deep(doc)
    return value


def depth_exceeds(value: Any, limit: int) -> bool:
    """Whether lists/objects nest deeper than ``limit``; iterative, so it cannot recurse out."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def _too_deep(doc: str) -> json.JSONDecodeError:
    return json.JSONDecodeError(f"nested deeper than {MAX_DEPTH} levels", doc or " ", 0)
