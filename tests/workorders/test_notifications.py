"""The in-app feed the phone polls: after a cursor, unread counts, marking read, own rows only."""

from __future__ import annotations

from xunjian.workorders import push


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


def test_no_web_push_without_vapid_keys(wo, session, clock, settings):
    """The test deployment has no VAPID keys: the phone is told to poll, a subscription is a
    clear 409, and the sweep sends nothing."""
    assert wo.user("eng1").get("/api/v1/notifications/push").json == {
        "enabled": False,
        "public_key": None,
    }
    subscription = {
        "endpoint": "https://push.example.com/send/abc",
        "keys": {"p256dh": "BNc", "auth": "tBH"},
    }
    r = wo.user("eng1").post("/api/v1/notifications/push-subscriptions", json=subscription)
    assert r.status_code == 409 and r.json["code"] == "push_not_configured"
    assert r.json["details"]["message_zh"]
    assert push.push_due(session, push.keys_from(settings), clock.now()) == 0
