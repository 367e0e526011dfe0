"""Hostile and broken uploads (issue 16, point 8).

- A JPEG cut off and given an end marker, or whose header claims more rows than its data
  holds, used to be accepted with the missing part painted grey: libjpeg reports that only as a
  warning, which Pillow drops. The one decode is now strict.
- A small 16-bit RGBA PNG under the pixel cap used to take ~650 MB to decode and convert: the
  memory a decode may take is now bounded by bytes per pixel of its mode.
- A refused upload must leave no object in the bucket, also when it is refused after storing.
- ``flag=`` filters in SQL: no empty page with a next cursor while matches remain.
"""

from __future__ import annotations

import struct
import uuid
import zlib
from typing import Any

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from tests.evidence import photos
from tests.evidence.conftest import bucket_keys, upload  # noqa: F401 - fixtures
from xunjian.evidence.models import Evidence
from xunjian.storage import content_key


def _cut_with_end_marker() -> bytes:
    data = photos.jpeg(800, 600)
    return data[: len(data) // 2] + b"\xff\xd9"


def _taller_than_its_data() -> bytes:
    data = photos.jpeg(800, 600)
    sof = data.index(b"\xff\xc0")  # baseline frame header: length(2) precision(1) height(2)
    return data[: sof + 5] + struct.pack(">H", 1200) + data[sof + 7 :]


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _sixteen_bit_rgba_png(width: int = 6000, height: int = 6000) -> bytes:
    """36 MP (under the 50 MP cap), a few hundred KB on the wire, ~320 MB once decoded."""
    row = b"\x00" + b"\x00" * 8 * width
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 16, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", body)
        + _png_chunk(b"IEND", b"")
    )


def _count(session: Session) -> int:
    return len(session.scalars(select(Evidence.id)).all())


def test_jpeg_cut_off_with_an_end_marker_is_refused(upload, session, bucket_keys) -> None:  # noqa: F811
    before = (_count(session), bucket_keys())
    r = upload(_cut_with_end_marker())
    assert r.status_code == 422, r.get_json()
    assert r.get_json()["code"] == "truncated_image"
    assert (_count(session), bucket_keys()) == before


def test_jpeg_header_claiming_more_rows_than_its_data_is_refused(upload, session) -> None:  # noqa: F811
    r = upload(_taller_than_its_data())
    assert r.status_code == 422, r.get_json()
    assert r.get_json()["code"] == "truncated_image"


def test_complete_jpeg_is_still_accepted_at_its_size(upload) -> None:  # noqa: F811
    r = upload(photos.jpeg(800, 600))
    assert r.status_code == 201, r.get_json()
    assert (r.get_json()["width"], r.get_json()["height"]) == (800, 600)


def test_memory_of_a_decode_is_bounded_by_bytes_per_pixel(upload, session) -> None:  # noqa: F811
    before = _count(session)
    r = upload(_sixteen_bit_rgba_png())
    assert r.status_code == 422, r.get_json()
    assert r.get_json()["code"] == "image_too_large_to_process"
    assert _count(session) == before
    # The same pixel count in a cheap mode is fine: the bound is memory, not pixels.
    small = upload(photos.png(1200, 900, mode="L"))
    assert small.status_code == 201, small.get_json()


def test_upload_refused_after_storing_leaves_no_object(
    upload,  # noqa: F811
    session,
    bucket_keys,  # noqa: F811
) -> None:
    """A concurrent request takes the client id between our checks and our insert (on
    PostgreSQL both pass the first look-up): the insert fails, the answer is 409, and the
    original this upload stored is removed again."""
    first = upload(photos.jpeg(300, 200, seed=11))
    assert first.status_code == 201
    first_id = first.get_json()["id"]
    photo = photos.jpeg(300, 200, seed=12)
    client_id = uuid.uuid4()
    raced = []

    def take_client_id(flushing: Session, *_: Any) -> None:
        if not raced and any(isinstance(o, Evidence) for o in flushing.new):
            raced.append(True)
            flushing.connection().execute(
                update(Evidence.__table__)
                .where(Evidence.__table__.c.id == first_id)
                .values(client_id=client_id)
            )

    event.listen(Session, "before_flush", take_client_id)
    try:
        r = upload(photo, client_id=str(client_id))
    finally:
        event.remove(Session, "before_flush", take_client_id)
    assert raced
    assert r.status_code == 409, r.get_json()
    import hashlib

    assert content_key(hashlib.sha256(photo).hexdigest(), "jpg") not in bucket_keys()


def test_flag_filter_pages_only_over_matching_photos(upload, as_user, demo) -> None:  # noqa: F811
    flagged = upload(photos.jpeg(300, 200, seed=21), latitude=None, longitude=None)
    assert flagged.status_code == 201
    assert "no_location" in {f["code"] for f in flagged.get_json()["flags"]}
    for seed in (22, 23):
        assert upload(photos.jpeg(300, 200, seed=seed)).status_code == 201
    page = (
        as_user("sup1")
        .get(f"/api/v1/evidence?property_id={demo.cuihu}&flag=no_location&limit=1")
        .get_json()
    )
    assert [e["id"] for e in page["items"]] == [flagged.get_json()["id"]]
