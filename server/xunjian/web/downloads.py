"""The one way a file leaves the API under a name: RFC 6266 ``Content-Disposition``.

File names carry property and building codes, which may be Chinese. HTTP header values are
Latin-1 at best: gunicorn refuses anything else and drops the response with an HTML 500
(while the access log says 200). So the header holds an ASCII fallback in ``filename`` and the
real name, percent-encoded UTF-8 (RFC 5987), in ``filename*``; every browser since 2012 uses
the latter.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from flask import Response

_NOT_PLAIN_ASCII = re.compile(r'[^\x20-\x7e]|["\\%;]')


def content_disposition(filename: str | None, *, attachment: bool = True) -> str:
    kind = "attachment" if attachment else "inline"
    if filename is None:
        return kind
    fallback = _NOT_PLAIN_ASCII.sub("_", filename)
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def file_response(
    data: bytes, mimetype: str, filename: str, *, attachment: bool = True
) -> Response:
    """A download; ``attachment=False`` asks the browser to show it (PDFs on a phone)."""
    return Response(
        data,
        mimetype=mimetype,
        headers={"Content-Disposition": content_disposition(filename, attachment=attachment)},
    )
