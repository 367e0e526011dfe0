"""Signatures drawn on the phone: a PNG data URL, checked with Pillow, stored by content hash."""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
from typing import Any

from PIL import Image, UnidentifiedImageError

from .common import field_error

MAX_SIGNATURE_BYTES = 200 * 1024
MAX_SIGNATURE_SIDE = 4000
PNG_DATA_URL = "data:image/png;base64,"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def decode_signature(value: str, field: str = "signature") -> bytes:
    """The PNG bytes of a data URL; 422 unless it is a real PNG of at most 200 KB."""

    def bad(en: str, zh: str) -> Exception:
        return field_error(field, en, zh, code="invalid_signature")

    if not value.startswith(PNG_DATA_URL):
        raise bad(
            "A signature is a PNG image as a data URL (data:image/png;base64,…).",
            "签名须为 PNG 图片的 data URL（data:image/png;base64,…）。",
        )
    encoded = value[len(PNG_DATA_URL) :]
    too_big = (
        f"The signature image is larger than {MAX_SIGNATURE_BYTES // 1024} KB.",
        f"签名图片超过 {MAX_SIGNATURE_BYTES // 1024} KB。",
    )
    if len(encoded) > (MAX_SIGNATURE_BYTES * 4) // 3 + 4:
        raise bad(*too_big)
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise bad("The signature is not valid base64.", "签名数据不是有效的 base64。") from None
    if len(data) > MAX_SIGNATURE_BYTES:
        raise bad(*too_big)
    if not data.startswith(PNG_MAGIC):
        raise bad("The signature is not a PNG image.", "签名不是 PNG 图片。")
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if image.format != "PNG" or not (
                1 <= width <= MAX_SIGNATURE_SIDE and 1 <= height <= MAX_SIGNATURE_SIDE
            ):
                raise bad("The signature image is unusable.", "签名图片不可用。")
            image.verify()  # the chunks' CRCs, without decoding pixels
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise bad(
            "The signature PNG is damaged; sign again.", "签名 PNG 已损坏，请重新签名。"
        ) from None
    return data


def store_signature(store: Any, data: bytes) -> tuple[str, str]:
    """Content-addressed under signatures/<sha256>.png: the same image is stored once."""
    sha = hashlib.sha256(data).hexdigest()
    key = f"signatures/{sha}.png"
    store.put(key, data, content_type="image/png", sha256_hex=sha)
    return key, sha
