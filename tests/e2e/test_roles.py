"""Role home screens, the signature pad and the scanner, in headless Chromium at 360×640 zh-CN.

- every role's home screen is photographed (git-ignored
  tests/e2e/artifacts/role-home-<user>-zh-360x640.png);
- a supervisor accepts a photo uploaded through the API: the decision goes through the outbox
  with If-Match, and the server records it;
- night duty lends the duty camera and takes it back, both through the outbox;
- a floor manager starts a patrol, checks in by a typed stop code (GPS proof) and a QR token,
  records a finding with a photo and finishes; the server has the run, check-ins and photo;
- a signature drawn with the mouse becomes a PNG data URL (≤ 200 KB); undo empties it again;
- the scanner's typed-code fallback reports the code.

The role tests need ``live_server`` (tests/conftest.py); the component tests only need the shell
and a session, so they also use it (the tools screen is behind the login).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import APIRequestContext, Locator, Page, expect

from tests.e2e.test_outbox import jpeg

ROLE_USERS = ("fm1", "eng1", "sup1", "night1", "fd1", "mgr1")


def sign_in(page: Page, url: str, username: str, password: str) -> None:
    page.goto(url + "/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("[data-testid=login-submit]").tap()
    expect(page.locator("[data-testid=greeting]")).to_be_visible()


def settled(page: Page) -> None:
    """Every lazily loaded panel has rendered and none is still loading."""
    page.wait_for_load_state("networkidle")
    expect(page.locator("[aria-busy=true]")).to_have_count(0, timeout=10_000)


class Api:
    """The API as one person, for arranging and checking what the browser did."""

    def __init__(self, request: APIRequestContext, url: str, username: str, password: str):
        self.request, self.url = request, url
        answer = request.post(
            f"{url}/api/v1/auth/login",
            data={"username": username, "password": password, "device_id": f"e2e-{username}"},
        )
        assert answer.ok, answer.text()
        body = answer.json()
        self.user = body["user"]
        self.headers = {"Authorization": f"Bearer {body['token']}"}

    @property
    def property_id(self) -> int:
        return int(self.user["assignments"][0]["property_id"])

    def get(self, path: str) -> Any:
        answer = self.request.get(f"{self.url}/api/v1{path}", headers=self.headers)
        assert answer.ok, (path, answer.status, answer.text())
        return answer.json()

    def post(self, path: str, body: dict[str, Any]) -> Any:
        answer = self.request.post(f"{self.url}/api/v1{path}", headers=self.headers, data=body)
        assert answer.ok, (path, answer.status, answer.text())
        return answer.json()

    def act(self, path: str, body: dict[str, Any], etag_of: str) -> Any:
        """A transition: read ``etag_of`` for its ETag, then POST ``path`` with If-Match."""
        etag = self.request.get(f"{self.url}/api/v1{etag_of}", headers=self.headers).headers["etag"]
        answer = self.request.post(
            f"{self.url}/api/v1{path}", headers={**self.headers, "If-Match": etag}, data=body
        )
        assert answer.ok, (path, answer.status, answer.text())
        return answer.json()

    def upload_photo(
        self,
        data: bytes,
        context_type: str = "ad_hoc",
        context_id: str = "",
        client_id: str | None = None,
    ) -> dict[str, Any]:
        now = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).isoformat(timespec="seconds")
        answer = self.request.post(
            f"{self.url}/api/v1/evidence",
            headers=self.headers,
            multipart={
                "client_id": client_id or str(uuid.uuid4()),
                "sha256": hashlib.sha256(data).hexdigest(),
                "property_id": str(self.property_id),
                "context_type": context_type,
                "context_id": context_id,
                "captured_at": now,
                "device_id": "e2e-upload",
                "latitude": "22.5431",
                "longitude": "114.0579",
                "accuracy_m": "12",
                "note": "e2e 待审核",
                "file": {"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": data},
            },
        )
        assert answer.status == 201, answer.text()
        return answer.json()


def queued(page: Page) -> str:
    """The outbox's actions (url, state, last error), for a failure message."""
    return str(
        page.evaluate(
            """() => new Promise((ok) => {
              const open = indexedDB.open("xj-outbox");
              open.onsuccess = () => {
                const all = open.result.transaction("actions").objectStore("actions").getAll();
                all.onsuccess = () =>
                  ok(JSON.stringify(all.result.map((a) => [a.url, a.state, a.last_error])));
              };
            })"""
        )
    )


def eventually(check: Callable[[], Any], timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.3)


# ---- screenshots -----------------------------------------------------------------------------


@pytest.mark.parametrize("username", ROLE_USERS)
def test_role_home_screen_screenshot(
    live: Any, new_phone: Callable[[], Page], artifacts: Path, username: str
) -> None:
    page = new_phone()
    sign_in(page, live.url, username, live.demo_password)
    settled(page)
    expect(page.locator("[data-role]").first).to_be_visible()
    page.screenshot(path=str(artifacts / f"role-home-{username}-zh-360x640.png"))
    page.screenshot(path=str(artifacts / f"role-home-{username}-zh-full.png"), full_page=True)
    # No load failure on a role panel (a missing permission or endpoint shows up here).
    expect(page.locator(".panel [role=alert]")).to_have_count(0)


# ---- supervisor --------------------------------------------------------------------------------


def test_supervisor_accepts_a_photo_through_the_outbox(
    live: Any, new_phone: Callable[[], Page], artifacts: Path
) -> None:
    page = new_phone()
    uploader = Api(page.request, live.url, "fm1", live.demo_password)
    evidence = uploader.upload_photo(jpeg(7101))
    supervisor = Api(page.request, live.url, "sup1", live.demo_password)

    sign_in(page, live.url, "sup1", live.demo_password)
    item = page.locator(f"[data-testid=review-item][data-evidence-id='{evidence['id']}']")
    expect(item).to_be_visible(timeout=15_000)
    accept = item.locator("[data-testid=review-accept]")
    expect(accept).to_be_enabled()  # the ETag has been read
    settled(page)
    page.screenshot(path=str(artifacts / "supervisor-review-zh-360x640.png"))
    accept.tap()
    expect(item.locator("[data-testid=review-done]")).to_be_visible()

    reviewed = eventually(
        lambda: supervisor.get(f"/evidence/{evidence['id']}")["review_status"] == "accepted"
    )
    assert reviewed, supervisor.get(f"/evidence/{evidence['id']}")
    expect(page.locator("[data-testid=outbox-count]")).to_have_count(0, timeout=10_000)


def test_supervisor_decision_on_a_photo_changed_meanwhile_is_a_conflict(
    live: Any, new_phone: Callable[[], Page]
) -> None:
    """The card read the ETag; the manager reviews the photo first; the supervisor's queued
    decision comes back 412 and waits on the outbox screen as a conflict, never overwriting."""
    page = new_phone()
    evidence = Api(page.request, live.url, "fm1", live.demo_password).upload_photo(jpeg(7103))
    manager = Api(page.request, live.url, "mgr1", live.demo_password)

    sign_in(page, live.url, "sup1", live.demo_password)
    item = page.locator(f"[data-testid=review-item][data-evidence-id='{evidence['id']}']")
    expect(item.locator("[data-testid=review-accept]")).to_be_enabled(timeout=15_000)

    path = f"{live.url}/api/v1/evidence/{evidence['id']}"
    etag = page.request.get(path, headers=manager.headers).headers["etag"]
    answer = page.request.post(
        f"{path}/review",
        headers={**manager.headers, "If-Match": etag},
        data={"decision": "exemplary"},
    )
    assert answer.ok, answer.text()

    item.locator("[data-testid=review-accept]").tap()
    expect(item.locator("[data-testid=review-done]")).to_be_visible()
    page.goto(live.url + "/#/outbox")
    conflict = page.locator("[data-testid=outbox-item]")
    expect(conflict).to_have_count(1, timeout=15_000)
    expect(conflict).to_contain_text("此记录已被他人修改")
    assert manager.get(f"/evidence/{evidence['id']}")["review_status"] == "exemplary"


# ---- engineer / front desk ---------------------------------------------------------------------


def test_engineer_sees_assigned_work_orders_by_priority(
    live: Any, new_phone: Callable[[], Page], artifacts: Path
) -> None:
    page = new_phone()
    desk = Api(page.request, live.url, "fd1", live.demo_password)
    engineer = Api(page.request, live.url, "eng1", live.demo_password).user["id"]
    tag = uuid.uuid4().hex[:5]
    for priority, text in (("normal", f"走廊灯不亮 {tag}"), ("urgent", f"水管爆裂 {tag}")):
        desk.post(
            "/workorders",
            {
                "property_id": desk.property_id,
                "category": "plumbing" if priority == "urgent" else "electrical",
                "priority": priority,
                "description": text,
                "assignee_id": engineer,
            },
        )

    sign_in(page, live.url, "eng1", live.demo_password)
    orders = page.locator("[data-testid=work-order]", has_text=tag)
    expect(orders).to_have_count(2, timeout=15_000)
    expect(orders.first).to_contain_text(f"水管爆裂 {tag}")  # urgent first
    expect(orders.first).to_contain_text("紧急")
    settled(page)
    page.screenshot(path=str(artifacts / "engineer-orders-zh-360x640.png"), full_page=True)


# ---- night duty --------------------------------------------------------------------------------


def test_night_duty_lends_and_takes_back_the_camera(
    live: Any, new_phone: Callable[[], Page]
) -> None:
    page = new_phone()
    night = Api(page.request, live.url, "night1", live.demo_password)
    borrower = Api(page.request, live.url, "fm1", live.demo_password).user["id"]
    code = f"CAM-{uuid.uuid4().hex[:6].upper()}"

    sign_in(page, live.url, "night1", live.demo_password)
    register = page.locator("[data-testid=loan-register]")
    expect(register).to_be_visible(timeout=15_000)
    register.locator("[data-testid=loan-lend]").tap()
    register.locator("[data-testid=lend-code]").fill(code)
    register.locator("[data-testid=lend-name]").fill("值班相机")
    register.locator("[data-testid=lend-borrower]").fill(str(borrower))
    register.locator("[data-testid=lend-purpose]").fill("15 栋水管爆裂现场拍照")
    register.locator("[data-testid=lend-submit]").tap()
    expect(register.locator("[data-testid=loan-queued]")).to_be_visible()

    def loan_of(state: str) -> dict[str, Any] | None:
        page_ = night.get(f"/loans?property_id={night.property_id}&state={state}&limit=100")
        return next((x for x in page_["items"] if x["item_code"] == code), None)

    loan = eventually(lambda: loan_of("borrowed"))
    assert loan and loan["borrower_id"] == borrower, loan

    page.reload()
    row = page.locator(f"[data-testid=loan-row][data-loan-id='{loan['id']}']")
    expect(row).to_be_visible(timeout=15_000)
    row.locator("[data-testid=loan-return]").tap()
    row.locator("[data-testid=return-card_cleared]").check()
    row.locator("[data-testid=return-photos_stored]").check()
    row.locator("[data-testid=return-confirm]").tap()
    expect(row.locator("[data-testid=loan-returned]")).to_be_visible()

    assert eventually(lambda: loan_of("borrowed") is None), "still borrowed on the server"
    returned = eventually(lambda: loan_of("returned"))
    assert returned, "not returned on the server"
    assert returned["card_cleared"] is True and returned["photos_stored"] is True, returned


# ---- floor manager: a patrol run ----------------------------------------------------------------


def test_floor_manager_runs_a_patrol_with_a_photo_finding(
    live: Any, new_phone: Callable[[], Page], artifacts: Path
) -> None:
    """Start a run, check in by typing a stop's code (GPS proof at the fake position) and by the
    QR token, record a finding with a photo, finish; the server has all of it."""
    page = new_phone()
    setup = Api(page.request, live.url, "sup1", live.demo_password)
    pid, tag = setup.property_id, uuid.uuid4().hex[:5].upper()
    here = setup.post(
        f"/patrol/properties/{pid}/checkpoints",
        {"code": f"E2E-{tag}-1", "name_zh": "15栋大堂", "latitude": 22.5431, "longitude": 114.0579},
    )
    there = setup.post(
        f"/patrol/properties/{pid}/checkpoints", {"code": f"E2E-{tag}-2", "name_zh": "15栋天台"}
    )
    token = setup.get(f"/patrol/checkpoints/{there['id']}/qr")["qr_token"]
    setup.post(
        f"/patrol/properties/{pid}/routes",
        {
            "code": f"R-{tag}",
            "name_zh": f"E2E 路线 {tag}",
            "stops": [{"checkpoint_id": here["id"]}, {"checkpoint_id": there["id"]}],
        },
    )

    sign_in(page, live.url, "fm1", live.demo_password)
    row = page.locator("[data-testid=route-row]", has_text=f"R-{tag}")
    expect(row).to_be_visible(timeout=15_000)
    row.locator("[data-testid=route-start]").tap()
    expect(page.locator("[data-testid=patrol-run]")).to_be_visible(timeout=20_000)
    run_id = int(page.url.rsplit("/", 1)[1])
    expect(page.locator("[data-testid=run-stop]")).to_have_count(2)

    page.locator("[data-testid=scanner-typed]").fill(f"E2E-{tag}-1")
    page.locator("[data-testid=scanner-submit]").tap()
    expect(page.locator("[data-testid=run-message]")).to_contain_text(f"E2E-{tag}-1")
    page.locator("[data-testid=scanner-typed]").fill(token)
    page.locator("[data-testid=scanner-submit]").tap()
    expect(page.locator("[data-testid=run-message]")).to_contain_text(token)

    form = page.locator("[data-testid=finding-form]")
    form.locator("[data-testid=finding-note]").fill("天台门锁损坏")
    # A problem needs a photo (the property's default): the form says so instead of queuing it.
    form.locator("[data-testid=finding-save]").tap()
    expect(form.locator("[data-testid=finding-photo-required]")).to_contain_text("至少拍一张照片")
    form.locator("[data-testid=camera-input]").set_input_files(
        {"name": "IMG_0002.jpg", "mimeType": "image/jpeg", "buffer": jpeg(7202)}
    )
    expect(form.locator("[data-testid=capture-saved]")).to_be_visible()
    form.locator("[data-testid=finding-save]").tap()
    page.screenshot(path=str(artifacts / "patrol-run-zh-360x640.png"))
    page.locator("[data-testid=run-finish]").tap()
    page.locator("[data-testid=run-finish-confirm]").tap()
    expect(page.locator("[data-testid=run-message]")).to_have_text("巡查已结束，联网后自动提交")

    fm = Api(page.request, live.url, "fm1", live.demo_password)

    def done() -> Any:
        detail = fm.get(f"/patrol/runs/{run_id}")
        photos = [p for f in detail["findings"] for p in f["photos"]]
        ready = (
            detail["run"]["state"] == "completed"
            and detail["visited"] == 2
            and len(detail["findings"]) == 1
            and photos
            and all(p["evidence_id"] for p in photos)
        )
        return detail if ready else None

    detail = eventually(done, timeout=30)
    assert detail, (json.dumps(fm.get(f"/patrol/runs/{run_id}"), ensure_ascii=False), queued(page))
    assert detail["findings"][0]["note"] == "天台门锁损坏"


# ---- components ----------------------------------------------------------------------------------


def open_tools(page: Page, live: Any) -> None:
    sign_in(page, live.url, "fm1", live.demo_password)
    page.locator("[data-testid=tools-link]").tap()
    expect(page.locator("[data-testid=signature-canvas]")).to_be_visible()


def draw_signature(page: Page, canvas: Locator) -> None:
    """Two wavy strokes with the mouse across ``canvas`` (a signature pad's canvas)."""
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box, "no signature canvas"
    for x0, y0, x1, y1 in ((0.15, 0.6, 0.45, 0.3), (0.45, 0.7, 0.85, 0.4)):
        page.mouse.move(box["x"] + box["width"] * x0, box["y"] + box["height"] * y0)
        page.mouse.down()
        for i in range(1, 16):
            f = i / 15
            page.mouse.move(
                box["x"] + box["width"] * (x0 + (x1 - x0) * f),
                box["y"] + box["height"] * (y0 + (y1 - y0) * f) + (8 if i % 2 else -8),
            )
        page.mouse.up()


def test_signature_drawn_with_the_mouse_becomes_a_png_data_url(
    live: Any, new_phone: Callable[[], Page], artifacts: Path
) -> None:
    page = new_phone()
    open_tools(page, live)
    canvas = page.locator("[data-testid=signature-canvas]")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box and box["width"] >= 280 and box["height"] >= 200, box  # large enough one-handed
    # Wait for the library (lazy) to attach before drawing.
    page.wait_for_load_state("networkidle")
    draw_signature(page, canvas)

    image = page.locator("[data-testid=signature-png]")
    expect(image).to_be_visible()
    src = image.get_attribute("src") or ""
    assert src.startswith("data:image/png;base64,"), src[:40]
    png = base64.b64decode(src.split(",", 1)[1])
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) <= 200 * 1024, len(png)
    page.screenshot(path=str(artifacts / "signature-zh-360x640.png"))

    page.locator("[data-testid=signature-undo]").tap()
    expect(image).to_be_visible()  # one stroke left
    page.locator("[data-testid=signature-undo]").tap()
    expect(image).to_have_count(0)
    expect(page.locator("[data-testid=signature-status]")).to_have_text("尚未签名")


def test_scanner_typed_code_fallback(live: Any, new_phone: Callable[[], Page]) -> None:
    page = new_phone()
    open_tools(page, live)
    page.locator("[data-testid=scanner-submit]").tap()
    expect(page.locator("[data-testid=scanner] [role=alert]")).to_have_text("请输入编号。")
    page.locator("[data-testid=scanner-typed]").fill(" CP-B15-03 ")
    page.locator("[data-testid=scanner-submit]").tap()
    expect(page.locator("[data-testid=scan-result]")).to_have_text("已读取：CP-B15-03（手动输入）")


def test_jsqr_loads_lazily_as_an_es_module(live: Any, new_phone: Callable[[], Page]) -> None:
    """The fallback decoder is not on the first screen, and the import map resolves it."""
    page = new_phone()
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    open_tools(page, live)
    assert not any("/vendor/jsqr.js" in u for u in requested), "jsQR loaded before it was needed"
    kind = page.evaluate("() => import('jsqr').then((m) => typeof m.default)")
    assert kind == "function"
