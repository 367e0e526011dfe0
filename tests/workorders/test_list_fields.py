"""What the phone reads off the lists: each order's ETag (usable as If-Match without a GET),
``overdue=true``, and whether a request already has a work order. Another property's records
never appear; bad filter values are a 422 in the one error shape."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import T0

ORDERS = "/api/v1/workorders"


def _list(wo, query="", user="fd1"):
    r = wo.user(user).get(f"{ORDERS}{query}")
    assert r.status_code == 200, r.json
    return r.json["items"]


def _assert_error_shape(response, status=422):
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.json
    assert set(body) == {"code", "message", "details"}
    assert body["message"] and body["details"]["message_zh"]
    return body


def test_list_and_queue_items_carry_the_etag_of_the_single_get(wo):
    order = wo.create()
    [listed] = [o for o in _list(wo) if o["id"] == order["id"]]
    single = wo.get(order["id"])
    assert listed["etag"] == single.headers["ETag"] == single.json["etag"]

    # the listed ETag is good for If-Match, with no GET in between
    assigned = wo.post(
        "fd1", order["id"], "assign", {"assignee_id": wo.uid("eng1")}, listed["etag"]
    )
    assert assigned.status_code == 200, assigned.json
    assert assigned.json["etag"] == assigned.headers["ETag"] != listed["etag"]
    stale = wo.post("fd1", order["id"], "assign", {"team": "水电班"}, listed["etag"])
    assert stale.status_code == 412

    # the engineer's queue: the same ETags, good for accepting straight from the queue
    queue = wo.user("eng1").get(f"{ORDERS}/queue").json["items"]
    [queued] = [o for o in queue if o["id"] == order["id"]]
    assert queued["etag"] == wo.get(order["id"], "eng1").headers["ETag"]
    accepted = wo.post("eng1", order["id"], "accept", etag=queued["etag"])
    assert accepted.status_code == 200, accepted.json
    [relisted] = [o for o in _list(wo) if o["id"] == order["id"]]
    assert relisted["etag"] == accepted.headers["ETag"]


def test_overdue_filter_follows_the_targets_at_the_servers_now(wo, clock, demo):
    urgent = wo.create(priority="urgent")  # response 0.5 h, completion 4 h
    normal = wo.create(priority="normal")  # 4 h, 72 h
    low = wo.create(priority="low")  # 24 h, 168 h
    given_up = wo.create(priority="urgent")
    assert wo.event(given_up["id"], "close_unresolvable").status_code == 200
    ours = {urgent["id"], normal["id"], low["id"], given_up["id"]}

    def overdue(flag="true"):
        return {o["id"] for o in _list(wo, f"?overdue={flag}&limit=200")} & ours

    assert overdue() == set()
    assert overdue("false") == ours

    clock.set(T0 + dt.timedelta(minutes=31))  # urgent not yet accepted
    assert overdue() == {urgent["id"]}
    assert overdue("false") == ours - {urgent["id"]}
    for event in ("assign", "accept"):
        assert wo.event(urgent["id"], event).status_code == 200
    assert overdue() == set()  # reached in time for completion

    clock.set(T0 + dt.timedelta(hours=4, minutes=1))  # urgent not done, normal not reached
    assert overdue() == {urgent["id"], normal["id"]}
    for item in _list(wo, "?overdue=true&limit=200"):
        assert item["response_overdue"] or item["completion_overdue"]
    for item in _list(wo, "?overdue=false&limit=200"):
        assert not (item["response_overdue"] or item["completion_overdue"])
    # combined with the other filters
    assert {o["id"] for o in _list(wo, "?overdue=true&priority=normal")} == {normal["id"]}
    assert _list(wo, f"?overdue=true&property_id={demo.jinrong}") == []

    clock.set(T0 + dt.timedelta(hours=24, minutes=1))
    assert overdue() == {urgent["id"], normal["id"], low["id"]}


def test_overdue_orders_of_another_property_never_appear(wo, clock, demo):
    theirs = wo.create(user="sup2", property_id=demo.jinrong, priority="urgent", place_text="大堂")
    ours = wo.create(priority="urgent")
    clock.set(T0 + dt.timedelta(hours=5))
    assert {o["id"] for o in _list(wo, "?overdue=true&limit=200")} >= {ours["id"]}
    for user in ("fd1", "sup1", "mgr1"):
        listed = {o["id"] for o in _list(wo, "?overdue=true&limit=200", user)}
        assert theirs["id"] not in listed
    assert {o["id"] for o in _list(wo, "?overdue=true&limit=200", "sup2")} == {theirs["id"]}
    assign = {"assignee_id": wo.uid("eng1")}
    assert wo.post("fd1", theirs["id"], "assign", assign, etag="*").status_code == 404
    queue = wo.user("eng1").get(f"{ORDERS}/queue").json["items"]
    assert all(o["property_id"] == demo.cuihu for o in queue)


@pytest.mark.parametrize("value", ["maybe", "2", "", "yes please"])
def test_bad_overdue_value_is_a_422(wo, value):
    body = _assert_error_shape(wo.user("fd1").get(f"{ORDERS}?overdue={value}"))
    assert body["code"] == "validation_error"
    assert "overdue" in body["details"]["fields"]["query"]


def test_request_items_show_their_work_orders(wo, demo):
    dispatched = wo.request(matter="3栋大堂灯不亮", place_text="3栋大堂").json
    waiting = wo.request(matter="5栋电梯异响", place_text="5栋电梯").json
    first = wo.create(request_id=dispatched["id"])
    second = wo.create(request_id=dispatched["id"], category="electrical")
    theirs = wo.request(
        user="sup2", property_id=demo.jinrong, matter="车库积水", place_text="车库"
    ).json
    wo.create(user="sup2", property_id=demo.jinrong, request_id=theirs["id"], place_text="车库")

    items = {r["id"]: r for r in wo.user("fd1").get("/api/v1/requests?limit=200").json["items"]}
    assert items[dispatched["id"]]["work_order_ids"] == [first["id"], second["id"]]
    assert items[waiting["id"]]["work_order_ids"] == []
    assert theirs["id"] not in items  # another property's request is never listed
    # the same field on the single record
    one = wo.user("fd1").get(f"/api/v1/requests/{dispatched['id']}").json
    assert one["work_order_ids"] == [first["id"], second["id"]]
    body = _assert_error_shape(wo.user("fd1").get("/api/v1/requests?reply_overdue=perhaps"))
    assert "reply_overdue" in body["details"]["fields"]["query"]
