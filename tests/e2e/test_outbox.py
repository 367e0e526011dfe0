"""The outbox in a real Chromium against the real server: a photo captured offline survives a
reload, uploads when the network returns, and ends as exactly one evidence record with the same
SHA-256 and nothing left on the phone — also when the network drops in the middle of an upload.

Runs against ``live_server`` (tests/conftest.py). Screenshots (360×640, zh-CN) go to
tests/e2e/artifacts/.
"""

from __future__ import annotations

import hashlib
import io
import random
import re
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, Request, Route, expect

LOGIN_BUTTON = "[data-testid=login-submit]"
CAMERA = "[data-testid=camera-input]"
ITEMS = "[data-testid=outbox-item]"
COUNT = "[data-testid=outbox-count]"
OFFLINE_REASON = "没有网络，恢复后会自动上传"


# ---- helpers -----------------------------------------------------------------------------------


@pytest.fixture
def live_url(live_app: Any) -> str:
    return str(live_app.url).rstrip("/")


def jpeg(seed: int, size: tuple[int, int] = (320, 240), noise: bool = False) -> bytes:
    """A real JPEG that no other test makes (the server decodes what it receives)."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    if noise:  # incompressible: a large file for a visible upload
        im = Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))
    else:
        im = Image.new("RGB", size, (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
        draw = ImageDraw.Draw(im)
        for _ in range(12):
            x, y = rng.randrange(size[0]), rng.randrange(size[1])
            draw.rectangle((x, y, x + 40, y + 30), fill=(rng.randrange(256), 0, rng.randrange(256)))
    out = io.BytesIO()
    im.save(out, "JPEG", quality=95)
    return out.getvalue()


def sign_in(page: Page, url: str, password: str, username: str = "fm1") -> None:
    page.goto(url + "/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator(LOGIN_BUTTON).tap()
    expect(page.locator("[data-testid=greeting]")).to_be_visible()
    expect(page.locator("[data-testid=adhoc]")).to_be_visible()


def take_photo(page: Page, data: bytes) -> None:
    page.locator(CAMERA).set_input_files(
        {"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": data}
    )
    expect(page.locator("[data-testid=capture-saved]")).to_be_visible()


def device_store(page: Page) -> dict[str, list[str]]:
    """What the outbox database holds: photo records, photo bytes, queued actions (by kind)."""
    return page.evaluate(
        """() => new Promise((resolve, reject) => {
          const open = indexedDB.open("xj-outbox");
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const db = open.result;
            const names = ["photos", "photo_bytes", "actions"];
            const tx = db.transaction(names);
            const out = {};
            for (const name of names) {
              const all = tx.objectStore(name).getAll();
              all.onsuccess = () => { out[name] = all.result.map((r) => r.kind ?? r.client_id); };
            }
            tx.oncomplete = () => { db.close(); resolve(out); };
          };
        })"""
    )


def server_records(live_app: Any, sha256: str) -> list[dict[str, Any]]:
    """Evidence rows with this hash, read from the live server's database."""
    from sqlalchemy import select

    from xunjian.evidence.models import Evidence

    with live_app.sessions() as session:
        rows = session.scalars(select(Evidence).where(Evidence.sha256 == sha256)).all()
        return [{"id": r.id, "client_id": str(r.client_id), "sha256": r.sha256} for r in rows]


def captured_photo_ids(page: Page) -> list[str]:
    return [i.get_attribute("data-client-id") or "" for i in page.locator(ITEMS).all()]


# ---- tests ---------------------------------------------------------------------------------------


def test_offline_photo_survives_reload_and_uploads_exactly_once(
    live_app: Any,
    live_url: str,
    phone_page: Page,
    phone_context: BrowserContext,
    js_errors: list[str],
    artifacts: Path,
) -> None:
    page = phone_page
    sign_in(page, live_url, live_app.demo_password)
    page.evaluate("navigator.serviceWorker.ready")
    page.reload()  # from here on the service worker serves the shell, also offline
    expect(page.locator("[data-testid=adhoc]")).to_be_visible()
    assert page.evaluate("navigator.serviceWorker.controller !== null")

    data = jpeg(seed=7001)
    sha256 = hashlib.sha256(data).hexdigest()
    phone_context.set_offline(True)
    try:
        take_photo(page, data)
        preview = page.locator("[data-testid=capture-preview]")
        expect(preview).to_contain_text(f"SHA-256 {sha256[:8]}")
        expect(page.locator("[data-testid=capture-location]")).to_contain_text("已记录位置")
        expect(page.locator(COUNT)).to_have_text("1")
        page.screenshot(path=str(artifacts / "capture-offline-zh-360x640.png"), full_page=True)

        page.locator("[data-testid=outbox-link]").tap()
        expect(page.locator(ITEMS)).to_have_count(1)
        item = page.locator(ITEMS).first
        expect(item).to_have_attribute("data-state", "pending")
        expect(item.locator("[data-testid=outbox-reason]")).to_have_text(OFFLINE_REASON)
        [client_id] = captured_photo_ids(page)
        page.screenshot(path=str(artifacts / "outbox-offline-zh-360x640.png"))

        page.reload()  # the phone was put away, the app restarted: still there, still offline
        expect(page.locator(ITEMS)).to_have_count(1)
        expect(page.locator(ITEMS).first).to_have_attribute("data-client-id", client_id)
        expect(page.locator(ITEMS).first).to_have_attribute("data-state", "pending")
        assert device_store(page)["photo_bytes"] == [client_id]
        assert server_records(live_app, sha256) == []
    finally:
        phone_context.set_offline(False)

    # Back online: the `online` event starts the upload, no tap needed.
    expect(page.locator(ITEMS)).to_have_count(0, timeout=20_000)
    expect(page.locator("[data-testid=outbox-summary]")).to_have_text(
        "全部已上传，手机上没有待上传的内容。"
    )
    expect(page.locator(COUNT)).to_have_count(0)
    page.screenshot(path=str(artifacts / "outbox-empty-zh-360x640.png"))

    records = server_records(live_app, sha256)
    assert len(records) == 1, records
    assert records[0]["client_id"] == client_id
    store = device_store(page)
    assert store["photos"] == [] and store["photo_bytes"] == [], store
    assert [e for e in js_errors if e.startswith("uncaught")] == []


@pytest.mark.no_service_worker
@pytest.mark.parametrize("lost", ["request", "response"])
def test_upload_cut_midway_ends_with_one_photo_on_the_server_and_none_on_the_phone(
    lost: str,
    live_app: Any,
    live_url: str,
    phone_page: Page,
    js_errors: list[str],
) -> None:
    """``request``: the connection drops before the server sees the upload. ``response``: the
    server stores the photo and the answer is lost, so the phone's retry is a replay the server
    must recognise by client_id (Idempotent-Replay) instead of storing a second photo."""
    page = phone_page
    uploads: list[str] = []
    replays: list[str | None] = []

    def cut_first(route: Route, request: Request) -> None:
        if request.method != "POST":
            route.continue_()
            return
        uploads.append(request.method)
        if len(uploads) > 1:
            route.continue_()
        elif lost == "request":
            route.abort("connectionreset")
        else:
            route.fetch()  # the server receives and stores it …
            route.abort("connectionreset")  # … and the phone never hears back

    page.route(re.compile(r".*/api/v1/evidence$"), cut_first)
    page.on(
        "response",
        lambda r: (
            replays.append(r.headers.get("idempotent-replay"))
            if r.url.endswith("/api/v1/evidence") and r.request.method == "POST"
            else None
        ),
    )
    sign_in(page, live_url, live_app.demo_password)
    data = jpeg(seed=7100 + len(lost))
    sha256 = hashlib.sha256(data).hexdigest()
    take_photo(page, data)

    # The badge may not be drawn yet when the capture is confirmed, so "no badge" alone could
    # pass before any upload began: first wait for the retry to reach the server.
    deadline = time.monotonic() + 20
    while len(uploads) < 2 and time.monotonic() < deadline:
        page.wait_for_timeout(100)  # lets Playwright dispatch the route handler meanwhile
    expect(page.locator(COUNT)).to_have_count(0, timeout=20_000)
    assert len(uploads) == 2, uploads  # the cut try and one retry, nothing more
    records = server_records(live_app, sha256)
    assert len(records) == 1, records
    if lost == "response":
        assert replays == ["true"], replays
    store = device_store(page)
    assert store["photos"] == [] and store["photo_bytes"] == [], store
    assert [e for e in js_errors if e.startswith("uncaught")] == []


def test_upload_progress_is_shown_per_photo(
    live_app: Any,
    live_url: str,
    phone_page: Page,
    phone_context: BrowserContext,
    artifacts: Path,
) -> None:
    """A large photo on a throttled uplink: the outbox shows it uploading with a progress bar
    that moves, then empties."""
    page = phone_page
    sign_in(page, live_url, live_app.demo_password)
    page.locator("[data-testid=outbox-link]").tap()
    expect(page.locator("[data-testid=outbox-summary]")).to_be_visible()
    page.go_back()
    expect(page.locator("[data-testid=adhoc]")).to_be_visible()

    cdp = phone_context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 50, "downloadThroughput": -1, "uploadThroughput": 60_000},
    )
    data = jpeg(seed=7200, size=(480, 480), noise=True)
    assert len(data) > 200_000, len(data)  # ~4 s at 60 KB/s
    take_photo(page, data)
    page.locator("[data-testid=outbox-link]").tap()
    item = page.locator(ITEMS).first
    expect(item).to_have_attribute("data-state", "sending", timeout=20_000)
    bar = item.locator("progress")
    expect(bar).to_be_visible()
    page.wait_for_function(
        "() => Number(document.querySelector('[data-testid=outbox-item] progress')?.value) >= 20",
        timeout=20_000,
    )
    page.screenshot(path=str(artifacts / "outbox-uploading-zh-360x640.png"))
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    expect(page.locator(ITEMS)).to_have_count(0, timeout=30_000)
    assert len(server_records(live_app, hashlib.sha256(data).hexdigest())) == 1


def test_refused_photo_is_kept_with_the_servers_words_until_discarded(
    live_app: Any, live_url: str, phone_page: Page, js_errors: list[str], artifacts: Path
) -> None:
    """A file the server will not accept as a photo (422): kept on the phone, shown with the
    server's Chinese message, not retried on its own, deleted only after an explicit confirm."""
    page = phone_page
    sign_in(page, live_url, live_app.demo_password)
    broken = b"\xff\xd8\xff\xe0" + random.Random(7300).randbytes(4000)  # a JPEG header, then noise
    take_photo(page, broken)
    page.locator("[data-testid=outbox-link]").tap()
    item = page.locator(ITEMS).first
    expect(item).to_have_attribute("data-state", "failed_permanent", timeout=20_000)
    reason = item.locator("[data-testid=outbox-reason]")
    expect(reason).to_contain_text("服务器拒绝了此项：")
    server_words = reason.inner_text().split("：", 1)[1]
    assert re.search(r"[\u4e00-\u9fff]", server_words), f"not the server's Chinese: {server_words}"
    expect(page.locator(COUNT)).to_have_text("1")

    page.locator("[data-testid=outbox-sync]").tap()  # Sync now does not resend a refused item
    expect(item).to_have_attribute("data-state", "failed_permanent")

    item.locator("[data-testid=outbox-discard]").tap()
    expect(item.locator("[role=alertdialog]")).to_contain_text("无法恢复")
    page.screenshot(path=str(artifacts / "outbox-refused-confirm-zh-360x640.png"))
    item.locator("[data-testid=outbox-discard-confirm]").tap()
    expect(page.locator(ITEMS)).to_have_count(0)
    assert device_store(page)["photo_bytes"] == []
    assert [e for e in js_errors if e.startswith("uncaught")] == []
