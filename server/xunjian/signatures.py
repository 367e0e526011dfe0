"""Signatures drawn on the phone (spot checks, notice acknowledgements): a PNG data URL,
checked with Pillow, stored in object storage by content hash. No Flask.

A signature is evidence of service, so it is refused unless it is a real, undamaged, small PNG:
a truncated upload over a poor connection must be re-signed now, not discovered at a dispute.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
from typing import Any

from PIL import Image, UnidentifiedImageError

from .errors import InvalidInput

MAX_SIGNATURE_BYTES = 200 * 1024
MAX_SIGNATURE_SIDE = 4000
PNG_DATA_URL = "data:image/png;base64,"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# base64 is 4/3 of the bytes, plus the data-URL prefix: a longer string cannot be a valid
# signature, so schemas refuse it before decoding.
MAX_SIGNATURE_DATA_URL_CHARS = MAX_SIGNATURE_BYTES * 4 // 3 + 64


def _invalid(field: str, message: str, message_zh: str) -> InvalidInput:
    return InvalidInput(
        message,
        message_zh=message_zh,
        code="invalid_signature",
        details={"fields": {"json": {field: [message]}}},
    )


def decode_signature(value: str, field: str = "signature") -> bytes:
    """The PNG bytes of a data URL; 422 ``invalid_signature`` on ``field`` unless it is a real
    PNG of at most 200 KB and 4000 px a side."""
    if not value.startswith(PNG_DATA_URL):
        raise _invalid(
            field,
            "A signature is a PNG image as a data URL (data:image/png;base64,…).",
            "签名须为 PNG 图片的 data URL（data:image/png;base64,…）。",
        )
    encoded = value[len(PNG_DATA_URL) :]
    too_big = (
        f"The signature image is larger than {MAX_SIGNATURE_BYTES // 1024} KB.",
        f"签名图片超过 {MAX_SIGNATURE_BYTES // 1024} KB。",
    )
    if len(encoded) > (MAX_SIGNATURE_BYTES * 4) // 3 + 4:  # before decoding a huge string
        raise _invalid(field, *too_big)
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise _invalid(
            field, "The signature is not valid base64.", "签名数据不是有效的 base64。"
        ) from None
    if len(data) > MAX_SIGNATURE_BYTES:
        raise _invalid(field, *too_big)
    if not data.startswith(PNG_MAGIC):
        raise _invalid(field, "The signature is not a PNG image.", "签名不是 PNG 图片。")
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "PNG":
                raise _invalid(field, "The signature is not a PNG image.", "签名不是 PNG 图片。")
            width, height = image.size
            if not (1 <= width <= MAX_SIGNATURE_SIDE and 1 <= height <= MAX_SIGNATURE_SIDE):
                raise _invalid(
                    field, "The signature image has an unusable size.", "签名图片尺寸不可用。"
                )
            image.verify()  # the chunks' CRCs, without decoding pixels
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise _invalid(
            field, "The signature PNG is damaged; sign again.", "签名 PNG 已损坏，请重新签名。"
        ) from None
    return data


def store_signature(store: Any, data: bytes) -> tuple[str, str]:
    """Content-addressed under ``signatures/<sha256>.png``: the same image is stored once.
    Returns the object key and the SHA-256 (hex) kept beside it on the record."""
    sha = hashlib.sha256(data).hexdigest()
    key = f"signatures/{sha}.png"
    store.put(key, data, content_type="image/png", sha256_hex=sha)
    return key, sha
