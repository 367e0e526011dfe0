"""The public verification page for one photo: /v/<short code> (the QR on printed notices).

A person holding a printed notice (or a copy of the photo) can see what the server recorded and
check a file against it: the file is hashed here and compared with the stored SHA-256.
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Blueprint, render_template, render_template_string, request

from ..errors import NotFound
from ..web.context import db, public
from .review import verification
from .routes import signer

bp = Blueprint("verify_page", __name__, template_folder="templates")


@bp.route("/v/<string:short_code>", methods=["GET", "POST"])
@public
def page(short_code: str) -> Any:
    try:
        v = verification(db(), short_code[:16], signer())
    except NotFound:
        return render_template_string("<p>没有此核验码 · No such code.</p>"), 404
    result, uploaded_hash = None, None
    if request.method == "POST" and "file" in request.files:
        digest = hashlib.sha256()
        for chunk in iter(lambda: request.files["file"].stream.read(65536), b""):
            digest.update(chunk)
        uploaded_hash = digest.hexdigest()
        result = uploaded_hash == v["sha256"]
    return render_template("verify.html", v=v, result=result, uploaded_hash=uploaded_hash)
