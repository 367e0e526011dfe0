"""The in-app QR scanner reading a real camera stream: Chromium's fake capture device plays a
Y4M video of a printed checkpoint label, the scanner decodes it (BarcodeDetector where the
platform has it, else the vendored jsQR) and reports the code.

A browser of its own: the fake camera is a launch flag, and the session's browser has none.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import qrcode
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE
from tests.e2e.test_roles import sign_in

LABEL = "CP-B15-QR-07"


def write_y4m(path: Path, picture: Image.Image, frames: int = 10) -> None:
    """A 4:2:0 Y4M video of ``picture`` (the format Chromium's fake capture device plays)."""
    width, height = picture.size
    y, cb, cr = picture.convert("YCbCr").split()
    half = (width // 2, height // 2)
    frame = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + frame)


@pytest.fixture
def camera_page(browser: Browser, tmp_path: Path) -> Iterator[Page]:
    label = qrcode.make(LABEL, box_size=8, border=4).get_image().convert("RGB")
    picture = Image.new("RGB", (640, 480), "white")
    picture.paste(label, ((640 - label.width) // 2, (480 - label.height) // 2))
    video = tmp_path / "label.y4m"
    write_y4m(video, picture)
    camera_browser = browser.browser_type.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    context = camera_browser.new_context(
        **{**PHONE, "permissions": [*PHONE["permissions"], "camera"]}  # type: ignore[list-item]
    )
    try:
        yield context.new_page()
    finally:
        context.close()
        camera_browser.close()


def test_scanner_reads_a_qr_label_from_the_camera(live: Any, camera_page: Page) -> None:
    page = camera_page
    sign_in(page, live.url, "fm1", live.demo_password)
    page.locator("[data-testid=tools-link]").tap()
    page.locator("[data-testid=scanner-camera]").tap()
    expect(page.locator("[data-testid=scan-result]")).to_contain_text(LABEL, timeout=20_000)
    # The camera is released once a code is read (a phone's camera light must not stay on).
    expect(page.locator("[data-testid=scanner-camera]")).to_be_visible()
