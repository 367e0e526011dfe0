"""Set-up in the app (issue 13), in headless Chromium at 360×640 zh-CN:

- an administrator creates a property, and on it a building (a duplicate code is refused in
  words on the field; a structure file with a mistake is listed by line), a floor manager's
  account, two checkpoints by recording the (fake) GPS position, a route with a time window
  covering now; downloads the label sheet; the first-run guide ticks every step from real data;
- the floor manager signs in, starts that route from their home screen and checks in by
  scanning the printed label (Chromium's fake camera plays the QR image taken out of the label
  PDF), then at the other checkpoint by its code (GPS proof), and finishes;
- a set-up screen opened offline says it needs the network and saves nothing.

Every set-up screen is checked for horizontal overflow at 360 px.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE
from tests.e2e.test_camera_scan import write_y4m
from tests.e2e.test_roles import Api, eventually, settled, sign_in

LOBBY = {"latitude": 22.5431, "longitude": 114.0579, "accuracy": 8}
ROOF = {"latitude": 22.5436, "longitude": 114.0579, "accuracy": 12}  # ≈ 56 m north
SHANGHAI = dt.timezone(dt.timedelta(hours=8))

BAD_STRUCTURE = """property:
  code: {code}
  name_zh: 新项目
buildings:
  - code: B2
    name_zh: 2栋
    floors:
      - level: first
        name: 1F
"""


def no_overflow(page: Page) -> None:
    width, viewport = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= viewport, f"horizontal overflow: {width}px in {viewport}px at {page.url}"


def open_section(page: Page, name: str) -> None:
    page.locator(f"[data-testid=setup-nav-{name}]").tap()
    expect(page.locator(f"[data-testid=setup-{name}]")).to_be_visible()
    settled(page)
    no_overflow(page)


def record_checkpoint(page: Page, code: str, name: str, at: dict[str, float]) -> str:
    """Stand at ``at`` and record; returns the QR token the answer shows."""
    page.context.set_geolocation(at)
    form = page.locator("[data-testid=checkpoint-form]")
    form.locator("input[name=cp_code]").fill(code)
    form.locator("input[name=cp_name]").fill(name)
    form.locator("[data-testid=cp-record]").tap()
    expect(form.locator("[data-testid=cp-fix]")).to_contain_text(f"{at['latitude']:.6f}")
    expect(form.locator("input[name=cp_radius]")).to_have_value(str(int(at["accuracy"])))
    form.locator("input[name=cp_radius]").fill("20")
    form.locator("[data-testid=cp-create]").tap()
    expect(form.locator("[data-testid=cp-done]")).to_contain_text(code)
    return form.locator("[data-testid=cp-qr-token]").inner_text().strip()


@pytest.fixture
def camera_browser(browser: Browser, tmp_path: Path) -> Iterator[Callable[[Image.Image], Page]]:
    """A browser of its own whose fake camera shows ``picture`` (a launch flag: one per test)."""
    launched: list[Any] = []

    def start(picture: Image.Image) -> Page:
        frame = Image.new("RGB", (640, 480), "white")
        picture = picture.convert("RGB")
        picture.thumbnail((440, 440))
        frame.paste(picture, ((640 - picture.width) // 2, (480 - picture.height) // 2))
        video = tmp_path / "label.y4m"
        write_y4m(video, frame)
        other = browser.browser_type.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                *CHROMIUM_ARGS,
                "--use-fake-device-for-media-stream",
                "--use-fake-ui-for-media-stream",
                f"--use-file-for-fake-video-capture={video}",
            ],
        )
        launched.append(other)
        context = other.new_context(
            **{**PHONE, "permissions": [*PHONE["permissions"], "camera"]}  # type: ignore[list-item]
        )
        return context.new_page()

    yield start
    for other in launched:
        other.close()


def test_admin_sets_up_a_property_and_a_floor_manager_runs_its_route(
    live: Any,
    new_phone: Callable[[], Page],
    camera_browser: Callable[[Image.Image], Page],
    artifacts: Path,
) -> None:
    tag = uuid.uuid4().hex[:4].upper()
    code = f"E2E{tag}"
    page = new_phone()
    sign_in(page, live.url, "admin", live.demo_password)

    # A new, empty property from the administrator's home.
    panel = page.locator("[data-testid=panel-admin]")
    panel.locator("[data-testid=property-new]").tap()
    form = page.locator("[data-testid=property-form]")
    form.locator("input[name=property_code]").fill(code)
    form.locator("input[name=property_name]").fill(f"测试花园{tag}")
    form.locator("button[type=submit]").tap()
    expect(page.locator("[data-testid=setup]")).to_be_visible()
    match = re.search(r"#/setup/(\d+)", page.url)
    assert match, page.url
    pid = int(match.group(1))
    guide = page.locator("[data-testid=guide]")
    expect(guide.locator("[data-done=false]")).to_have_count(5)
    no_overflow(page)
    page.screenshot(path=str(artifacts / "setup-guide-empty-zh-360x640.png"))

    # Structure: a building, a floor, a unit; the duplicate is refused on the field.
    open_section(page, "structure")
    expect(page.locator("[data-testid=buildings-none]")).to_be_visible()
    building = page.locator("[data-testid=building-form]")
    for _ in range(2):
        building.locator("input[name=building_code]").fill("B1")
        building.locator("input[name=building_name_zh]").fill("1栋")
        building.locator("[data-testid=building-create]").tap()
        expect(page.locator("[data-testid=building-row][data-code=B1]")).to_be_visible()
    refusal = building.locator("[data-testid=error-building_code]")
    expect(refusal).to_have_text("楼栋编号 B1 已存在。")
    expect(building.locator("[data-testid=building-error]")).to_contain_text("服务器未接受")
    expect(building.locator("[data-testid=building-done]")).to_have_count(0)
    row = page.locator("[data-testid=building-row][data-code=B1]")
    row.locator("[data-testid=building-floors]").tap()
    row.locator("input[name=floor_level]").fill("1")
    row.locator("[data-testid=floor-create]").tap()
    expect(row.locator("[data-testid=floor-row]")).to_have_count(1)
    row.locator("input[name=unit_number]").fill("101")
    row.locator("[data-testid=unit-create]").tap()
    expect(row.locator("[data-testid=units]")).to_have_text("101")
    row.locator("[data-testid=unit-chip]").tap()
    row.locator("input[name=unit_edit_owner]").fill("王业主")
    row.locator("[data-testid=unit-save]").tap()
    expect(row.locator("[data-testid=unit-edit]")).to_have_count(0)
    # A structure file with a mistake: its problems by line, nothing imported.
    page.locator("[data-testid=structure-file]").set_input_files(
        {
            "name": "structure.yaml",
            "mimeType": "application/yaml",
            "buffer": BAD_STRUCTURE.format(code=code).encode(),
        }
    )
    problems = page.locator("[data-testid=file-problems]")
    expect(problems).to_contain_text("第 8 行")
    expect(problems).to_contain_text("buildings[0].floors[0].level")
    no_overflow(page)
    page.screenshot(path=str(artifacts / "setup-structure-zh-360x640.png"))

    # People: a floor manager's account, who must change the password.
    open_section(page, "people")
    username = f"fm{tag.lower()}"
    person = page.locator("[data-testid=person-form]")
    person.locator("input[name=person_name]").fill("方巡查")
    person.locator("input[name=person_username]").fill(username)
    person.locator("input[name=person_password]").fill("Start-pass-9")
    person.locator("[data-testid=person-create]").tap()
    created = page.locator(f"[data-testid=person-row][data-username={username}]")
    expect(created).to_contain_text("方巡查")
    expect(created).to_contain_text("楼管员")
    expect(created.locator("[data-testid=must-change]")).to_be_visible()

    # Checkpoints: stand at each and record; the list by distance from here; the label sheet.
    open_section(page, "checkpoints")
    token_lobby = record_checkpoint(page, "CP-A", "大堂", LOBBY)
    token_roof = record_checkpoint(page, "CP-B", "天台", ROOF)
    page.locator("[data-testid=cp-locate]").tap()
    rows = page.locator("[data-testid=checkpoint-row]")
    expect(rows.first).to_have_attribute("data-code", "CP-B")  # we stand on the roof
    expect(rows.nth(1).locator("[data-testid=cp-distance]")).to_have_text(re.compile(r"5\d 米"))
    with page.expect_download() as download:
        page.locator("[data-testid=labels-download]").tap()
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    expect(page.locator("[data-testid=labels-done]")).to_be_visible()
    no_overflow(page)
    page.screenshot(path=str(artifacts / "setup-checkpoints-zh-360x640.png"))

    admin = Api(page.request, live.url, "admin", live.demo_password)
    fences = {
        c["code"]: c["geofence"]
        for c in admin.get(f"/patrol/properties/{pid}/checkpoints?limit=10")["items"]
    }
    (unit,) = admin.get(f"/units?property_id={pid}")["items"]
    assert (unit["number"], unit["owner_name"]) == ("101", "王业主")
    assert fences["CP-A"] == {
        "type": "Point",
        "coordinates": [LOBBY["longitude"], LOBBY["latitude"]],
        "radius_m": 20.0,
    }

    # A route: both checkpoints in order, a window that has just opened, floor managers only.
    open_section(page, "routes")
    route = page.locator("[data-testid=route-form]")
    route.locator("input[name=route_code]").fill("R1")
    route.locator("input[name=route_name]").fill("大堂到天台")
    for label in ("CP-A · 大堂", "CP-B · 天台"):
        route.locator("select[name=route_pick]").select_option(label=label)
        route.locator("[data-testid=route-add-stop]").tap()
    now = dt.datetime.now(SHANGHAI)
    opened, closes = now - dt.timedelta(minutes=5), now + dt.timedelta(hours=2)
    route.locator("input[name=window_start]").fill(opened.strftime("%H:%M"))
    route.locator("input[name=window_end]").fill(closes.strftime("%H:%M"))
    route.locator("[data-testid=route-add-window]").tap()
    expect(route.locator("[data-testid=route-windows] li")).to_have_count(1)
    route.locator("[data-testid=route-create]").tap()
    saved = page.locator("[data-testid=route-setup-row][data-code=R1]")
    expect(saved).to_contain_text("CP-A → CP-B")
    expect(saved).to_contain_text("楼管员")
    expect(page.locator("[data-testid=today-round]")).to_contain_text("R1")
    no_overflow(page)
    page.screenshot(path=str(artifacts / "setup-routes-zh-360x640.png"))

    # Settings: a bad value is refused by the phone on the field; a good one is saved.
    open_section(page, "settings")
    page.locator("input[name=clock_skew_minutes]").fill("-3")
    page.locator("[data-testid=settings-save]").tap()
    expect(page.locator("[data-testid=error-clock_skew_minutes]")).to_be_visible()
    page.locator("input[name=clock_skew_minutes]").fill("5")
    # A shape the phone accepts but the server's rule refuses: shown on the field it names.
    page.locator("input[name=deadline_minor]").fill("400")
    page.locator("[data-testid=settings-save]").tap()
    expect(page.locator("[data-testid=error-deadlines]")).to_contain_text("365")
    page.locator("input[name=deadline_minor]").fill("7")
    page.locator("[data-testid=settings-save]").tap()
    expect(page.locator("[data-testid=settings-done]")).to_be_visible()
    saved_settings = admin.get(f"/properties/{pid}")["settings"]
    assert saved_settings["clock_skew_minutes"] == 5
    assert saved_settings["renovation_deadline_days"] == {"minor": 7}

    # Every step of the guide is ticked, from what was made.
    page.locator("a.back-link").tap()
    expect(page.locator("[data-testid=guide] [data-done=true]")).to_have_count(5)
    # At a desk the sections sit side by side, still without overflow.
    page.set_viewport_size({"width": 1280, "height": 800})
    open_section(page, "routes")
    page.screenshot(path=str(artifacts / "setup-routes-zh-1280x800.png"))
    page.set_viewport_size({"width": 360, "height": 640})

    # The floor manager: their own password first (the account was made with a temporary one).
    answer = page.request.post(
        f"{live.url}/api/v1/auth/login",
        data={"username": username, "password": "Start-pass-9", "device_id": "e2e-setup"},
    )
    assert answer.ok, answer.text()
    changed = page.request.post(
        f"{live.url}/api/v1/auth/password",
        headers={"Authorization": f"Bearer {answer.json()['token']}"},
        data={"old_password": "Start-pass-9", "new_password": "Own-pass-2468"},
    )
    assert changed.status == 204, changed.text()

    # The label sheet's QR image is what the fake camera shows.
    images = PdfReader(io.BytesIO(pdf)).pages[0].images
    assert len(images) == 2, images
    fm_page = camera_browser(images[0].image)
    fm_page.context.set_geolocation(LOBBY)
    sign_in(fm_page, live.url, username, "Own-pass-2468")
    # No renovation site exists here: the home says so, not "all inspected".
    expect(fm_page.locator("[data-testid=due-sites]")).to_contain_text("还没有在施工的装修现场")
    start = fm_page.locator("[data-testid=route-row]", has_text="R1")
    expect(start).to_be_visible(timeout=15_000)
    no_overflow(fm_page)
    start.locator("[data-testid=route-start]").tap()
    expect(fm_page.locator("[data-testid=patrol-run]")).to_be_visible(timeout=20_000)
    run_id = int(fm_page.url.rsplit("/", 1)[1])
    fm_page.locator("[data-testid=scanner-camera]").tap()
    message = fm_page.locator("[data-testid=run-message]")
    expect(message).to_contain_text(re.compile(f"{token_lobby}|{token_roof}"), timeout=20_000)
    scanned_lobby = token_lobby in message.inner_text()
    other_code, other_at = ("CP-B", ROOF) if scanned_lobby else ("CP-A", LOBBY)
    fm_page.context.set_geolocation(other_at)
    fm_page.locator("[data-testid=scanner-typed]").fill(other_code)
    fm_page.locator("[data-testid=scanner-submit]").tap()
    expect(message).to_contain_text(other_code)
    fm_page.locator("[data-testid=run-finish]").tap()
    fm_page.locator("[data-testid=run-finish-confirm]").tap()

    fm = Api(page.request, live.url, username, "Own-pass-2468")

    def finished() -> Any:
        detail = fm.get(f"/patrol/runs/{run_id}")
        return detail if detail["run"]["state"] == "completed" else None

    detail = eventually(finished, timeout=30)
    assert detail, fm.get(f"/patrol/runs/{run_id}")
    assert detail["visited"] == 2
    assert sorted(c["method"] for c in detail["checkins"]) == ["gps", "qr"]


def test_a_setup_screen_opened_offline_says_it_needs_the_network(
    live: Any, new_phone: Callable[[], Page]
) -> None:
    page = new_phone()
    admin = Api(page.request, live.url, "admin", live.demo_password)
    tag = uuid.uuid4().hex[:4].upper()
    body = {"code": f"OFF{tag}", "name_zh": f"离线{tag}", "client_id": str(uuid.uuid4())}
    prop = admin.post("/properties", body)
    sign_in(page, live.url, "admin", live.demo_password)
    page.evaluate("navigator.serviceWorker.ready")
    page.reload()
    expect(page.locator("[data-testid=greeting]")).to_be_visible()
    assert page.evaluate("navigator.serviceWorker.controller !== null")

    page.context.set_offline(True)
    try:
        page.goto(f"{live.url}/#/setup/{prop['id']}/structure")
        expect(page.locator("[data-testid=setup-offline]")).to_be_visible()
        form = page.locator("[data-testid=building-form]")
        form.locator("input[name=building_code]").fill("B1")
        form.locator("input[name=building_name_zh]").fill("1栋")
        form.locator("[data-testid=building-create]").tap()
        expect(form.locator("[data-testid=building-error]")).to_have_text(
            "未保存：设置需要网络连接。请联网后再试。"
        )
        expect(form.locator("[data-testid=building-done]")).to_have_count(0)
        no_overflow(page)
    finally:
        page.context.set_offline(False)
    # Nothing was queued or saved behind the person's back.
    assert admin.get(f"/buildings?property_id={prop['id']}")["items"] == []
    form.locator("[data-testid=building-create]").tap()
    expect(form.locator("[data-testid=building-done]")).to_contain_text("B1")
    assert [b["code"] for b in admin.get(f"/buildings?property_id={prop['id']}")["items"]] == ["B1"]


def test_property_admin_manages_people_checkpoints_routes_and_checklist(
    live: Any, new_phone: Callable[[], Page], artifacts: Path
) -> None:
    """padmin1 administers CUIHU only: refusals in words (a short password, a bad checklist
    code), a reset and a deactivation, a polygon walked at three corners, the route file
    exported and imported back unchanged, and the screens in English."""
    tag = uuid.uuid4().hex[:4].lower()
    page = new_phone()
    sign_in(page, live.url, "padmin1", live.demo_password)
    page.locator("[data-testid=admin-property]", has_text="翠湖花园").locator(
        "[data-testid=setup-link]"
    ).tap()
    expect(page.locator("[data-testid=guide]")).to_be_visible()
    settled(page)
    pid = int(page.url.rsplit("/", 1)[1])
    admin = Api(page.request, live.url, "padmin1", live.demo_password)

    # People: the server's refusal in words, then an account reset and deactivated.
    open_section(page, "people")
    person = page.locator("[data-testid=person-form]")
    person.locator("input[name=person_name]").fill("龙新人")
    person.locator("input[name=person_username]").fill(f"new{tag}")
    person.locator("input[name=person_password]").fill("short")
    person.locator("select[name=person_role]").select_option("engineer")
    person.locator("[data-testid=person-create]").tap()
    expect(person.locator("[data-testid=person-error]")).to_contain_text("密码至少需要 8 个字符")
    person.locator("input[name=person_password]").fill("Long-enough-1")
    person.locator("[data-testid=person-create]").tap()
    row = page.locator(f"[data-testid=person-row][data-username=new{tag}]")
    expect(row).to_contain_text("工程维修")
    row.locator("[data-testid=person-reset]").tap()
    row.locator("input[type=text][name^=password_]").fill("Another-pass-2")
    row.locator("[data-testid=person-reset-save]").tap()
    expect(row).to_contain_text("已为 龙新人 重设密码")
    page.once("dialog", lambda dialog: dialog.accept())  # "deactivate …?"
    row.locator("[data-testid=person-active]").tap()
    expect(row).to_contain_text("已停用")
    users = admin.get(f"/users?property_id={pid}&limit=200")["items"]
    (made,) = [u for u in users if u["username"] == f"new{tag}"]
    assert made["active"] is False and made["must_change_password"] is True

    # A checkpoint whose area is walked: three corners → a polygon.
    open_section(page, "checkpoints")
    form = page.locator("[data-testid=checkpoint-form]")
    form.locator("input[name=cp_code]").fill(f"PG-{tag}")
    form.locator("input[name=cp_name]").fill("停车场")
    form.locator("input[name=cp_shape][value=polygon]").check()
    for dlat, dlon in ((0, 0), (0.0003, 0), (0, 0.0003)):
        page.context.set_geolocation(
            {"latitude": 22.54 + dlat, "longitude": 114.05 + dlon, "accuracy": 6}
        )
        form.locator("[data-testid=cp-record]").tap()
        expect(form.locator("[data-testid=cp-record]")).to_be_enabled()
    expect(form.locator("[data-testid=cp-corners]")).to_have_text("多边形：3 个角。")
    form.locator("[data-testid=cp-create]").tap()
    expect(form.locator("[data-testid=cp-done]")).to_contain_text(f"PG-{tag}")
    made_cp = [
        c
        for c in admin.get(f"/patrol/properties/{pid}/checkpoints?limit=200")["items"]
        if c["code"] == f"PG-{tag}"
    ]
    assert made_cp[0]["geofence"]["type"] == "Polygon"
    assert len(made_cp[0]["geofence"]["coordinates"][0]) == 4

    # The route file: exported, imported back unchanged. (A property without routes exports a
    # file the import refuses: the schema wants at least one route.)
    stops = [{"checkpoint_id": made_cp[0]["id"]}]
    body = {"code": f"RP-{tag}", "name_zh": "停车场巡查", "stops": stops}
    admin.post(f"/patrol/properties/{pid}/routes", body)
    open_section(page, "routes")
    with page.expect_download() as download:
        page.locator("[data-testid=routes-export]").tap()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    page.locator("[data-testid=routes-file]").set_input_files(
        {"name": "routes.yaml", "mimeType": "application/yaml", "buffer": text.encode()}
    )
    expect(page.locator("[data-testid=route-file-done]")).to_contain_text("新建 0 条，更新 0 条")
    assert f"RP-{tag}" in text

    # The checklist: a code the server cannot use is refused in words; nothing is saved.
    versions = len(admin.get("/renovation/checklist/versions")["items"])
    open_section(page, "checklist")
    page.locator("input[name=item_code]").fill("9x")
    page.locator("input[name=item_name]").fill("测试项")
    page.locator("input[name=item_category]").fill("测试")
    page.locator("[data-testid=checklist-save]").tap()
    expect(page.locator("[data-testid=checklist-error]")).to_contain_text("检查项编号 9X 不可用")
    assert len(admin.get("/renovation/checklist/versions")["items"]) == versions

    # The same screens in English: enums and explanations in the reader's language.
    page.locator("[data-testid=locale-toggle]").tap()
    open_section(page, "settings")
    expect(page.locator("[data-testid=setup-settings]")).to_contain_text("Photo upload deadline")
    open_section(page, "people")
    expect(page.locator(f"[data-testid=person-row][data-username=new{tag}]")).to_contain_text(
        "Deactivated"
    )
    page.screenshot(path=str(artifacts / "setup-people-en-360x640.png"))
