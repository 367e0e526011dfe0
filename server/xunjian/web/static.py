"""Serves the PWA (``mobile_pwa/``) at ``/`` with cache headers fit for an offline app.

The HTML entry, the service worker and the manifest must always be revalidated, otherwise a
phone could keep an old service worker for a day; the modules are revalidated by ETag (no build
step means no content hashes in file names, so they cannot be cached immutably).
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, Response, abort, send_from_directory

_ALLOWED_TOP = {"index.html", "sw.js", "manifest.webmanifest", "favicon.ico", "robots.txt"}
_ALLOWED_DIRS = {"src", "vendor", "icons", "assets"}


def make_pwa_blueprint(pwa_dir: Path) -> Blueprint:
    bp = Blueprint("pwa", __name__)

    def _send(path: str) -> Response:
        response = send_from_directory(pwa_dir, path, max_age=0)
        if path in {"index.html", "sw.js", "manifest.webmanifest"}:
            response.headers["Cache-Control"] = "no-cache"
        else:
            response.headers["Cache-Control"] = "public, max-age=0, must-revalidate"
        if path == "sw.js":
            response.headers["Service-Worker-Allowed"] = "/"
        if path.endswith(".webmanifest"):
            response.mimetype = "application/manifest+json"
        return response

    @bp.get("/")
    def index() -> Response:
        if not (pwa_dir / "index.html").is_file():
            abort(404)
        return _send("index.html")

    @bp.get("/<path:path>")
    def asset(path: str) -> Response:
        top = path.split("/", 1)[0]
        if path.startswith("api/") or (path not in _ALLOWED_TOP and top not in _ALLOWED_DIRS):
            abort(404)
        return _send(path)

    return bp


def register_pwa(app: Flask, pwa_dir: Path) -> None:
    app.register_blueprint(make_pwa_blueprint(pwa_dir))
