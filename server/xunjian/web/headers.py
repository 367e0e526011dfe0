"""Security headers on every response, and the API docs page's own copy of Swagger UI.

Three surfaces, three Content-Security-Policies:

- the API (``/api/v1``, JSON): nothing may load or run (``default-src 'none'``);
- the API docs page (``/api/docs``): Swagger UI from this server only; flask-smorest's page
  starts it with an inline script, hence ``'unsafe-inline'`` for scripts on that page alone,
  which shows only our own OpenAPI document;
- every other page (the PWA, the evidence verification page ``/v/…``): scripts from this origin
  plus the PWA's inline import map by its SHA-256 (read from index.html at start, so the hash
  follows the file); photos may come from the object store's presigned URLs.

All of them forbid framing (``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``), MIME
sniffing (``nosniff``) and send no Referer (presigned and verification URLs carry secrets in
their query or path). infra/nginx.conf sets the same for the files it serves itself.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, abort, request, send_from_directory

SWAGGER_UI_DIR = Path(__file__).parent / "swagger_ui"
SWAGGER_UI_URL = "/api/docs/assets/"
_SWAGGER_FILES = {"swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"}
_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S)

COMMON = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)


def inline_script_hashes(html: str) -> list[str]:
    """CSP source expressions for each inline <script> of a page (the PWA's import map)."""
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in _INLINE_SCRIPT.findall(html)
    ]


def page_csp(pwa_dir: Path, s3_endpoint: str) -> str:
    index = pwa_dir / "index.html"
    hashes = inline_script_hashes(index.read_text(encoding="utf-8")) if index.is_file() else []
    parts = urlsplit(s3_endpoint)
    photos = f" {parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
    return (
        f"default-src 'self'; script-src 'self' {' '.join(hashes)}; "
        "style-src 'self' 'unsafe-inline'; "
        f"img-src 'self' data: blob:{photos}; media-src 'self' blob:; connect-src 'self'; "
        "worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ).replace("  ", " ")


def install(app: Flask, pwa_dir: Path, s3_endpoint: str) -> None:
    pages = page_csp(pwa_dir, s3_endpoint)

    @app.after_request
    def _security_headers(response: Response) -> Response:
        for name, value in COMMON.items():
            response.headers.setdefault(name, value)
        path = request.path
        if path.startswith("/api/docs"):
            csp = DOCS_CSP
        elif path.startswith("/api/"):
            csp = API_CSP
        else:
            csp = pages
        response.headers.setdefault("Content-Security-Policy", csp)
        return response

    bp = Blueprint("swagger_ui_assets", __name__)

    @bp.get(SWAGGER_UI_URL + "<string:name>")
    def swagger_asset(name: str) -> Response:
        if name not in _SWAGGER_FILES:
            abort(404)
        return send_from_directory(SWAGGER_UI_DIR, name, max_age=3600)

    app.register_blueprint(bp)
