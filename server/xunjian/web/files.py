"""File responses: downloads (attachment) and documents shown in the browser (inline)."""

from __future__ import annotations

from flask import Response


def attachment(data: bytes, mimetype: str, filename: str) -> Response:
    """A file the browser saves (registers, exports, label sheets)."""
    return Response(
        data,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def inline_pdf(data: bytes, filename: str) -> Response:
    """A PDF the browser opens in place (notices, statements), printable from there."""
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )
