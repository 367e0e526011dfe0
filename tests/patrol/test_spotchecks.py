"""Night spot checks (夜间查岗): signatures (real PNGs, stored in object storage), the monthly
quota with storm days, and the list of properties short of quota."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import uuid

import pytest
import requests
from PIL import Image
from sqlalchemy import select

from tests.conftest import T0
from tests.patrol.conftest import actor_of, assert_error, png_data_url
from xunjian import signatures
from xunjian.org.models import Property
from xunjian.patrol.models import SpotCheck


def _url(property_id: int) -> str:
    return f"/api/v1/patrol/properties/{property_id}/spot-checks"


def _body(**extra):
    return {
        "client_id": str(uuid.uuid4()),
        "post": "东门岗",
        "guard_name": "孙杰",
        "status": "present_alert",
        "checker_signature": png_data_url(),
        "guard_signature": png_data_url(200, 60),
        **extra,
    }


def test_spot_check_with_both_signatures(as_user, demo, app_store):
    night = as_user("night1")
    r = night.post(_url(demo.cuihu), json=_body(remarks="精神状态良好"))
    assert r.status_code == 201, r.json
    check = r.json
    assert check["checker_signature_key"] == f"signatures/{check['checker_signature_sha256']}.png"
    stored = app_store.get(check["guard_signature_key"])
    assert hashlib.sha256(stored).hexdigest() == check["guard_signature_sha256"]
    assert Image.open(io.BytesIO(stored)).format == "PNG"
    links = as_user("sup1").get(f"/api/v1/patrol/spot-checks/{check['id']}/signatures").json
    assert check["guard_signature_key"] in links["guard_url"] and links["expires_in"] > 0
    assert requests.get(links["guard_url"], timeout=10).content == stored
    replay = night.post(_url(demo.cuihu), json=_body(client_id=check["client_id"]))
    assert replay.headers.get("Idempotent-Replay") == "true" and replay.json["id"] == check["id"]


def test_guard_by_account_and_absent_guard(as_user, demo, session):
    guard = session.scalar(select(Property.id).where(Property.id == demo.cuihu))
    assert guard
    me = as_user("guard1").get("/api/v1/auth/me").json
    r = as_user("sup1").post(_url(demo.cuihu), json=_body(guard_user_id=me["id"], guard_name=""))
    assert r.status_code == 201 and r.json["guard_name"].startswith("孙杰")
    absent = as_user("sup1").post(
        _url(demo.cuihu), json=_body(status="absent", guard_signature=None, remarks="人不在岗")
    )
    assert absent.status_code == 201 and absent.json["guard_signature_key"] is None
    unsigned = as_user("sup1").post(_url(demo.cuihu), json=_body(guard_signature=None))
    assert_error(unsigned, 422)
    assert_error(as_user("sup1").post(_url(demo.cuihu), json=_body(status="other")), 422)
    other_guard = as_user("sup2").get("/api/v1/auth/me").json["id"]
    assert_error(as_user("sup1").post(_url(demo.cuihu), json=_body(guard_user_id=other_guard)), 422)


def _jpeg_url() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (50, 20), "white").save(buffer, "JPEG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _big_png_url() -> str:
    import os

    image = Image.frombytes("RGB", (400, 400), os.urandom(400 * 400 * 3))  # noise: no compression
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    assert buffer.tell() > signatures.MAX_SIGNATURE_BYTES
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _damaged_png_url() -> str:
    raw = bytearray(base64.b64decode(png_data_url().split(",", 1)[1]))
    raw[40] ^= 0xFF  # breaks a chunk CRC
    return "data:image/png;base64," + base64.b64encode(bytes(raw)).decode()


@pytest.mark.parametrize(
    "signature",
    [
        "not a data url",
        "data:image/png;base64,@@@not-base64@@@",
        "data:image/jpeg;base64," + png_data_url().split(",", 1)[1],
        "JPEG",
        "BIG",
        "DAMAGED",
    ],
)
def test_bad_signatures_are_422_and_store_nothing(as_user, demo, session, signature):
    signature = {"JPEG": _jpeg_url, "BIG": _big_png_url, "DAMAGED": _damaged_png_url}.get(
        signature, lambda: signature
    )()
    r = as_user("night1").post(_url(demo.cuihu), json=_body(checker_signature=signature))
    status = 422
    assert_error(r, status)
    assert session.scalar(select(SpotCheck.id).limit(1)) is None


def test_roles(as_user, demo):
    assert_error(as_user("fm1").post(_url(demo.cuihu), json=_body()), 403)
    assert_error(as_user("guard1").get(_url(demo.cuihu)), 403)
    assert_error(as_user("night1").post(_url(demo.jinrong), json=_body()), 404)


def _check(session, property_id, when: dt.datetime) -> None:
    session.add(
        SpotCheck(
            property_id=property_id,
            checker_id=actor_of(session, "night1").user_id,
            post="东门岗",
            guard_name="孙杰",
            checked_at=when,
            received_at=when,
            status="present_alert",
            checker_signature_key="signatures/x.png",
            checker_signature_sha256="0" * 64,
            guard_signature_key="signatures/y.png",
            guard_signature_sha256="1" * 64,
        )
    )


def _local(day: int, hour: int = 1, month: int = 11) -> dt.datetime:
    """A night check on the given local (Shanghai) day."""
    return dt.datetime(2026, month, day, hour, 0, tzinfo=dt.UTC) - dt.timedelta(hours=8)


def test_quota_arithmetic_across_a_month_with_storm_days(as_user, demo, session):
    night = as_user("night1")
    storms = f"/api/v1/patrol/properties/{demo.cuihu}/storm-days"
    for day in ("2026-11-10", "2026-11-20"):
        r = night.post(storms, json={"day": day, "kind": "typhoon", "client_id": str(uuid.uuid4())})
        assert r.status_code == 201, r.json
    # Re-marking a day updates it (like the calendar), it does not add a second one.
    night.post(storms, json={"day": "2026-11-10", "kind": "rainstorm", "note": "暴雨红色预警"})
    for day in (3, 5, 10, 10, 15):  # two checks on the first storm day, none on the second
        _check(session, demo.cuihu, _local(day))
    _check(session, demo.cuihu, _local(1, 0, 12) + dt.timedelta(minutes=30))  # Dec 1st 00:30
    _check(session, demo.cuihu, _local(31, 23, 10))  # Oct 31st 23:00 local
    _check(session, demo.jinrong, _local(4))
    session.commit()
    url = f"/api/v1/patrol/properties/{demo.cuihu}/spot-check-compliance?month=2026-11"
    c = as_user("sup1").get(url).json
    assert c["storm_days"] == ["2026-11-10", "2026-11-20"]
    assert (c["quota"], c["required"], c["checks"]) == (4, 6, 5)
    assert c["storm_days_covered"] == ["2026-11-10"]
    assert c["storm_days_uncovered"] == ["2026-11-20"]
    assert c["checks_towards_quota"] == 4  # 5 checks, one of them the storm day's own
    assert (c["short_by"], c["compliant"]) == (1, False)

    _check(session, demo.cuihu, _local(20, 2))
    session.commit()
    c = as_user("sup1").get(url).json
    assert (c["checks"], c["checks_towards_quota"], c["short_by"], c["compliant"]) == (
        6,
        4,
        0,
        True,
    )

    # The quota is a property setting.
    prop = session.scalar(select(Property).where(Property.id == demo.cuihu))
    prop.settings = {**prop.settings, "spot_check_quota": 6}
    session.commit()
    c = as_user("sup1").get(url).json
    assert (c["required"], c["short_by"]) == (8, 2)
    # A storm day is only ever covered by a check on that day.
    storm = as_user("night1").get(storms + "?year=2026").json["items"]
    assert {s["day"]: s["kind"] for s in storm}["2026-11-10"] == "rainstorm"
    deleted = night.delete(f"/api/v1/patrol/storm-days/{storm[1]['id']}")
    assert deleted.status_code == 204
    c = as_user("sup1").get(url).json
    assert (c["required"], c["storm_days"]) == (7, ["2026-11-10"])


def test_properties_short_of_quota_this_month(as_user, demo, session, clock):
    for day in (2, 9, 16, 20):
        _check(session, demo.cuihu, _local(day))
    session.commit()
    short = as_user("admin").get("/api/v1/patrol/spot-check-compliance/short").json["items"]
    assert [s["property_code"] for s in short] == ["JINRONG"]  # CUIHU has its 4 this month
    assert short[0]["short_by"] == 4 and short[0]["month"] == "2026-11"
    # Only properties where you may read spot checks: fm1 sees none, sup1 only CUIHU.
    assert as_user("fm1").get("/api/v1/patrol/spot-check-compliance/short").json["items"] == []
    october = as_user("sup1").get("/api/v1/patrol/spot-check-compliance/short?month=2026-10")
    assert [s["property_code"] for s in october.json["items"]] == ["CUIHU"]
    # "This month" is the property's: at 2026-11-30 17:00 UTC it is already December in Shanghai.
    clock.set(dt.datetime(2026, 11, 30, 17, 0, tzinfo=dt.UTC))
    december = as_user("sup1").get("/api/v1/patrol/spot-check-compliance/short").json["items"]
    assert december[0]["month"] == "2026-12"
    assert T0.month == 11
