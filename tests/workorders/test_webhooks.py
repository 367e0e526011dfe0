"""Outbound webhooks: signed with HMAC-SHA256, retried with backoff, logged — against a real
HTTP receiver on 127.0.0.1 that fails the first attempt and verifies every signature."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import func, select

from tests.conftest import T0
from xunjian import tasks
from xunjian.audit import AuditEntry
from xunjian.workorders import webhooks
from xunjian.workorders.models import WebhookDelivery


class Receiver:
    """Answers 500 to the first ``fail_first`` requests, then 200; checks each signature."""

    def __init__(self, fail_first: int = 1) -> None:
        self.fail_first = fail_first
        self.secret = ""
        self.received: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                expected = (
                    "sha256=" + hmac.new(receiver.secret.encode(), body, hashlib.sha256).hexdigest()
                )
                signature = self.headers["X-Xunjian-Signature"]
                receiver.received.append(
                    {
                        "body": body,
                        "valid": hmac.compare_digest(signature, expected),
                        "headers": dict(self.headers),
                    }
                )
                status = 500 if len(receiver.received) <= receiver.fail_first else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/xunjian"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    with Receiver() as r:
        yield r


def register(wo, demo, url, events=("workorder.created", "workorder.assigned")):
    r = wo.user("padmin1").post(
        f"/api/v1/properties/{demo.cuihu}/webhooks",
        json={"url": url, "event_types": list(events), "description": "工单系统"},
    )
    assert r.status_code == 201, r.json
    return r.json


def test_signed_delivery_fails_once_then_succeeds_on_retry(wo, demo, session, receiver):
    endpoint = register(wo, demo, receiver.url, events=("workorder.created",))
    receiver.secret = endpoint["secret"]
    order = wo.create()
    [delivery] = session.scalars(select(WebhookDelivery)).all()
    assert delivery.state == "pending" and delivery.next_attempt_at == T0

    assert webhooks.deliver_due(session, T0) == 1
    session.refresh(delivery)
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    assert delivery.next_attempt_at == T0 + webhooks.RETRY_DELAYS[0]
    assert webhooks.deliver_due(session, T0 + dt.timedelta(seconds=29)) == 0  # not yet due

    retry_at = T0 + dt.timedelta(seconds=30)
    assert webhooks.deliver_due(session, retry_at) == 1
    session.refresh(delivery)
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("delivered", 2, 200)
    assert delivery.delivered_at == retry_at and delivery.next_attempt_at is None
    assert [a["status_code"] for a in delivery.log] == [500, 200]

    # receiver side: both attempts carried a valid signature, the same event and body
    assert [r["valid"] for r in receiver.received] == [True, True]
    first, second = receiver.received
    assert first["body"] == second["body"]
    assert first["headers"]["X-Xunjian-Delivery"] == second["headers"]["X-Xunjian-Delivery"]
    assert first["headers"]["X-Xunjian-Event"] == "workorder.created"
    assert int(second["headers"]["X-Xunjian-Timestamp"]) == int(retry_at.timestamp())
    event = json.loads(second["body"])
    assert event["type"] == "workorder.created" and event["data"]["id"] == order["id"]
    assert event["property_id"] == demo.cuihu

    log = wo.user("padmin1").get(f"/api/v1/webhooks/{endpoint['id']}/deliveries").json["items"]
    assert log[0]["state"] == "delivered" and [a["attempt"] for a in log[0]["log"]] == [1, 2]


def test_a_wrong_secret_fails_verification_on_the_receiver(wo, demo, session, receiver):
    register(wo, demo, receiver.url)
    receiver.secret = "not-the-secret"
    wo.create()
    webhooks.deliver_due(session, T0)
    assert receiver.received and not receiver.received[0]["valid"]


def test_retry_schedule_is_exponential_and_gives_up(wo, demo, session):
    delays = [d.total_seconds() for d in webhooks.RETRY_DELAYS]
    assert delays[:6] == [30, 120, 480, 1920, 7680, 30720]
    register(wo, demo, "http://127.0.0.1:9/closed-port")  # nothing listens on port 9
    wo.create()
    [delivery] = session.scalars(select(WebhookDelivery)).all()
    at = T0
    seen = []
    for _ in range(webhooks.MAX_ATTEMPTS):
        assert webhooks.deliver(session, delivery.id, at) is not None
        session.refresh(delivery)
        seen.append(delivery.state)
        if delivery.next_attempt_at:
            assert delivery.next_attempt_at == at + webhooks.RETRY_DELAYS[delivery.attempts - 1]
            at = delivery.next_attempt_at
    assert seen == ["pending"] * (webhooks.MAX_ATTEMPTS - 1) + ["failed"]
    assert delivery.attempts == webhooks.MAX_ATTEMPTS and delivery.last_status_code is None
    assert delivery.last_error
    assert webhooks.deliver(session, delivery.id, at + dt.timedelta(days=1)) is None


def test_a_held_delivery_is_not_sent_twice(wo, demo, session, receiver):
    register(wo, demo, receiver.url)
    receiver.fail_first = 0
    wo.create()
    [delivery] = session.scalars(select(WebhookDelivery)).all()
    delivery.lease_until = T0 + dt.timedelta(minutes=1)  # another worker is sending it
    session.commit()
    assert webhooks.deliver(session, delivery.id, T0) is None
    assert receiver.received == []
    assert webhooks.deliver(session, delivery.id, T0 + dt.timedelta(minutes=2)) == "delivered"


def test_the_celery_sweep_delivers_due_events(wo, demo, session, receiver):
    endpoint = register(wo, demo, receiver.url)
    receiver.secret, receiver.fail_first = endpoint["secret"], 0
    order = wo.create(assignee_id=wo.uid("eng1"))
    sent = tasks.webhook_sweep.apply(kwargs={"now": T0.isoformat()}).get()
    assert sent == 2
    events = [json.loads(r["body"])["type"] for r in receiver.received]
    assert sorted(events) == ["workorder.assigned", "workorder.created"]
    assert all(r["valid"] for r in receiver.received)
    assigned = next(json.loads(r["body"]) for r in receiver.received if b"assigned" in r["body"])
    assert (
        assigned["data"]["assignee_id"] == wo.uid("eng1") and assigned["data"]["id"] == order["id"]
    )


def test_only_subscribed_events_of_active_endpoints_are_queued(wo, demo, session):
    endpoint = register(wo, demo, "http://127.0.0.1:9/x", events=("workorder.closed",))
    wo.create()
    assert session.scalars(select(WebhookDelivery)).all() == []
    etag = wo.user("padmin1").get(f"/api/v1/webhooks/{endpoint['id']}").headers["ETag"]
    r = wo.user("padmin1").patch(
        f"/api/v1/webhooks/{endpoint['id']}",
        json={"event_types": ["workorder.created"], "active": False},
        headers={"If-Match": etag},
    )
    assert r.status_code == 200 and "secret" not in r.json
    wo.create()
    assert session.scalars(select(WebhookDelivery)).all() == []


def test_secret_is_shown_once_and_never_audited(wo, demo, session):
    endpoint = register(wo, demo, "http://127.0.0.1:9/x")
    assert len(endpoint["secret"]) == 64
    got = wo.user("padmin1").get(f"/api/v1/webhooks/{endpoint['id']}").json
    assert "secret" not in got
    etag = wo.user("padmin1").get(f"/api/v1/webhooks/{endpoint['id']}").headers["ETag"]
    rotated = (
        wo.user("padmin1")
        .patch(
            f"/api/v1/webhooks/{endpoint['id']}",
            json={"rotate_secret": True},
            headers={"If-Match": etag},
        )
        .json
    )
    assert rotated["secret"] != endpoint["secret"]
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.entity_type == "webhook_endpoints")
    ).all()
    assert entries and all("secret" not in json.dumps([e.before, e.after]) for e in entries)


def test_urls_are_checked(wo, demo):
    url = f"/api/v1/properties/{demo.cuihu}/webhooks"
    for bad in ("ftp://example.com/x", "not a url", "http:///nohost"):
        r = wo.user("padmin1").post(url, json={"url": bad, "event_types": ["workorder.created"]})
        assert r.status_code == 422, bad
    r = wo.user("padmin1").post(url, json={"url": "https://example.com/x", "event_types": ["x"]})
    assert r.status_code == 422
    ok = {"url": "https://e.com/x", "event_types": ["workorder.created"]}
    assert wo.user("mgr1").post(url, json=ok).status_code == 403


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/x",
        "https://127.0.0.1/x",
        "https://10.0.0.5/x",
        "https://localhost/x",
    ],
)
def test_production_allows_only_public_https(url):
    with pytest.raises(Exception) as caught:
        webhooks.check_url(url, allow_private=False)
    assert getattr(caught.value, "status", None) == 422
    assert webhooks.check_url("https://hooks.example.com/x", allow_private=False)


def test_the_task_engine_retries_with_backoff(wo, demo, session, receiver):
    """The periodic sweep (Celery task, eager here) makes the first attempt, skips the row
    until its backoff has passed, and the next sweep after that delivers it."""
    endpoint = register(wo, demo, receiver.url, events=("workorder.created",))
    receiver.secret = endpoint["secret"]
    wo.create()
    sweep = lambda at: tasks.webhook_sweep.apply(kwargs={"now": at.isoformat()}).get()  # noqa: E731
    assert sweep(T0) == 1  # answered 500
    assert sweep(T0 + webhooks.RETRY_DELAYS[0] - dt.timedelta(seconds=1)) == 0
    assert sweep(T0 + webhooks.RETRY_DELAYS[0]) == 1
    [delivery] = session.scalars(select(WebhookDelivery)).all()
    session.refresh(delivery)
    assert (delivery.state, delivery.attempts) == ("delivered", 2)
    assert [r["valid"] for r in receiver.received] == [True, True]
    names = {job.name: job for job in tasks.PERIODIC_JOBS}
    assert names["webhook-sweep"].every <= webhooks.RETRY_DELAYS[0]


def test_every_work_order_and_request_event_is_queued(wo, demo, session, clock):
    """created, assigned, done, verified, rework, closed (and escalated, in test_sla) for
    orders; created, dispatched, handled, closed for requests — each queued once, in order."""
    since = session.scalar(select(func.max(WebhookDelivery.id))) or 0
    register(wo, demo, "http://127.0.0.1:9/all", events=webhooks.EVENT_TYPES)
    request = wo.request(
        matter="地下车库照明不亮", place_text="地下车库", owner_phone="13800138000"
    )
    request = request.json
    order = wo.create(request_id=request["id"])
    for event in ("assign", "accept", "arrive", "complete", "fail_verification"):
        assert wo.event(order["id"], event).status_code in (200, 201), event
    for event in ("accept", "arrive", "complete", "verify", "visit_satisfied", "close"):
        assert wo.event(order["id"], event).status_code in (200, 201), event
    rows = session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.id > since).order_by(WebhookDelivery.id)
    ).all()
    assert [r.event_type for r in rows] == [
        "request.created",
        "workorder.created",
        "request.dispatched",
        "workorder.assigned",
        "workorder.done",
        "request.handled",
        "workorder.rework",
        "workorder.done",
        "request.handled",
        "workorder.verified",
        "workorder.closed",
        "request.closed",
    ]
    dispatched = next(json.loads(r.body) for r in rows if r.event_type == "request.dispatched")
    assert dispatched["data"]["work_order_id"] == order["id"]
    assert len({r.event_id for r in rows}) == len(rows)
    # owners' phone numbers never leave in a payload
    assert all("13800138000" not in r.body for r in rows)
    unresolvable = wo.create()
    wo.event(unresolvable["id"], "close_unresolvable")
    last = session.scalars(
        select(WebhookDelivery).order_by(WebhookDelivery.id.desc()).limit(1)
    ).one()
    assert last.event_type == "workorder.closed"
    assert json.loads(last.body)["data"]["close_reason"]


def test_a_request_handled_at_the_desk_is_sent_as_handled(wo, demo, session):
    register(wo, demo, "http://127.0.0.1:9/req", events=("request.handled", "request.closed"))
    complaint = wo.request(kind="complaint", complaint_form="oral", matter="快递乱放").json
    wo.request_action("fd1", complaint["id"], "handle", {"note": "已通知快递员整改"})
    wo.visit_raw(f"/api/v1/requests/{complaint['id']}/visits", (5, 5, 5, 5))
    rows = session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
    assert [r.event_type for r in rows] == ["request.handled", "request.closed"]
    assert json.loads(rows[0].body)["data"]["id"] == complaint["id"]
