"""Outbound requests (SSRF): hosts are judged by what they resolve to, at registration and at
every delivery (connecting to the address that was checked), and redirects are not followed."""

from __future__ import annotations

import ipaddress
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from xunjian import outbound
from xunjian.errors import InvalidInput
from xunjian.workorders import push, webhooks

DISGUISED_LOOPBACK = [
    "https://2130706433/x",
    "https://0177.0.0.1/x",
    "https://127.1/x",
    "https://0x7f.0.0.1/x",
    "https://localhost./x",
    "https://localhost/x",
    "https://[::1]/x",
    "https://[::ffff:127.0.0.1]/x",
    "https://[::ffff:7f00:1]/x",
    "https://169.254.169.254/latest/meta-data",  # the cloud metadata service
    "https://10.0.0.5/x",
    "https://100.64.0.1/x",  # carrier-grade NAT
    "https://0.0.0.0/x",
    "https://224.0.0.1/x",
    "http://hooks.example.com/x",  # not https
]


@pytest.mark.parametrize("url", DISGUISED_LOOPBACK)
def test_registration_refuses_every_spelling_of_a_private_address(url):
    with pytest.raises(InvalidInput) as caught:
        webhooks.check_url(url, allow_private=False)
    assert caught.value.code == "bad_webhook_url"
    with pytest.raises(InvalidInput):
        push.check_url(url, allow_private=False, field="endpoint", code="bad_push_endpoint")


def test_public_addresses_pass():
    for text in ("8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"):
        assert outbound.is_public(ipaddress.ip_address(text)), text
    for text in (
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.1.1",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:10.0.0.1",
        "0.0.0.0",
        "255.255.255.255",
    ):
        assert not outbound.is_public(ipaddress.ip_address(text)), text
    webhooks.check_url("https://8.8.8.8/hook", allow_private=False)


def test_the_api_refuses_them_when_private_targets_are_not_allowed(
    settings, sessions, clock, app_store, token_for, demo
):
    from xunjian.app import create_app

    app = create_app(
        settings.with_overrides(outbound_allow_private=False),
        sessions=sessions,
        clock=clock,
        store_factory=lambda: app_store,
    )
    client = app.test_client()
    url = f"/api/v1/properties/{demo.cuihu}/webhooks"
    for bad in ("https://2130706433/x", "https://localhost./x", "https://127.1/x"):
        r = client.post(
            url,
            json={"url": bad, "event_types": ["workorder.created"]},
            headers=token_for("padmin1"),
        )
        assert r.status_code == 422 and r.json["code"] == "bad_webhook_url", bad


class _Receiver:
    """A local HTTP server that counts the requests it gets and can answer with a redirect."""

    def __init__(self, status: int = 200, location: str = "") -> None:
        self.hits: list[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                receiver.hits.append(self.path)
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_delivery_checks_the_address_again(monkeypatch):
    """A URL registered while allowed (or a name that resolved publicly then and to 127.0.0.1
    now, DNS rebinding) is refused at send time without any connection."""
    receiver = _Receiver()
    try:
        monkeypatch.setenv("XUNJIAN_OUTBOUND_ALLOW_PRIVATE", "false")
        status, error = webhooks.http_send(receiver.url, b"{}", {}, 5.0)
        assert status is None and error.startswith("refused")
        monkeypatch.setenv("XUNJIAN_OUTBOUND_ALLOW_PRIVATE", "true")
        assert webhooks.http_send(receiver.url, b"{}", {}, 5.0) == (200, "")
    finally:
        receiver.close()
    assert receiver.hits == ["/hook"]  # only the allowed send reached it


def test_delivery_connects_to_the_address_it_checked(monkeypatch):
    """Resolution happens once per send: the name is resolved, checked, and that address is the
    one connected to (a second, different DNS answer is never asked for)."""
    answers = iter(["8.8.8.8", "127.0.0.1"])  # public when checked, loopback if asked again
    seen: list[tuple[str, int]] = []
    real = outbound.socket.getaddrinfo

    def rebinding(host, port, *args, **kwargs):
        if host == "rebind.test":
            address = next(answers)
            return real(address, port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    def connect(address, timeout=None, *args, **kwargs):
        seen.append(address)
        raise ConnectionRefusedError("test: not really connecting")

    monkeypatch.setattr(outbound.socket, "getaddrinfo", rebinding)
    monkeypatch.setattr(outbound.socket, "create_connection", connect)
    with pytest.raises(OSError):
        outbound.post("https://rebind.test/x", b"{}", {}, 1.0, allow_private=False)
    assert seen == [("8.8.8.8", 443)]


def test_a_redirect_is_an_answer_not_a_new_request():
    target = _Receiver()
    redirecting = _Receiver(status=307, location=target.url)
    try:
        assert webhooks.http_send(redirecting.url, b"{}", {}, 5.0) == (307, "HTTP 307")
        sent = push._OutboundPoster(allow_private=True).post(
            redirecting.url, data=b"x", headers={}, timeout=5.0
        )
        assert sent.status_code == 307
    finally:
        target.close()
        redirecting.close()
    assert target.hits == []


def test_web_push_goes_through_the_same_check(monkeypatch):
    monkeypatch.setenv("XUNJIAN_OUTBOUND_ALLOW_PRIVATE", "false")
    receiver = _Receiver()
    try:
        keys = push.VapidKeys("unused", "unused", "mailto:ops@example.com")
        info = {"endpoint": receiver.url, "keys": {"p256dh": "x", "auth": "y"}}
        status, _ = push.webpush_send(info, push.PAYLOAD, keys, 60, 5.0)
        assert status is None
    finally:
        receiver.close()
    assert receiver.hits == []
