"""Request intake (接待业主情况记录): reply deadlines, repeats, first-receiver responsibility."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from xunjian.org.models import CalendarDay, Unit


def unit_id(session, property_id: int, number: str = "201") -> int:
    return session.scalar(
        select(Unit.id).where(Unit.property_id == property_id, Unit.number == number).limit(1)
    )


@pytest.mark.parametrize(
    ("form", "due_local"),
    [("oral", "2026-11-24T17:00:00+08:00"), ("written", "2026-11-26T17:00:00+08:00")],
)
def test_complaint_reply_deadline_in_working_days(wo, form, due_local):
    """Received Monday 09:30: oral by the end of Tuesday's shift, written by Thursday's."""
    r = wo.request(kind="complaint", complaint_form=form, matter="楼上噪音扰民")
    assert r.status_code == 201, r.json
    due = dt.datetime.fromisoformat(r.json["reply_due_at"])
    assert due == dt.datetime.fromisoformat(due_local)
    assert r.json["responsible_id"] == r.json["received_by_id"] == wo.uid("fd1")


def test_reply_deadline_skips_holidays_and_weekends(wo, clock, session, demo):
    # CUIHU works Monday–Saturday and has 2027-01-01 (Friday) as a holiday.
    clock.set(dt.datetime(2026, 12, 31, 8, 0, tzinfo=dt.UTC))  # Thursday 16:00 local
    r = wo.request(kind="complaint", complaint_form="oral", matter="电梯异响")
    assert r.json["reply_due_at"] == "2027-01-02T09:00:00+00:00"  # Saturday 17:00 local
    # JINRONG works Monday–Friday: a Friday complaint is due on Monday.
    clock.set(dt.datetime(2026, 11, 27, 2, 0, tzinfo=dt.UTC))  # Friday
    session.add(
        CalendarDay(property_id=demo.jinrong, day=dt.date(2026, 11, 30), is_working_day=False)
    )
    session.commit()
    r = wo.request(
        user="fm2", property_id=demo.jinrong, kind="complaint", complaint_form="oral", matter="保洁"
    )
    assert r.status_code == 201, r.json
    # Tuesday (Monday is a holiday), at the end of JINRONG's day shift (17:30)
    assert r.json["reply_due_at"] == "2026-12-01T09:30:00+00:00"


def test_only_complaints_have_a_form_and_deadline(wo):
    assert wo.request(kind="complaint").status_code == 422
    assert wo.request(kind="repair", complaint_form="oral").status_code == 422
    r = wo.request(kind="inquiry", matter="物业费怎么交", place_text="")
    assert r.status_code == 201 and r.json["reply_due_at"] is None


def test_repeat_report_is_linked_counted_and_belongs_to_the_first_receiver(
    wo, session, demo, clock
):
    unit = unit_id(session, demo.cuihu)
    first = wo.request(unit_id=unit, place_text="", matter="卫生间天花板漏水").json
    clock.advance(days=2)
    repeat = wo.request(user="sup1", unit_id=unit, place_text="", matter="卫生间天花又漏水了").json
    assert repeat["repeat_of_id"] == first["id"]
    assert repeat["responsible_id"] == wo.uid("fd1")  # the first receiver, not sup1
    assert repeat["received_by_id"] == wo.uid("sup1")
    third = wo.request(user="fm1", unit_id=unit, place_text="", matter="卫生间天花板还在漏水").json
    assert third["repeat_of_id"] == first["id"]  # linked to the first report, not the second
    other = wo.request(unit_id=unit, place_text="", matter="门禁卡无法使用").json
    assert other["repeat_of_id"] is None
    got = wo.user("fd1").get(f"/api/v1/requests/{first['id']}").json
    assert got["repeat_count"] == 2
    listed = wo.user("fd1").get(f"/api/v1/requests?repeat_of_id={first['id']}").json["items"]
    assert {r["id"] for r in listed} == {repeat["id"], third["id"]}


def test_repeat_window_is_thirty_days(wo, session, demo, clock):
    unit = unit_id(session, demo.cuihu, "202")
    wo.request(unit_id=unit, place_text="", matter="阳台地漏堵塞")
    clock.advance(days=31)
    later = wo.request(unit_id=unit, place_text="", matter="阳台地漏堵塞").json
    assert later["repeat_of_id"] is None


def test_explicit_repeat_of_must_be_at_the_same_property(wo, session, demo):
    mine = wo.request().json
    explicit = wo.request(place_text="别处", matter="完全不同的描述", repeat_of_id=mine["id"])
    assert explicit.json["repeat_of_id"] == mine["id"]
    foreign = wo.request(user="fm2", property_id=demo.jinrong, place_text="大堂", matter="x").json
    r = wo.request(repeat_of_id=foreign["id"])
    assert r.status_code == 422


def test_request_for_another_property_is_not_found(wo, demo):
    r = wo.request(property_id=demo.jinrong)
    assert r.status_code == 404


def test_repair_needs_a_place(wo):
    r = wo.request(place_text="")
    assert r.status_code == 422


def test_reply_handle_close(wo, clock):
    r = wo.request(kind="complaint", complaint_form="oral", matter="垃圾未及时清运").json
    clock.advance(days=2)
    overdue = wo.user("fd1").get("/api/v1/requests?reply_overdue=true").json["items"]
    assert r["id"] in [x["id"] for x in overdue]
    assert wo.request_action("fd1", r["id"], "reply", {"note": ""}).status_code == 422
    replied = wo.request_action("fd1", r["id"], "reply", {"note": "已安排保洁今日清运"}).json
    assert replied["replied_at"] and not replied["reply_overdue"]
    handled = wo.request_action("fd1", r["id"], "handle", {"note": "已清运并致歉"}).json
    assert handled["state"] == "handled"
    closed = wo.request_action("fd1", r["id"], "close").json
    assert closed["state"] == "closed" and closed["closed_at"]
    again = wo.request_action("fd1", r["id"], "close")
    assert again.status_code == 409 and again.json["code"] == "illegal_transition"


def test_request_close_unresolvable_needs_the_manager_and_a_reason(wo):
    r = wo.request().json
    assert (
        wo.request_action("sup1", r["id"], "close-unresolvable", {"reason": "x"}).status_code == 403
    )
    missing = wo.request_action("mgr1", r["id"], "close-unresolvable", {})
    assert missing.status_code == 422 and missing.json["code"] == "reason_required"
    done = wo.request_action("mgr1", r["id"], "close-unresolvable", {"reason": "业主拒绝配合"}).json
    assert done["state"] == "unresolvable" and done["close_reason"] == "业主拒绝配合"


def test_request_follows_its_work_order(wo):
    request = wo.request(kind="complaint", complaint_form="written", matter="公共走廊灯不亮").json
    order = wo.create(
        request_id=request["id"], category="electrical", description="", place_text=""
    )
    assert order["source"] == "request" and order["description"] == "公共走廊灯不亮"
    assert order["place_text"] == "2栋 201"
    get = lambda: wo.user("fd1").get(f"/api/v1/requests/{request['id']}").json  # noqa: E731
    assert get()["state"] == "dispatched" and get()["work_order_ids"] == [order["id"]]
    for event in ("assign", "accept", "arrive", "complete"):
        wo.event(order["id"], event)
    assert get()["state"] == "handled" and get()["handled_at"]
    wo.event(order["id"], "fail_verification")
    assert get()["state"] == "dispatched"  # reworked: not handled any more
    for event in ("accept", "arrive", "complete", "verify", "visit_satisfied", "close"):
        assert wo.event(order["id"], event).status_code in (200, 201), event
    assert get()["state"] == "closed"


def test_request_from_another_property_cannot_be_dispatched(wo, demo):
    foreign = wo.request(user="fm2", property_id=demo.jinrong, place_text="大堂", matter="x").json
    r = wo.create_raw(request_id=foreign["id"])
    assert r.status_code == 422


def test_requests_list_is_scoped(wo, demo):
    wo.request(user="fm2", property_id=demo.jinrong, place_text="大堂", matter="x")
    mine = wo.request().json
    items = wo.user("fd1").get("/api/v1/requests?limit=200").json["items"]
    assert {i["property_id"] for i in items} == {demo.cuihu}
    assert mine["id"] in [i["id"] for i in items]
    assert wo.user("guard1").get("/api/v1/requests").status_code == 403


# How to perform each request event the API offers, and how to reach each state.
REQUEST_ACTIONS = {
    "reply": ("fd1", "reply", {"note": "已答复业主"}),
    "handle": ("fd1", "handle", {"note": "已在前台处理"}),
    "close": ("fd1", "close", None),
    "close_unresolvable": ("mgr1", "close-unresolvable", {"reason": "业主拒绝配合"}),
}


def _request_in(wo, state: str) -> dict:
    request = wo.request(matter=f"测试{state}", place_text=f"{state} 1栋").json
    if state == "dispatched":
        wo.create(request_id=request["id"])
    if state in ("handled", "closed"):
        wo.request_action("fd1", request["id"], "handle", {"note": "已处理"})
    if state == "closed":
        wo.request_action("fd1", request["id"], "close")
    if state == "unresolvable":
        wo.request_action("mgr1", request["id"], "close-unresolvable", {"reason": "无法解决"})
    got = wo.user("fd1").get(f"/api/v1/requests/{request['id']}").json
    assert got["state"] == state, got
    return got


@pytest.mark.parametrize("state", ["open", "dispatched", "handled", "closed", "unresolvable"])
def test_every_request_action_follows_the_table(wo, state):
    """One state machine for requests too: every action the table does not allow from a state
    is a 409 that changes nothing; every one it allows goes where the table says."""
    from xunjian.workorders.states import REQUEST

    for event, (user, action, body) in REQUEST_ACTIONS.items():
        request = _request_in(wo, state)
        r = wo.request_action(user, request["id"], action, body)
        if REQUEST.allows(state, event):
            assert r.status_code == 200, (state, event, r.json)
            assert r.json["state"] == REQUEST.transitions[(state, event)]
        else:
            assert r.status_code == 409, (state, event, r.json)
            assert r.json["code"] == "illegal_transition" and r.json["details"]["message_zh"]
            after = wo.user("fd1").get(f"/api/v1/requests/{request['id']}").json
            assert after["state"] == state and after["version"] == request["version"]


@pytest.mark.parametrize(
    "fields",
    [
        {"channel": "fax"},
        {"kind": "praise"},
        {"kind": "complaint", "complaint_form": "telepathy"},
        {"matter": ""},
        {"unit_id": 2_000_000_000},
        {"received_at": "yesterday"},
    ],
)
def test_bad_request_input_is_a_4xx_with_both_languages(wo, fields):
    r = wo.request(**fields)
    assert r.status_code == 422, (fields, r.json)
    assert r.json["code"] and r.json["message"] and r.json["details"]["message_zh"]


def test_every_channel_is_recorded_with_its_receiver(wo):
    for channel in ("visit", "phone", "online", "patrol_finding"):
        r = wo.request(user="fm1", channel=channel, matter=f"{channel} 报修")
        assert r.status_code == 201, r.json
        assert r.json["channel"] == channel and r.json["received_by_id"] == wo.uid("fm1")
