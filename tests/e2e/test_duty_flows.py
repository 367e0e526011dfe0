"""End to end: night duty's spot check with both signatures, and the floor manager's
rectification notice (raised from an inspection's violation, issued, refused with a photo of the
notice as posted). Everything goes through the outbox; the server is checked over the API."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from playwright.sync_api import Locator, Page, expect

from tests.e2e.test_outbox import jpeg
from tests.e2e.test_role_flows import active_site, inspected_violation, new_order, outbox_empty
from tests.e2e.test_roles import Api, draw_signature, eventually, queued, sign_in


def sign(page: Page, pad: Locator) -> None:
    """Sign on the pad inside ``pad`` and wait until it counts the strokes."""
    draw_signature(page, pad.locator("[data-testid=signature-canvas]"))
    expect(pad.locator("[data-testid=signature-undo]")).to_be_enabled()


# ---- night duty: spot check ----------------------------------------------------------------------


def test_night_spot_check_with_both_signatures_reaches_the_server(
    live: Any, new_phone: Callable[[], Page], artifacts: Path
) -> None:
    page = new_phone()
    night = Api(page.request, live.url, "night1", live.demo_password)
    guard = Api(page.request, live.url, "guard1", live.demo_password).user["id"]
    post = f"E2E 岗 {uuid.uuid4().hex[:5]}"

    sign_in(page, live.url, "night1", live.demo_password)
    page.locator("[data-testid=duty-spot-check]").first.tap()
    screen = page.locator("[data-testid=spot-check]")
    expect(screen.locator("[data-testid=spot-guard-signature]")).to_be_visible(timeout=15_000)
    # The signature library loads lazily; it must be attached before the signal goes (the
    # page is not controlled by the service worker yet, so offline it could not load).
    ready_pads = screen.locator("[data-testid=signature-canvas][data-ready=true]")
    expect(ready_pads).to_have_count(2)  # the checker's and the guard's

    page.context.set_offline(True)
    screen.locator("[data-testid=spot-post]").fill(post)
    # The guard is picked by name from the list read while online (typing stays the fallback).
    screen.locator("[data-testid=spot-guard-pick]").select_option(str(guard))
    screen.locator("[data-testid=spot-status-present_alert]").tap()
    screen.locator("[data-testid=spot-remarks]").fill("在岗，精神状态良好")
    screen.locator("[data-testid=spot-save]").tap()
    expect(screen.locator("[role=alert]")).to_have_text("请查岗人签名。")
    sign(page, screen.locator("[data-testid=spot-checker-signature]"))
    screen.locator("[data-testid=spot-save]").tap()
    expect(screen.locator("[role=alert]")).to_have_text("请在岗人员签名（脱岗时不需要）。")
    sign(page, screen.locator("[data-testid=spot-guard-signature]"))
    photo = jpeg(7601)
    screen.locator("[data-testid=camera-input]").set_input_files(
        {"name": "IMG_0601.jpg", "mimeType": "image/jpeg", "buffer": photo}
    )
    expect(screen.locator("[data-testid=capture-saved]")).to_be_visible()
    expect(screen.locator("[data-testid=spot-photos]")).to_be_visible()
    page.screenshot(path=str(artifacts / "night-spot-check-zh-360x640.png"))
    screen.locator("[data-testid=spot-save]").tap()
    expect(screen.locator("[data-testid=spot-saved]")).to_be_visible()
    expect(page.locator("[data-testid=outbox-count]")).to_be_visible()

    page.context.set_offline(False)
    outbox_empty(page)

    def check() -> dict[str, Any] | None:
        items = night.get(f"/patrol/properties/{night.property_id}/spot-checks?limit=50")["items"]
        return next((c for c in items if c["post"] == post), None)

    found = eventually(check)
    assert found, queued(page)
    assert found["status"] == "present_alert" and found["guard_user_id"] == guard, found
    assert found["checker_id"] == night.user["id"]
    assert len(found["photo_client_ids"]) == 1
    links = night.get(f"/patrol/spot-checks/{found['id']}/signatures")
    for which in ("checker", "guard"):
        png = page.request.get(links[f"{which}_url"]).body()
        assert png[:8] == b"\x89PNG\r\n\x1a\n", which
        assert hashlib.sha256(png).hexdigest() == found[f"{which}_signature_sha256"], which
    photos = night.get(
        f"/evidence?property_id={night.property_id}&context_type=spot_check&limit=100"
    )["items"]
    assert any(p["sha256"] == hashlib.sha256(photo).hexdigest() for p in photos)


# ---- floor manager: rectification notice ---------------------------------------------------------


def test_floor_manager_issues_a_notice_and_records_a_refusal_with_a_photo(
    live: Any, new_phone: Callable[[], Page], artifacts: Path
) -> None:
    page = new_phone()
    fm = Api(page.request, live.url, "fm1", live.demo_password)
    manager = Api(page.request, live.url, "mgr1", live.demo_password)
    site = active_site(fm, manager)
    violation = inspected_violation(fm, site, 7701, "擅自拆除承重墙")
    unit = site.get("unit_label") or ""

    sign_in(page, live.url, "fm1", live.demo_password)
    page.goto(f"{live.url}/#/notices/{site['id']}?p={fm.property_id}&u={quote(unit)}")
    screen = page.locator("[data-testid=notices]")
    row = screen.locator(f"[data-testid=rn-violation][data-result-id='{violation['id']}']")
    expect(row).to_be_visible(timeout=15_000)
    screen.locator("[data-testid=rn-note]").fill("限期恢复原状")
    screen.locator("[data-testid=rn-issue]").tap()
    expect(screen.locator("[data-testid=rn-raised]")).to_be_visible()

    def issued() -> dict[str, Any] | None:
        path = f"/renovation/properties/{fm.property_id}/notices?renovation_id={site['id']}"
        items = [n for n in fm.get(path)["items"] if n["state"] == "issued"]
        return items[0] if items else None

    summary = eventually(issued)
    assert summary, queued(page)
    notice = fm.get(f"/renovation/notices/{summary['id']}")
    assert notice["serial"] and notice["deadline"], notice
    assert [v["id"] for v in notice["violations"]] == [violation["id"]]

    page.reload()
    notice_row = screen.locator(f"[data-testid=rn-row][data-notice-id='{summary['id']}']")
    expect(notice_row).to_have_attribute("data-state", "issued", timeout=15_000)
    notice_row.locator("[data-testid=rn-ack]").tap()
    form = notice_row.locator("[data-testid=rn-ack-form]")
    form.locator("[data-testid=rn-outcome-refused]").tap()
    form.locator("[data-testid=rn-ack-save]").tap()
    expect(form.locator("[role=alert]")).to_have_text("拒签时须拍一张已张贴通知的照片。")
    posted = jpeg(7702)
    form.locator("[data-testid=camera-input]").set_input_files(
        {"name": "IMG_0702.jpg", "mimeType": "image/jpeg", "buffer": posted}
    )
    expect(form.locator("[data-testid=capture-saved]")).to_be_visible()
    page.screenshot(path=str(artifacts / "notice-refused-zh-360x640.png"))
    form.locator("[data-testid=rn-ack-save]").tap()
    expect(notice_row.locator("[data-testid=rn-queued]")).to_be_visible()
    outbox_empty(page)

    def refused() -> dict[str, Any] | None:
        detail = fm.get(f"/renovation/notices/{summary['id']}")
        return detail if detail["state"] == "refused" else None

    detail = eventually(refused)
    assert detail, (fm.get(f"/renovation/notices/{summary['id']}")["state"], queued(page))
    photos = fm.get(f"/evidence?property_id={fm.property_id}&context_type=notice&limit=100")
    match = [p for p in photos["items"] if p["sha256"] == hashlib.sha256(posted).hexdigest()]
    assert match and str(match[0]["client_id"]) == detail["refusal_photo_client_id"], match


# ---- shift handover ------------------------------------------------------------------------------


def test_shift_handover_is_confirmed_by_both_people_on_their_own_phones(
    live: Any, new_phone: Callable[[], Page], artifacts: Path
) -> None:
    page = new_phone()
    night = Api(page.request, live.url, "night1", live.demo_password)
    guard = Api(page.request, live.url, "guard1", live.demo_password)
    matter = f"3 栋电梯异响 {uuid.uuid4().hex[:5]}"

    sign_in(page, live.url, "night1", live.demo_password)
    page.locator("[data-testid=duty-handover]").first.tap()
    screen = page.locator("[data-testid=handover]")
    expect(screen.locator("[data-testid=ho-form]")).to_be_visible(timeout=15_000)
    # The picker leaves oneself out; typed, the account number is refused on the phone.
    pick = screen.locator("[data-testid=ho-incoming-pick]")
    expect(pick.locator(f"option[value='{guard.user['id']}']")).to_have_count(1)
    expect(pick.locator(f"option[value='{night.user['id']}']")).to_have_count(0)
    pick.select_option("other")
    screen.locator("[data-testid=ho-incoming]").fill(str(night.user["id"]))
    screen.locator("[data-testid=ho-save]").tap()
    expect(screen.locator("[role=alert]")).to_have_text("接班人不能是您自己。")
    pick.select_option(str(guard.user["id"]))
    expect(screen.locator("[data-testid=ho-incoming]")).to_be_hidden()
    screen.locator("[data-testid=ho-shift]").fill("夜班→白班")
    screen.locator("[data-testid=ho-item-count]").first.fill("4")
    screen.locator("[data-testid=ho-matters]").fill(f"{matter}\nB2 车库积水")
    page.screenshot(path=str(artifacts / "handover-zh-360x640.png"))
    screen.locator("[data-testid=ho-save]").tap()
    expect(screen.locator("[data-testid=ho-saved]")).to_be_visible()
    outbox_empty(page)

    def handover(state: str) -> dict[str, Any] | None:
        items = night.get(f"/patrol/properties/{night.property_id}/handovers?limit=20")["items"]
        found = next((h for h in items if matter in h["open_matters"]), None)
        return found if found and found["state"] == state else None

    created = eventually(lambda: handover("draft"))
    assert created, queued(page)
    assert created["outgoing_user_id"] == night.user["id"]
    assert created["incoming_user_id"] == guard.user["id"]
    assert created["items"][0] == {"kind": "key", "count": 4, "description": ""}, created

    page.reload()
    row = page.locator(f"[data-testid=ho-row][data-handover-id='{created['id']}']")
    expect(row.locator("[data-testid=ho-confirm]")).to_be_visible(timeout=15_000)
    row.locator("[data-testid=ho-confirm]").tap()
    expect(row.locator("[data-testid=ho-confirm-queued]")).to_be_visible()
    assert eventually(lambda: handover("outgoing_confirmed")), queued(page)

    other = new_phone()
    sign_in(other, live.url, "guard1", live.demo_password)
    other.locator("[data-testid=handover-link]").first.tap()
    row = other.locator(f"[data-testid=ho-row][data-handover-id='{created['id']}']")
    expect(row).to_have_attribute("data-state", "outgoing_confirmed", timeout=15_000)
    row.locator("[data-testid=ho-confirm]").tap()
    expect(row.locator("[data-testid=ho-confirm-queued]")).to_be_visible()
    done = eventually(lambda: handover("completed"))
    assert done, queued(other)
    assert done["pending_photo_count"] == 0, done


# ---- notifications -------------------------------------------------------------------------------


def test_notification_feed_shows_an_assignment_and_marks_it_read(
    live: Any, new_phone: Callable[[], Page], artifacts: Path
) -> None:
    page = new_phone()
    desk = Api(page.request, live.url, "fd1", live.demo_password)
    engineer = Api(page.request, live.url, "eng1", live.demo_password)
    order = new_order(desk, engineer.user["id"], f"电梯困人演练 {uuid.uuid4().hex[:5]}")

    def unread() -> dict[str, Any]:
        return engineer.get("/notifications?unread_only=true&limit=200")

    def mine() -> dict[str, Any] | None:
        items = unread()["items"]
        return next((n for n in items if n["work_order_id"] == order["id"]), None)

    notification = eventually(mine)
    assert notification, "the assignment notified no one"
    count = unread()["unread_count"]

    sign_in(page, live.url, "eng1", live.demo_password)
    expect(page.locator("[data-testid=feed-badge]")).to_have_text(str(count), timeout=15_000)
    page.screenshot(path=str(artifacts / "feed-badge-zh-360x640.png"))
    page.locator("[data-testid=feed-link]").tap()
    item = page.locator(f"[data-testid=feed-item][data-notification-id='{notification['id']}']")
    expect(item).to_contain_text(f"派工单 #{order['id']}", timeout=15_000)
    expect(page.locator("[data-testid=push]")).to_be_visible()
    page.screenshot(path=str(artifacts / "feed-zh-360x640.png"))

    assert eventually(lambda: unread()["unread_count"] == 0), queued(page)
    page.locator("[data-testid=app-back-home], a[href='#/']").last.tap()
    expect(page.locator("[data-testid=feed-link]")).to_be_visible()
    expect(page.locator("[data-testid=feed-badge]")).to_have_count(0)
