"""Web Push wake-ups (where the deployment configures VAPID keys), sent by pywebpush to a local
push service on 127.0.0.1 that checks the VAPID signature and decrypts the message as a
browser would. The push service is the one fake here: it cannot run on this machine."""

from __future__ import annotations

import base64
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils
from sqlalchemy import select

from tests.conftest import T0
from xunjian import tasks
from xunjian.workorders import push
from xunjian.workorders.models import PushSubscription


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def point(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


SERVER_KEY = ec.generate_private_key(ec.SECP256R1())
VAPID = {
    "vapid_public_key": b64url(point(SERVER_KEY)),
    "vapid_private_key": b64url(SERVER_KEY.private_numbers().private_value.to_bytes(32, "big")),
    "vapid_subject": "mailto:ops@example.com",
}


class PushService:
    """A push service: records each message's VAPID check and decrypted payload."""

    def __init__(self) -> None:
        self.status = 201
        self.messages: list[dict] = []
        self.phones: dict[str, tuple[ec.EllipticCurvePrivateKey, bytes]] = {}
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                phone_key, auth = service.phones[self.path]
                service.messages.append(
                    {
                        "path": self.path,
                        "vapid": service.check_vapid(self.headers["Authorization"]),
                        "ttl": self.headers["TTL"],
                        "payload": http_ece.decrypt(
                            body, private_key=phone_key, auth_secret=auth, version="aes128gcm"
                        ),
                    }
                )
                self.send_response(service.status)
                if service.status in (301, 302, 307, 308):
                    self.send_header("Location", f"{service.origin}{self.path}/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def phone(self, name: str) -> dict:
        """A browser's PushSubscription.toJSON() for a new phone."""
        key, auth = ec.generate_private_key(ec.SECP256R1()), os.urandom(16)
        self.phones[f"/push/{name}"] = (key, auth)
        return {
            "endpoint": f"{self.origin}/push/{name}",
            "expirationTime": None,
            "keys": {"p256dh": b64url(point(key)), "auth": b64url(auth)},
        }

    def check_vapid(self, header: str) -> dict:
        """RFC 8292: ``vapid t=<ES256 JWT>, k=<server public key>``; returns the JWT claims."""
        scheme, params = header.split(" ", 1)
        fields = dict(part.strip().split("=", 1) for part in params.split(","))
        assert scheme == "vapid" and fields["k"] == VAPID["vapid_public_key"]
        head, claims, signature = fields["t"].split(".")
        raw = unb64url(signature)
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(fields["k"]))
        public.verify(  # raises if the signature is not the server's
            utils.encode_dss_signature(int.from_bytes(raw[:32]), int.from_bytes(raw[32:])),
            f"{head}.{claims}".encode(),
            ec.ECDSA(hashes.SHA256()),
        )
        return json.loads(unb64url(claims))

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def settings(settings):
    return settings.with_overrides(**VAPID)


@pytest.fixture
def service():
    s = PushService()
    yield s
    s.close()


def subscribe(wo, user: str, subscription: dict):
    return wo.user(user).post("/api/v1/notifications/push-subscriptions", json=subscription)


KEYS = push.VapidKeys(VAPID["vapid_public_key"], VAPID["vapid_private_key"], VAPID["vapid_subject"])


def test_phone_learns_the_key_and_subscribes(wo, service):
    config = wo.user("eng1").get("/api/v1/notifications/push").json
    assert config == {"enabled": True, "public_key": VAPID["vapid_public_key"]}
    phone = service.phone("eng1-phone")
    r = subscribe(wo, "eng1", phone)
    assert r.status_code == 201, r.json
    assert r.json["endpoint"] == phone["endpoint"]
    again = subscribe(wo, "eng1", phone)  # the app re-registers on every start
    assert again.status_code == 201 and again.json["id"] == r.json["id"]


def test_a_new_assignment_wakes_the_engineers_phone_without_content(wo, session, service):
    subscribe(wo, "eng1", service.phone("eng1"))
    subscribe(wo, "fd1", service.phone("fd1"))
    assert push.push_due(session, KEYS, T0) == 0  # nothing new since they subscribed
    wo.create(assignee_id=wo.uid("eng1"))
    wo.create(assignee_id=wo.uid("eng1"))
    assert push.push_due(session, KEYS, T0) == 1  # one ping for both orders, only to eng1
    [message] = service.messages
    assert message["path"] == "/push/eng1"
    assert json.loads(message["payload"]) == {"type": "feed"}  # no owner's data at the push service
    assert message["vapid"]["sub"] == VAPID["vapid_subject"]
    assert message["vapid"]["aud"] == service.origin
    assert int(message["ttl"]) == push.TTL_SECONDS
    assert push.push_due(session, KEYS, T0) == 0  # woken already
    # read on the phone before the next sweep: nothing to wake it for
    wo.create(assignee_id=wo.uid("eng1"))
    cursor = int(wo.user("eng1").get("/api/v1/notifications").json["cursor"])
    assert wo.user("eng1").post("/api/v1/notifications/read", json={"up_to": cursor}).json
    assert push.push_due(session, KEYS, T0) == 0


def test_failed_pings_are_retried_and_revoked_subscriptions_dropped(wo, session, service):
    subscribe(wo, "eng1", service.phone("eng1"))
    service.status = 500
    wo.create(assignee_id=wo.uid("eng1"))
    assert push.push_due(session, KEYS, T0) == 0
    sub = session.scalar(select(PushSubscription))
    assert sub.failures == 1 and "500" in sub.last_error
    service.status = 201
    assert push.push_due(session, KEYS, T0) == 1  # tried again at the next sweep
    session.refresh(sub)
    assert sub.failures == 0 and sub.last_success_at == T0
    service.status = 410  # the browser revoked the subscription
    wo.create(assignee_id=wo.uid("eng1"))
    assert push.push_due(session, KEYS, T0) == 0
    assert session.scalars(select(PushSubscription)).all() == []


def test_the_periodic_task_sends_with_the_deployments_keys(wo, session, service, monkeypatch):
    subscribe(wo, "eng1", service.phone("eng1"))
    wo.create(assignee_id=wo.uid("eng1"))
    assert tasks.push_sweep.apply(kwargs={"now": T0.isoformat()}).get() == 0  # no keys in env
    for name, value in VAPID.items():
        monkeypatch.setenv(f"XUNJIAN_{name.upper()}", value)
    assert tasks.push_sweep.apply(kwargs={"now": T0.isoformat()}).get() == 1
    assert len(service.messages) == 1
    assert "push-sweep" in [job.name for job in tasks.PERIODIC_JOBS]


def test_bad_subscriptions_are_refused_and_sign_out_unsubscribes(wo, service):
    phone = service.phone("eng1")
    for bad in (
        {**phone, "endpoint": "ftp://push.example.com/x"},
        {**phone, "keys": {"p256dh": "abc"}},
        {"endpoint": phone["endpoint"]},
    ):
        r = subscribe(wo, "eng1", bad)
        assert r.status_code == 422, bad
        assert r.json["details"]["message_zh"]
    assert subscribe(wo, "eng1", phone).status_code == 201
    url = "/api/v1/notifications/push-subscriptions"
    gone = wo.user("eng1").delete(url, json={"endpoint": phone["endpoint"]})
    assert gone.status_code == 204


def test_production_accepts_only_public_https_push_endpoints():
    from xunjian.errors import InvalidInput

    with pytest.raises(InvalidInput) as caught:
        push.check_url("http://127.0.0.1:9/push", allow_private=False, field="endpoint")
    assert caught.value.details["fields"]["json"]["endpoint"]


def test_a_redirecting_push_service_is_not_followed(wo, session, service):
    """The server POSTs to a URL the phone gave it: like webhooks, never into a redirect."""
    subscribe(wo, "eng1", service.phone("eng1"))
    service.status = 307
    wo.create(assignee_id=wo.uid("eng1"))
    assert push.push_due(session, KEYS, T0) == 0
    assert [m["path"] for m in service.messages] == ["/push/eng1"]  # not sent on
    sub = session.scalar(select(PushSubscription))
    assert sub.failures == 1 and "307" in sub.last_error  # the answer, not followed
