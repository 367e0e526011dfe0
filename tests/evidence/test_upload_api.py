"""Photo upload against the real SeaweedFS: storage, derivatives, EXIF, replay, refusals."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pytest
from PIL import Image, ImageStat
from sqlalchemy import func, select

from tests.evidence import photos
from xunjian.evidence.models import Evidence


def _count(session) -> int:
    return session.scalar(select(func.count()).select_from(Evidence))


def test_upload_stores_original_and_derivatives(upload, app_store, session):
    data = photos.jpeg(800, 600)
    r = upload(data)
    assert r.status_code == 201, r.json
    body = r.json
    assert body["sha256"] == hashlib.sha256(data).hexdigest()
    assert body["derivatives_ready"] is True
    evidence = session.get(Evidence, body["id"])
    # The original is byte-identical under a content-addressed key.
    assert app_store.get(evidence.original_key) == data
    assert evidence.original_key.endswith(f"{body['sha256']}.jpg")
    display = Image.open(io.BytesIO(app_store.get(evidence.display_key)))
    thumb = Image.open(io.BytesIO(app_store.get(evidence.thumb_key)))
    assert max(display.size) <= 1600 and max(thumb.size) <= 320
    # The strip darkens the bottom band of the display copy (the thumbnail has none).
    band = (0, int(display.height * 0.93), display.width, display.height)
    thumb_band = (0, int(thumb.height * 0.93), thumb.width, thumb.height)
    dark = ImageStat.Stat(display.crop(band).convert("L")).mean[0]
    plain = ImageStat.Stat(thumb.crop(thumb_band).convert("L")).mean[0]
    assert dark < plain * 0.8
    # GPS and all EXIF are stripped from derivatives, kept in the database.
    assert 0x8825 not in display.getexif() and 0x8825 not in thumb.getexif()
    assert body["exif_latitude"] == pytest.approx(22.543096, abs=1e-5)
    assert body["exif_longitude"] == pytest.approx(114.057865, abs=1e-5)
    # EXIF 09:14:03 at +08:00 is 01:14:03 UTC.
    assert body["exif_taken_at"].startswith("2026-11-22T01:14:03")
    assert body["latitude"] == pytest.approx(22.5431)
    assert body["chain_seq"] >= 1 and len(body["short_code"]) == 10


def test_replay_creates_one_record(upload, session):
    data = photos.jpeg(300, 200, seed=5)
    first = upload(data, client_id="6f0d5f8e-4a53-4a4e-9f55-111111111111")
    before = _count(session)
    second = upload(data, client_id="6f0d5f8e-4a53-4a4e-9f55-111111111111")
    assert first.status_code == second.status_code == 201
    assert first.json["id"] == second.json["id"]
    assert second.headers["Idempotent-Replay"] == "true"
    assert _count(session) == before


def test_same_client_id_with_other_bytes_is_409(upload):
    cid = "6f0d5f8e-4a53-4a4e-9f55-222222222222"
    assert upload(photos.jpeg(300, 200, seed=6), client_id=cid).status_code == 201
    r = upload(photos.jpeg(300, 200, seed=7), client_id=cid)
    assert r.status_code == 409 and r.json["code"] == "client_id_reused"


@pytest.mark.parametrize(
    ("name", "make", "status", "code"),
    [
        ("corrupt", photos.corrupt_jpeg, 422, "corrupt_image"),
        ("truncated", photos.truncated_jpeg, 422, "truncated_image"),
        ("bomb", photos.png_bomb, 422, "too_many_pixels"),
        ("empty", lambda: b"", 422, "empty_file"),
        ("wrong type", photos.text_as_jpg, 415, "unsupported_type"),
    ],
)
def test_bad_files_are_refused_and_leave_nothing(
    upload, session, bucket_keys, name, make, status, code
):
    data = make()
    before_rows, before_keys = _count(session), bucket_keys()
    r = upload(data)
    assert r.status_code == status, (name, r.json)
    assert r.json["code"] == code and r.json["details"]["message_zh"]
    assert _count(session) == before_rows
    assert bucket_keys() == before_keys


def test_oversize_and_hash_mismatch_are_refused(upload, app, session, bucket_keys):
    before_rows, before_keys = _count(session), bucket_keys()
    r = upload(photos.jpeg(300, 200), sha256="0" * 64)
    assert r.status_code == 422 and r.json["code"] == "hash_mismatch"
    object.__setattr__(app.extensions["xunjian"].settings, "max_upload_bytes", 10_000)
    r = upload(photos.jpeg(800, 600))
    assert r.status_code == 413 and r.json["code"] == "file_too_large"
    assert (_count(session), bucket_keys()) == (before_rows, before_keys)


def test_missing_fields_and_bad_coordinates(upload):
    assert upload(photos.jpeg(), latitude="123").status_code == 422
    assert upload(photos.jpeg(), latitude=None).status_code == 422  # longitude without latitude
    assert upload(photos.jpeg(), context_type="selfie").status_code == 422
    assert upload(photos.jpeg(), client_id="not-a-uuid").status_code == 422


def test_other_property_cannot_see_or_link(upload, as_user):
    evidence_id = upload(photos.jpeg(seed=11)).json["id"]
    other = as_user("fm2")
    assert other.get(f"/api/v1/evidence/{evidence_id}").status_code == 404
    assert other.get(f"/api/v1/evidence/{evidence_id}/urls").status_code == 404
    assert evidence_id not in [e["id"] for e in other.get("/api/v1/evidence").json["items"]]
    # …and cannot upload into a property it does not belong to.
    assert upload(photos.jpeg(seed=12), username="fm2").status_code == 404


def test_presigned_urls_download_the_photo(upload, as_user):
    import requests

    data = photos.jpeg(seed=13)
    evidence_id = upload(data).json["id"]
    urls = as_user("sup1").get(f"/api/v1/evidence/{evidence_id}/urls").json
    assert requests.get(urls["original"], timeout=10).content == data
    assert requests.get(urls["thumb"], timeout=10).headers["Content-Type"] == "image/jpeg"
    assert urls["expires_in"] == 300


def test_plausibility_flags(upload, clock):
    # The phone's clock claims 20 min in the future; EXIF says the day before.
    r = upload(photos.jpeg(seed=14), captured_at="2026-11-23T09:50:00+08:00")
    codes = {f["code"] for f in r.json["flags"]}
    assert {"device_clock_ahead", "exif_time_mismatch"} <= codes
    assert all(f["reason"] and f["reason_zh"] for f in r.json["flags"])
    # Taken in the morning, handed in after the end of the day shift (17:00 local).
    clock.advance(hours=9)
    r = upload(
        photos.jpeg(seed=15, meta=None),
        captured_at="2026-11-23T09:20:00+08:00",
        latitude=None,
        longitude=None,
    )
    codes = {f["code"] for f in r.json["flags"]}
    assert codes == {"late_upload", "no_location"}


def test_geofence_and_task_start_flags(upload, session, demo):
    from shapely.geometry import Point

    from xunjian.evidence import contexts

    fence = Point(113.9345, 22.5431).buffer(0.0005)  # ~50 m around the spot
    contexts.register_context(
        "handover",
        lambda s, cid: contexts.ContextInfo(
            property_id=demo.cuihu,
            started_at=dt.datetime(2026, 11, 23, 1, 30, tzinfo=dt.UTC),
            geofence=fence,
            label="1栋 大堂",
        ),
    )
    try:
        r = upload(
            photos.jpeg(seed=16, meta=None),
            context_type="handover",
            context_id="7",
            latitude="22.5461",  # ~330 m north
            captured_at="2026-11-23T09:00:00+08:00",
        )
        flags = {f["code"]: f for f in r.json["flags"]}
        assert "outside_geofence" in flags and "m outside" in flags["outside_geofence"]["reason"]
        assert "before_task_start" in flags
        inside = upload(photos.jpeg(seed=17, meta=None), context_type="handover", context_id="7")
        assert "outside_geofence" not in {f["code"] for f in inside.json["flags"]}
    finally:
        contexts._RESOLVERS.pop("handover", None)
