"""The in-app feed the phone polls: after a cursor, unread counts, marking read, own rows only."""

from __future__ import annotations

from xunjian.workorders import notifications


def test_feed_polls_after_a_cursor_and_marks_read(wo):
    first = wo.create(assignee_id=wo.uid("eng1"))
    feed = wo.user("eng1").get("/api/v1/notifications").json
    assert [n["work_order_id"] for n in feed["items"]] == [first["id"]]
    assert feed["unread_count"] == 1 and feed["more"] is False
    cursor = feed["cursor"]
    assert wo.user("eng1").get(f"/api/v1/notifications?after={cursor}").json["items"] == []
    second = wo.create(assignee_id=wo.uid("eng1"))
    newer = wo.user("eng1").get(f"/api/v1/notifications?after={cursor}").json
    assert [n["work_order_id"] for n in newer["items"]] == [second["id"]]
    assert newer["items"][0]["message_zh"].startswith(f"派工单 #{second['id']}")
    marked = wo.user("eng1").post(
        "/api/v1/notifications/read", json={"ids": [newer["items"][0]["id"]]}
    )
    assert marked.json == {"marked": 1}
    unread = wo.user("eng1").get("/api/v1/notifications?unread_only=true").json
    assert [n["work_order_id"] for n in unread["items"]] == [first["id"]]
    wo.user("eng1").post("/api/v1/notifications/read", json={"up_to": int(newer["cursor"])})
    assert wo.user("eng1").get("/api/v1/notifications").json["unread_count"] == 0


def test_paging_with_limit(wo):
    for _ in range(3):
        wo.create(assignee_id=wo.uid("eng1"))
    page = wo.user("eng1").get("/api/v1/notifications?limit=2").json
    assert len(page["items"]) == 2 and page["more"] is True
    rest = wo.user("eng1").get(f"/api/v1/notifications?limit=2&after={page['cursor']}").json
    assert len(rest["items"]) == 1 and rest["more"] is False


def test_nobody_sees_or_marks_anothers_notifications(wo):
    wo.create(assignee_id=wo.uid("eng1"))
    mine = wo.user("eng1").get("/api/v1/notifications").json["items"]
    assert wo.user("fm1").get("/api/v1/notifications").json["items"] == []
    r = wo.user("fm1").post("/api/v1/notifications/read", json={"ids": [mine[0]["id"]]})
    assert r.json == {"marked": 0}
    assert wo.user("eng1").get("/api/v1/notifications").json["unread_count"] == 1


def test_the_actor_is_not_notified_of_their_own_action(wo):
    wo.create(assignee_id=wo.uid("eng1"))
    assert wo.user("fd1").get("/api/v1/notifications").json["items"] == []


def test_web_push_only_with_vapid_keys():
    assert notifications.push_configured({}) is False
    assert notifications.push_wake_up({}, [1, 2]) == 0
    keys = {"vapid_private_key": "k", "vapid_subject": "mailto:ops@example.com"}
    assert notifications.push_configured(keys) is True
    assert notifications.push_wake_up(keys, [1]) == 0  # hook only: no sender shipped
