"""End-to-end fixtures: Debian's Chromium driven by Playwright (sync API), a phone-sized page,
and a stand-in static server for the PWA shell.

Playwright never downloads a browser here (no network but the package registries): the tests use
/usr/bin/chromium, installed by mobile_pwa/scripts/ensure_chromium.sh.

Fixtures:
- ``browser``: one headless Chromium for the session.
- ``phone_page``: a fresh context per test (360×640, DPR 2, touch, zh-CN, a fake GPS position), so
  every test starts with no service worker, no cache and no storage.
- ``js_errors``: uncaught errors and console errors of ``phone_page``; tests assert it is empty.
- ``static_shell`` / ``static_shell_factory``: mobile_pwa/ served by http.server from a copy.
- ``live_app`` / ``live``: the real server (``live_server`` from tests/conftest.py).
- ``app_url``: its address.
- ``new_phone``: makes fresh phone-sized contexts (one per signed-in person), closed afterwards.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")

from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

REPO = Path(__file__).resolve().parents[2]
PWA_DIR = REPO / "mobile_pwa"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {
    "viewport": {"width": 360, "height": 640},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
    "timezone_id": "Asia/Shanghai",
    # Somewhere in Shenzhen: checkpoint geofences will need a position.
    "geolocation": {"latitude": 22.5431, "longitude": 114.0579, "accuracy": 10},
    "permissions": ["geolocation"],
    "service_workers": "allow",
}


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run mobile_pwa/scripts/ensure_chromium.sh")
    with sync_playwright() as playwright:
        # launch() gives every browser a new, empty profile in a temporary user-data-dir that
        # Playwright deletes afterwards; ~/.config/chromium is never read.
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def phone_context(browser: Browser, request: pytest.FixtureRequest) -> Iterator[BrowserContext]:
    options = dict(PHONE)
    if request.node.get_closest_marker("no_service_worker"):
        # Playwright's request interception does not see what a controlling service worker
        # fetches, and whether the worker controls the page by the time of the first upload is a
        # race (clients.claim()). Tests that cut or throttle the network with route() block it.
        options["service_workers"] = "block"
    context = browser.new_context(**options)
    yield context
    context.close()


@pytest.fixture
def phone_page(phone_context: BrowserContext) -> Page:
    return phone_context.new_page()


@pytest.fixture
def js_errors(phone_page: Page) -> list[str]:
    errors: list[str] = []
    phone_page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    phone_page.on(
        "console",
        lambda msg: errors.append(f"console: {msg.text}") if msg.type == "error" else None,
    )
    return errors


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


# ---- the stand-in server -------------------------------------------------------------------


class _ShellHandler(SimpleHTTPRequestHandler):
    """Serves the shell the way the Flask app is expected to: revalidate everything (no-cache),
    proper types for modules and the manifest."""

    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".css": "text/css",
        ".webmanifest": "application/manifest+json",
        ".json": "application/json",
        ".png": "image/png",
    }

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep pytest's output for failures


@dataclass
class StaticShell:
    url: str
    root: Path


def _copy_shell(target: Path) -> Path:
    # A copy, so a test may change files (e.g. sw.js, to publish a "new version").
    shutil.copytree(
        PWA_DIR,
        target,
        ignore=shutil.ignore_patterns("node_modules", "tests", "scripts", "*.json", ".gitignore"),
    )
    return target


@pytest.fixture(scope="session")
def static_shell_factory(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[[], StaticShell]]:
    servers: list[ThreadingHTTPServer] = []

    def start() -> StaticShell:
        root = _copy_shell(tmp_path_factory.mktemp("shell") / "mobile_pwa")
        server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_ShellHandler, directory=str(root)))
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return StaticShell(url=f"http://127.0.0.1:{server.server_address[1]}", root=root)

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def static_shell(static_shell_factory: Callable[[], StaticShell]) -> StaticShell:
    return static_shell_factory()


@pytest.fixture
def live_app(live_server: Any) -> Any:
    """The real server (``live_server``, tests/conftest.py): the API, the PWA at ``/``, its own
    database with the demo loaded. Attributes used: ``url``, ``demo_password``, ``sessions``."""
    return live_server


@pytest.fixture
def app_url(live_app: Any) -> str:
    return str(live_app.url).rstrip("/")


@pytest.fixture
def live(live_app: Any) -> Any:
    return live_app


@pytest.fixture
def new_phone(browser: Browser) -> Iterator[Callable[[], Page]]:
    """Fresh phone-sized contexts (one per signed-in person), closed after the test."""
    contexts = []

    def make() -> Page:
        context = browser.new_context(**PHONE)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: pytest.fail(f"uncaught in page: {exc}"))
        return page

    yield make
    for context in contexts:
        context.close()
