"""A phone on a slow link must not stall everyone else (issue 16, point 1).

On SQLite every transaction holds the one write lock; a request that opened one before reading
its body kept it for as long as the phone took to send the photo, and everyone else's requests
failed with 503 ``database_unavailable`` after the busy timeout. The upload here trickles 2 MB
at 256 KB/s through a raw socket while another user logs in, lists photos and the readiness
probe runs: all of them must answer, and before the upload finishes. Runs on both databases.
"""

from __future__ import annotations

import hashlib
import socket
import threading
import time
import uuid
from typing import Any

import requests

from tests.evidence.photos import jpeg
from xunjian.demo import DEMO_PASSWORD

RATE = 256 * 1024  # bytes per second
CHUNK = 16 * 1024


def _login(base: str, username: str) -> str:
    r = requests.post(
        f"{base}/api/v1/auth/login",
        json={"username": username, "password": DEMO_PASSWORD},
        timeout=30,
    )
    assert r.status_code == 200, r.text
    return str(r.json()["token"])


def _two_megabyte_photo() -> bytes:
    data = jpeg(1800, 1400, noise=60, quality=95)
    assert 1_800_000 < len(data) < 3_000_000, len(data)
    return data


class SlowUpload(threading.Thread):
    """POST /api/v1/evidence over a raw socket, the body sent at RATE."""

    def __init__(self, host: str, port: int, token: str, property_id: int, photo: bytes) -> None:
        super().__init__(daemon=True)
        prepared = requests.Request(
            "POST",
            f"http://{host}:{port}/api/v1/evidence",
            headers={"Authorization": f"Bearer {token}"},
            data={
                "client_id": str(uuid.uuid4()),
                "sha256": hashlib.sha256(photo).hexdigest(),
                "property_id": str(property_id),
                "context_type": "ad_hoc",
                "device_id": "slow-phone",
            },
            files={"file": ("photo.jpg", photo, "image/jpeg")},
        ).prepare()
        assert isinstance(prepared.body, bytes)
        self.body = prepared.body
        head = [f"POST {prepared.path_url} HTTP/1.1", f"Host: {host}:{port}"]
        head += [f"{k}: {v}" for k, v in prepared.headers.items()]
        self.head = ("\r\n".join(head) + "\r\n\r\n").encode()
        self.address = (host, port)
        self.started_sending = threading.Event()
        self.finished = threading.Event()
        self.status: int | None = None
        self.response = b""

    def run(self) -> None:
        with socket.create_connection(self.address, timeout=60) as sock:
            sock.sendall(self.head)
            began = time.monotonic()
            for offset in range(0, len(self.body), CHUNK):
                sock.sendall(self.body[offset : offset + CHUNK])
                if offset >= 2 * CHUNK:
                    self.started_sending.set()
                # Pace against the clock, so the average rate is RATE however long a send takes.
                ahead = began + (offset + CHUNK) / RATE - time.monotonic()
                if ahead > 0:
                    time.sleep(ahead)
            while b"\r\n\r\n" not in self.response:
                part = sock.recv(65536)
                if not part:
                    break
                self.response += part
        self.status = int(self.response.split(b" ", 2)[1]) if self.response else None
        self.finished.set()


def test_slow_upload_does_not_stall_other_users(committed_server: Any) -> None:
    base = committed_server.url
    with committed_server.sessions() as s:
        from sqlalchemy import select

        from xunjian.org.models import Property

        cuihu = s.scalar(select(Property.id).where(Property.code == "CUIHU"))
    uploader = _login(base, "fm1")
    upload = SlowUpload(
        committed_server.host, committed_server.port, uploader, cuihu, _two_megabyte_photo()
    )
    upload.start()
    assert upload.started_sending.wait(30)

    # Another user, while the photo is still on its way.
    login = requests.post(
        f"{base}/api/v1/auth/login",
        json={"username": "sup1", "password": DEMO_PASSWORD},
        timeout=30,
    )
    assert login.status_code == 200, login.text
    listed = requests.get(
        f"{base}/api/v1/evidence",
        headers={"Authorization": f"Bearer {login.json()['token']}"},
        timeout=30,
    )
    assert listed.status_code == 200, listed.text
    ready = requests.get(f"{base}/readyz", timeout=30)
    assert ready.status_code == 200, ready.text
    assert not upload.finished.is_set(), "the other requests only got through after the upload"

    upload.join(60)
    assert upload.status == 201, upload.response[:500]
