"""Issue 16, point 9: rules of the field that the code did not hold.

- an absent guard's signature on a spot check; spot checks backdated by weeks; daytime checks
  counted towards the night quota (night hours are a property setting);
- one camera lent twice at once (refused by the service and by a partial unique index);
- a deposit settlement approved while a notice or a requested measure is still open;
- a problem finding without a photo (required unless the property turns it off);
- a complaint replied to after its deadline no longer shown as late.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tests.conftest import T0
from tests.patrol.conftest import Patrol, east, make_checkpoint, make_route, png_data_url
from tests.renovation.conftest import Phone, R, make_site, unit_id, violation
from xunjian.auth.models import User
from xunjian.evidence.models import Loan
from xunjian.org.models import Building, Property


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert set(response.json) == {"code", "message", "details"}
    assert response.json["details"].get("message_zh")
    if code:
        assert response.json["code"] == code, response.json
    return response.json


def _set(session: Any, property_id: int, **settings: Any) -> None:
    prop = session.get(Property, property_id)
    prop.settings = {**(prop.settings or {}), **settings}
    session.commit()


def _user_id(session: Any, username: str) -> int:
    return session.scalar(select(User.id).where(User.username == username))


# --- spot checks --------------------------------------------------------------------------


def _spot(**extra: Any) -> dict[str, Any]:
    return {
        "client_id": str(uuid.uuid4()),
        "post": "东门岗",
        "guard_name": "孙杰",
        "status": "present_alert",
        "checker_signature": png_data_url(),
        "guard_signature": png_data_url(200, 60),
        **extra,
    }


def _local(hour: int, minute: int = 0, day: int = 22) -> str:
    """An instant in November 2026, given in Shanghai time."""
    return dt.datetime(
        2026, 11, day, hour, minute, tzinfo=dt.timezone(dt.timedelta(hours=8))
    ).isoformat()


def test_an_absent_guard_cannot_have_signed(as_user, demo):
    url = f"/api/v1/patrol/properties/{demo.cuihu}/spot-checks"
    body = _spot(status="absent", remarks="人不在岗")
    err = assert_error(as_user("sup1").post(url, json=body), 422)
    assert "guard_signature" in str(err["details"]["fields"])
    ok = as_user("sup1").post(url, json={**body, "guard_signature": None})
    assert ok.status_code == 201 and ok.json["guard_signature_key"] is None


def test_a_spot_check_cannot_be_backdated_by_weeks(as_user, demo):
    url = f"/api/v1/patrol/properties/{demo.cuihu}/spot-checks"
    weeks_ago = (T0 - dt.timedelta(days=21)).isoformat()
    err = assert_error(as_user("night1").post(url, json=_spot(checked_at=weeks_ago)), 422)
    assert "checked_at" in str(err["details"]["fields"])
    last_night = as_user("night1").post(url, json=_spot(checked_at=_local(23)))
    assert last_night.status_code == 201, last_night.json  # queued offline, sent next morning
    checked_at = dt.datetime.fromisoformat(last_night.json["checked_at"])
    assert checked_at == dt.datetime(2026, 11, 22, 15, 0, tzinfo=dt.UTC)


def test_daytime_checks_do_not_count_towards_the_night_quota(as_user, demo, session):
    url = f"/api/v1/patrol/properties/{demo.cuihu}/spot-checks"
    night = as_user("night1")
    for when in (_local(14), _local(23, 30), _local(2, day=23)):
        assert night.post(url, json=_spot(checked_at=when)).status_code == 201
    compliance = f"/api/v1/patrol/properties/{demo.cuihu}/spot-check-compliance?month=2026-11"
    c = as_user("sup1").get(compliance).json
    assert (c["checks"], c["daytime_checks"], c["checks_towards_quota"]) == (3, 1, 2)
    # Night hours are the property's: a night shift that ends at 01:00.
    _set(session, demo.cuihu, spot_check_night_hours={"start": "13:00", "end": "01:00"})
    c = as_user("sup1").get(compliance).json
    assert (c["daytime_checks"], c["checks_towards_quota"]) == (1, 2)  # 14:00, 23:30 count now


def test_a_storm_day_takes_a_daytime_check_before_a_night_one(as_user, demo):
    night = as_user("night1")
    storms = f"/api/v1/patrol/properties/{demo.cuihu}/storm-days"
    assert night.post(storms, json={"day": "2026-11-22"}).status_code == 201
    url = f"/api/v1/patrol/properties/{demo.cuihu}/spot-checks"
    for when in (_local(10), _local(23)):
        assert night.post(url, json=_spot(checked_at=when)).status_code == 201
    compliance = f"/api/v1/patrol/properties/{demo.cuihu}/spot-check-compliance?month=2026-11"
    c = as_user("sup1").get(compliance).json
    assert c["storm_days_covered"] == ["2026-11-22"]
    assert (c["daytime_checks"], c["checks_towards_quota"]) == (1, 1)


# --- loans --------------------------------------------------------------------------------


def _loan(demo: Any, borrower: int, code: str = "CAM-1") -> dict[str, Any]:
    return {
        "property_id": demo.cuihu,
        "item_code": code,
        "item_name": "值班相机",
        "borrower_id": borrower,
        "purpose": "拍摄漏水现场",
        "client_id": str(uuid.uuid4()),
    }


def test_one_camera_cannot_be_lent_twice_at_once(as_user, demo, session):
    night = as_user("night1")
    first = night.post("/api/v1/loans", json=_loan(demo, _user_id(session, "fm1")))
    assert first.status_code == 201, first.json
    err = assert_error(
        night.post("/api/v1/loans", json=_loan(demo, _user_id(session, "eng1"))),
        409,
        "item_on_loan",
    )
    assert err["details"]["loan_id"] == first.json["id"]
    # Another item is free; and once returned, the camera can go out again.
    assert night.post("/api/v1/loans", json=_loan(demo, 1, "CAM-2")).status_code in (201, 404)
    back = night.post(
        f"/api/v1/loans/{first.json['id']}/return",
        json={"photos_stored": True, "card_cleared": True, "battery_ok": True},
        headers={"If-Match": "*"},
    )
    assert back.status_code == 200, back.json
    again = night.post("/api/v1/loans", json=_loan(demo, _user_id(session, "eng1")))
    assert again.status_code == 201, again.json


def test_the_database_holds_one_open_loan_per_item(session, demo, clock):
    fm = _user_id(session, "fm1")

    def open_loan() -> Loan:
        return Loan(
            property_id=demo.cuihu,
            item_code="CAM-9",
            item_name="相机",
            item_kind="camera",
            borrower_id=fm,
            lent_by_id=fm,
            purpose="race",
            borrowed_at=clock.now(),
            due_at=clock.now() + dt.timedelta(hours=2),
        )

    session.add(open_loan())
    session.flush()
    session.add(open_loan())
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


# --- deposit settlement -------------------------------------------------------------------


def test_no_deposit_settlement_while_a_notice_or_measure_is_open(as_user, demo, session, clock):
    site = make_site(session, clock, demo.cuihu, unit_id(session, demo.cuihu, "B1", "202"))
    session.commit()
    fm = Phone(as_user("fm1"))
    inspected = fm.inspect(site.id, [violation("R20", "楼道堆放垃圾")])
    assert inspected.status_code == 201, inspected.json
    ids = [x["id"] for x in inspected.json["results"] if x["result"] == "violation"]
    notice = fm.notice(site.id, ids, issue=True, measures=["M6"])
    assert notice.status_code == 201, notice.json
    # The site reaches its completion inspection with the notice and its M6 still open.
    site.state, site.completion_requested_at = "completion_inspection", clock.now()
    session.commit()
    desk = Phone(as_user("fd1"))
    created = as_user("fd1").post(
        f"{R}/renovations/{site.id}/settlement",
        json={"client_id": str(uuid.uuid4()), "deductions": []},
    )
    assert created.status_code == 201, created.json
    url = f"{R}/settlements/{created.json['id']}"
    assert desk.act(url + "/submit").json["state"] == "submitted"
    err = assert_error(
        Phone(as_user("mgr1")).act(url + "/decision", decision="approved", note="同意"),
        409,
        "matters_open",
    )
    assert err["details"]["open_notices"] == [notice.json["serial"]]
    assert len(err["details"]["open_measure_ids"]) == 1
    assert Phone(as_user("mgr1")).get(url).json["state"] == "submitted"


# --- findings -----------------------------------------------------------------------------


@pytest.fixture
def route(session, demo):
    building = session.scalar(
        select(Building).where(Building.property_id == demo.cuihu, Building.code == "B1")
    )
    points = [
        make_checkpoint(session, demo.cuihu, f"S{n}", *east(62 * n), building_id=building.id)
        for n in (1, 2)
    ]
    made = make_route(session, demo.cuihu, points)
    session.commit()
    return made


def test_a_problem_finding_needs_a_photo_unless_the_property_says_not(
    as_user, clock, route, session, demo
):
    phone = Patrol(as_user("fm1"), clock)
    started = phone.start(route)
    assert started.status_code == 201, started.json
    run_id = started.json["id"]
    assert phone.run(run_id).json["finding_photo_required"] is True
    problem = {"outcome": "problem", "category": "facility", "note": "消防门闭门器损坏"}
    err = assert_error(phone.finding(run_id, **problem), 422)
    assert (
        "photo_client_ids" in str(err["details"]["fields"])
        and "照片" in err["details"]["message_zh"]
    )
    with_photo = phone.finding(run_id, **problem, photo_client_ids=[str(uuid.uuid4())])
    assert with_photo.status_code == 201, with_photo.json
    assert phone.finding(run_id, outcome="ok").status_code == 201  # "all fine" needs none
    _set(session, demo.cuihu, finding_photo_required=False)
    assert phone.run(run_id).json["finding_photo_required"] is False
    assert phone.finding(run_id, **problem).status_code == 201


# --- complaint replies --------------------------------------------------------------------


def test_a_late_reply_stays_late(as_user, demo, clock):
    desk = as_user("fd1")
    body = {
        "client_id": str(uuid.uuid4()),
        "property_id": demo.cuihu,
        "kind": "complaint",
        "complaint_form": "oral",
        "channel": "phone",
        "matter": "垃圾未及时清运",
    }
    made = desk.post("/api/v1/requests", json=body)
    assert made.status_code == 201, made.json
    second = {**body, "client_id": str(uuid.uuid4()), "matter": "电梯异响"}
    on_time = desk.post("/api/v1/requests", json=second)
    url = f"/api/v1/requests/{made.json['id']}"
    reply = {"note": "已安排清运"}
    answered = desk.post(
        f"/api/v1/requests/{on_time.json['id']}/reply", json=reply, headers={"If-Match": "*"}
    )
    assert answered.status_code == 200, answered.json
    clock.advance(days=5)
    desk = as_user("fd1")  # a new day's session
    replied = desk.post(url + "/reply", json=reply, headers={"If-Match": "*"})
    assert replied.status_code == 200, replied.json
    assert replied.json["reply_overdue"] is True
    assert desk.get(url).json["reply_overdue"] is True
    late = desk.get("/api/v1/requests?reply_overdue=true").json["items"]
    assert [x["id"] for x in late] == [made.json["id"]]
    listed = {x["id"]: x["reply_overdue"] for x in desk.get("/api/v1/requests").json["items"]}
    assert listed[made.json["id"]] is True and listed[on_time.json["id"]] is False
