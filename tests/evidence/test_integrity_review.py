"""Signatures, the hash chain and `verify`; storage outage; review; the verification page."""

from __future__ import annotations

import hashlib
import io
import uuid

from click.testing import CliRunner
from sqlalchemy import func, select, update

from tests.conftest import TEST_ACCESS_KEY, TEST_SECRET_KEY
from tests.evidence import photos
from xunjian.app import create_app
from xunjian.evidence.integrity import load_signer, verify_all, verify_signature
from xunjian.evidence.models import ChainEntry, Evidence
from xunjian.seaweed import SeaweedProcess
from xunjian.storage import ObjectStore

from .conftest import form_for


def test_signature_checks_with_published_key(upload, client, session):
    evidence_id = upload(photos.jpeg(seed=21)).json["id"]
    key = client.get("/api/v1/evidence/public-key").json
    assert key["algorithm"] == "Ed25519"
    entry = session.scalar(select(ChainEntry).where(ChainEntry.evidence_id == evidence_id))
    assert verify_signature(key["public_key"], entry.payload.encode(), entry.signature)
    assert not verify_signature(key["public_key"], entry.payload.encode() + b" ", entry.signature)


def test_verify_reports_flipped_byte_and_edited_chain_row(upload, app, app_store, session):
    ids = [upload(photos.jpeg(seed=s)).json["id"] for s in (22, 23, 24)]
    public_key = load_signer(app.extensions["xunjian"].settings).public_key_b64
    mine = {"xunjian.unscoped": True}
    report = verify_all(session, app_store, public_key)
    assert report.ok, report.problems

    # Flip one byte of a stored original.
    victim = session.get(Evidence, ids[0])
    data = bytearray(app_store.get(victim.original_key))
    data[len(data) // 2] ^= 0x01
    app_store.put(victim.original_key, bytes(data), content_type="image/jpeg")
    # Edit a chain row (as someone with database access would).
    session.execute(
        update(ChainEntry)
        .where(ChainEntry.evidence_id == ids[1])
        .values(payload=ChainEntry.payload + " ")
        .execution_options(**mine)
    )
    session.flush()
    report = verify_all(session, app_store, public_key)
    text = "\n".join(report.problems)
    assert f"evidence {ids[0]}: stored original" in text
    assert "entry hash does not match its content (edited)" in text
    assert "signature does not verify" in text


def test_verify_cli_exit_code(tmp_path, database_url, seaweed, app_store):
    env = {
        "XUNJIAN_DATABASE_URL": database_url,
        "XUNJIAN_DATA_DIR": str(tmp_path),
        "XUNJIAN_S3_ENDPOINT": seaweed.endpoint,
        "XUNJIAN_S3_BUCKET": app_store.bucket,
        "XUNJIAN_S3_ACCESS_KEY": TEST_ACCESS_KEY,
        "XUNJIAN_S3_SECRET_KEY": TEST_SECRET_KEY,
    }
    from xunjian.cli import main

    result = CliRunner().invoke(main, ["verify"], env=env)
    # The session database holds only committed rows; the command must run and report.
    assert "chain entries" in result.output, result.output


def test_storage_outage_answers_503_and_recovers(
    tmp_path, settings, sessions, clock, token_for, session, demo
):
    proc = SeaweedProcess(
        data_dir=tmp_path / "weed", access_key=TEST_ACCESS_KEY, secret_key=TEST_SECRET_KEY
    )
    proc.start(timeout=90)
    try:
        store = ObjectStore(proc.endpoint, "outage", TEST_ACCESS_KEY, TEST_SECRET_KEY)
        store.ensure_bucket()
        app = create_app(settings, sessions=sessions, clock=clock, store_factory=lambda: store)
        headers = token_for("fm1")
        data = photos.jpeg(seed=31)
        form = form_for(data, demo.cuihu)
        before = session.scalar(select(func.count()).select_from(Evidence))
        proc.stop()
        r = app.test_client().post(
            "/api/v1/evidence", data=dict(form), headers=headers, content_type="multipart/form-data"
        )
        assert r.status_code == 503, r.json
        assert r.json["code"] == "storage_unavailable" and int(r.headers["Retry-After"]) > 0
        assert session.scalar(select(func.count()).select_from(Evidence)) == before
        proc.start(timeout=90)
        form["file"] = (io.BytesIO(data), "photo.jpg")
        r = app.test_client().post(
            "/api/v1/evidence", data=form, headers=headers, content_type="multipart/form-data"
        )
        assert r.status_code == 201, r.json
        evidence = session.get(Evidence, r.json["id"])
        assert store.get(evidence.original_key) == data  # no row points at a missing object
    finally:
        proc.stop()


def test_review_rules(upload, as_user):
    evidence = upload(photos.jpeg(seed=41)).json
    url = f"/api/v1/evidence/{evidence['id']}/review"
    sup = as_user("sup1")
    etag = sup.get(f"/api/v1/evidence/{evidence['id']}").headers["ETag"]
    assert (
        as_user("fm1")
        .post(url, json={"decision": "accepted"}, headers={"If-Match": etag})
        .status_code
        == 403
    )
    r = sup.post(url, json={"decision": "rejected"}, headers={"If-Match": etag})
    assert r.status_code == 422 and r.json["details"]["reason"]
    r = sup.post(
        url, json={"decision": "rejected", "reason": "看不清门牌"}, headers={"If-Match": etag}
    )
    assert r.status_code == 200 and r.json["review_status"] == "rejected"
    r = sup.post(url, json={"decision": "exemplary"}, headers={"If-Match": r.headers["ETag"]})
    assert r.status_code == 409 and r.json["code"] == "illegal_transition"
    assert r.json["details"]["allowed_events"] == ["accept"]  # a rejected photo may be accepted
    audit = sup.get(f"/api/v1/audit?entity_type=evidence&entity_id={evidence['id']}").json["items"]
    assert [a["action"] for a in audit] == ["review_rejected", "upload"]


def test_review_queue_filters(upload, as_user, demo):
    flagged = upload(photos.jpeg(seed=42, meta=None), latitude=None, longitude=None).json
    queue = (
        as_user("sup1")
        .get(f"/api/v1/evidence?review_status=pending&flag=no_location&property_id={demo.cuihu}")
        .json
    )
    assert flagged["id"] in [e["id"] for e in queue["items"]]
    assert all(any(f["code"] == "no_location" for f in e["flags"]) for e in queue["items"])
    today = (
        as_user("sup1")
        .get(f"/api/v1/evidence?day=2026-11-23&property_id={demo.cuihu}")
        .json["items"]
    )
    assert flagged["id"] in [e["id"] for e in today]
    assert as_user("sup1").get("/api/v1/evidence?day=2026-11-23").status_code == 422


def test_verification_page(upload, client):
    data = photos.jpeg(seed=51)
    code = upload(data).json["short_code"]
    api = client.get(f"/api/v1/evidence/verify/{code}").json
    assert api["sha256"] == hashlib.sha256(data).hexdigest() and api["signature_valid"] is True
    page = client.get(f"/v/{code}")
    assert page.status_code == 200 and api["sha256"] in page.get_data(as_text=True)
    same = client.post(
        f"/v/{code}", data={"file": (io.BytesIO(data), "x.jpg")}, content_type="multipart/form-data"
    )
    assert "一致 · The file matches" in same.get_data(as_text=True)
    other = client.post(
        f"/v/{code}",
        data={"file": (io.BytesIO(data + b"x"), "x.jpg")},
        content_type="multipart/form-data",
    )
    assert "does NOT match" in other.get_data(as_text=True)
    assert client.get("/v/NOSUCHCODE").status_code == 404


def test_heartbeat_devices_and_handover_check(as_user, upload, demo):
    arrived = str(uuid.uuid4())
    still_on_phone = str(uuid.uuid4())
    upload(photos.jpeg(seed=61), client_id=arrived, device_id="duty-phone-1")
    r = as_user("night1").post(
        "/api/v1/devices/heartbeat",
        json={
            "device_id": "duty-phone-1",
            "outbox_count": 3,
            "pending_photo_count": 2,
            "oldest_pending_at": "2026-11-23T08:10:00+08:00",
            "pending_photos": [
                {
                    "client_id": arrived,
                    "captured_at": "2026-11-23T08:10:00+08:00",
                    "context_type": "ad_hoc",
                },
                {
                    "client_id": still_on_phone,
                    "captured_at": "2026-11-23T08:40:00+08:00",
                    "context_type": "spot_check",
                },
            ],
            "battery_level": 0.42,
            "storage_free_bytes": 1_000_000,
        },
    )
    assert r.status_code == 204, r.json
    pending = as_user("sup1").get("/api/v1/devices/duty-phone-1/pending").json["pending"]
    assert [p["client_id"] for p in pending] == [still_on_phone]
    devices = as_user("sup1").get("/api/v1/devices?pending_only=true").json["items"]
    assert devices[0]["device_id"] == "duty-phone-1" and devices[0]["pending_photo_count"] == 2
    assert as_user("fm1").get("/api/v1/devices").status_code == 403
    assert as_user("sup2").get("/api/v1/devices/duty-phone-1/pending").status_code == 404


def test_loan_register(as_user, demo, clock, session):
    from xunjian.auth.models import User

    borrower = session.scalar(select(User.id).where(User.username == "fm1"))
    night = as_user("night1")
    r = night.post(
        "/api/v1/loans",
        json={
            "property_id": demo.cuihu,
            "item_code": "CAM-1",
            "item_name": "值班相机",
            "borrower_id": borrower,
            "purpose": "拍摄 2栋 漏水现场",
        },
    )
    assert r.status_code == 201, r.json
    loan = r.json
    assert loan["due_at"].startswith("2026-11-23T09:30:00")  # 17:30 Asia/Shanghai
    assert night.get("/api/v1/loans?overdue=true").json["items"] == []
    clock.advance(hours=8, minutes=1)
    overdue = night.get("/api/v1/loans?overdue=true").json["items"]
    assert [x["id"] for x in overdue] == [loan["id"]] and overdue[0]["overdue"] is True
    etag = night.get("/api/v1/loans").headers.get("ETag") or r.headers["ETag"]
    back = night.post(
        f"/api/v1/loans/{loan['id']}/return",
        json={"photos_stored": True, "card_cleared": True, "battery_ok": True},
        headers={"If-Match": etag},
    )
    assert back.status_code == 200 and back.json["state"] == "returned"
    again = night.post(
        f"/api/v1/loans/{loan['id']}/return",
        json={"photos_stored": True, "card_cleared": True},
        headers={"If-Match": back.headers["ETag"]},
    )
    assert again.status_code == 409 and again.json["code"] == "illegal_transition"
    assert again.json["details"] == {
        "state": "returned",
        "event": "return",
        "allowed_events": [],
        "message_zh": again.json["details"]["message_zh"],
    }
    audit = as_user("sup1").get(f"/api/v1/audit?entity_type=loans&entity_id={loan['id']}")
    assert [a["action"] for a in audit.json["items"]] == ["return", "lend"], audit.json
    returned = audit.json["items"][0]
    assert returned["before"]["state"] == "borrowed" and returned["after"]["state"] == "returned"
    r = night.post(
        "/api/v1/loans",
        json={
            "property_id": demo.cuihu,
            "item_code": "CAM-1",
            "item_name": "相机",
            "borrower_id": 999999,
            "purpose": "x",
        },
    )
    assert r.status_code == 404
    assert (
        as_user("guard1")
        .post(
            "/api/v1/loans",
            json={
                "property_id": demo.cuihu,
                "item_code": "C",
                "item_name": "相机",
                "borrower_id": borrower,
                "purpose": "x",
            },
        )
        .status_code
        == 403
    )
