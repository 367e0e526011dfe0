"""The role flows that write, in headless Chromium at 360×640 zh-CN (issue 7, item 6):

- an engineer accepts, arrives and completes a work order with an after-photo, all offline,
  reloads the app offline, goes online: the server has the order done and the photo's sha256;
- the front desk records a request through the outbox and dispatches it to an engineer;
- the front desk verifies a completed order, then records its return visit (ratings);
- a supervisor sees a missed patrol window and an overdue work order;
- a floor manager sees a renovation site due today, inspects it (one violation with a photo and
  a note, one item not applicable), and the server has the inspection and the photo.

Each action goes through the page's outbox; the server is checked through the API. Screenshots
(git-ignored) go to tests/e2e/artifacts/.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect

from tests.e2e.test_outbox import jpeg
from tests.e2e.test_roles import Api, eventually, queued, settled, sign_in

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def new_order(desk: Api, engineer_id: int, text: str, **extra: Any) -> dict[str, Any]:
    body = {
        "property_id": desk.property_id,
        "category": "plumbing",
        "priority": "high",
        "description": text,
        "assignee_id": engineer_id,
        **extra,
    }
    return desk.post("/workorders", body)


def outbox_empty(page: Page) -> None:
    expect(page.locator("[data-testid=outbox-count]")).to_have_count(0, timeout=30_000)


# ---- engineer ------------------------------------------------------------------------------------


def test_engineer_accepts_and_completes_offline_with_an_after_photo(
    live: Any, new_phone: Callable[[], Page], artifacts: Path
) -> None:
    page = new_phone()
    desk = Api(page.request, live.url, "fd1", live.demo_password)
    engineer = Api(page.request, live.url, "eng1", live.demo_password)
    tag = uuid.uuid4().hex[:5]
    order = new_order(desk, engineer.user["id"], f"地下室水泵漏水 {tag}")

    sign_in(page, live.url, "eng1", live.demo_password)
    page.evaluate("navigator.serviceWorker.ready")
    page.reload()  # from here the service worker serves the shell, also offline
    row = page.locator(f"[data-testid=work-order][data-order-id='{order['id']}']")
    expect(row).to_be_visible(timeout=15_000)

    page.context.set_offline(True)
    row.locator("[data-testid=wo-step-accept]").tap()
    expect(row).to_have_attribute("data-state", "accepted")
    row.locator("[data-testid=wo-step-arrive]").tap()
    expect(row).to_have_attribute("data-state", "on_site")
    row.locator("[data-testid=wo-step-complete]").tap()
    form = row.locator("[data-testid=wo-complete-form]")
    form.locator("[data-testid=wo-complete-submit]").tap()
    expect(form.locator("[role=alert]")).to_have_text("请填写维修内容。")
    form.locator("[data-testid=wo-notes]").fill("更换水泵密封圈，试运行正常")
    photo = jpeg(7301)
    form.locator("[data-testid=camera-input]").set_input_files(
        {"name": "IMG_0301.jpg", "mimeType": "image/jpeg", "buffer": photo}
    )
    expect(form.locator("[data-testid=capture-saved]")).to_be_visible()
    form.locator("[data-testid=wo-complete-submit]").tap()
    expect(row.locator("[data-testid=wo-step-done]")).to_be_visible()
    expect(page.locator("[data-testid=outbox-count]")).to_be_visible()
    page.screenshot(path=str(artifacts / "engineer-complete-offline-zh-360x640.png"))

    page.reload()  # the app restarts with no signal: everything is still queued
    expect(page.locator("[data-testid=outbox-count]")).to_be_visible(timeout=15_000)
    assert engineer.get(f"/workorders/{order['id']}")["state"] == "assigned"

    page.context.set_offline(False)
    outbox_empty(page)

    def done() -> Any:
        detail = engineer.get(f"/workorders/{order['id']}")
        return detail if detail["state"] == "done" else None

    detail = eventually(done, timeout=30)
    assert detail, (engineer.get(f"/workorders/{order['id']}"), queued(page))
    completion = detail["completions"][0]
    assert completion["work_notes"] == "更换水泵密封圈，试运行正常"
    photos = engineer.get(
        f"/evidence?property_id={engineer.property_id}&context_type=workorder_after&limit=100"
    )["items"]
    sha = hashlib.sha256(photo).hexdigest()
    assert any(p["sha256"] == sha for p in photos), [p["sha256"] for p in photos]


def test_engineer_pauses_with_a_reason_and_declines_another_order(
    live: Any, new_phone: Callable[[], Page]
) -> None:
    """The steps back an engineer takes on the phone, each with the reason the desk will read."""
    page = new_phone()
    desk = Api(page.request, live.url, "fd1", live.demo_password)
    engineer = Api(page.request, live.url, "eng1", live.demo_password)
    tag = uuid.uuid4().hex[:5]
    paused = new_order(desk, engineer.user["id"], f"配电房跳闸 {tag}")
    declined = new_order(desk, engineer.user["id"], f"业主门锁维修 {tag}")

    sign_in(page, live.url, "eng1", live.demo_password)
    row = page.locator(f"[data-testid=work-order][data-order-id='{paused['id']}']")
    expect(row).to_be_visible(timeout=15_000)
    row.locator("[data-testid=wo-step-accept]").tap()
    row.locator("[data-testid=wo-step-arrive]").tap()
    expect(row).to_have_attribute("data-state", "on_site")
    row.locator("[data-testid=wo-step-pause]").tap()
    row.locator("[data-testid=wo-reason-submit]").tap()
    expect(row.locator("[data-testid=wo-reason-form] [role=alert]")).to_have_text("请填写原因。")
    row.locator("[data-testid=wo-reason]").fill("等配件：空气开关")
    row.locator("[data-testid=wo-reason-submit]").tap()
    expect(row).to_have_attribute("data-state", "paused")
    expect(row.locator("[data-testid=wo-step-resume]")).to_be_visible()

    other = page.locator(f"[data-testid=work-order][data-order-id='{declined['id']}']")
    other.locator("[data-testid=wo-step-decline]").tap()
    other.locator("[data-testid=wo-reason]").fill("非本专业，请派木工")
    other.locator("[data-testid=wo-reason-submit]").tap()
    expect(other.locator("[data-testid=wo-step-handed-back]")).to_be_visible()

    def settled_on_server() -> Any:
        first = engineer.get(f"/workorders/{paused['id']}")
        second = desk.get(f"/workorders/{declined['id']}")
        return (first, second) if (first["state"], second["state"]) == ("paused", "new") else None

    both = eventually(settled_on_server, timeout=30)
    assert both, queued(page)
    assert both[0]["pause_reason"] == "等配件：空气开关"


@pytest.mark.no_service_worker
def test_a_step_still_queued_after_a_reload_is_shown_and_the_next_one_follows_it(
    live: Any, new_phone: Callable[[], Page]
) -> None:
    """The server is briefly down (503): the accept stays in the outbox. After a reload the list
    from the server still says assigned, but the phone shows what the engineer did (accepted) and
    the arrive tapped next is chained behind the queued accept, so both land in order."""
    page = new_phone()
    desk = Api(page.request, live.url, "fd1", live.demo_password)
    engineer = Api(page.request, live.url, "eng1", live.demo_password)
    order = new_order(desk, engineer.user["id"], f"楼道灯不亮 {uuid.uuid4().hex[:5]}")
    accept_url = re.compile(rf".*/api/v1/workorders/{order['id']}/accept$")

    def unavailable(route: Route) -> None:
        route.fulfill(
            status=503,
            headers={"Retry-After": "1"},
            json={"code": "unavailable", "message": "down", "details": {}},
        )

    page.route(accept_url, unavailable)
    sign_in(page, live.url, "eng1", live.demo_password)
    row = page.locator(f"[data-testid=work-order][data-order-id='{order['id']}']")
    expect(row).to_be_visible(timeout=15_000)
    row.locator("[data-testid=wo-step-accept]").tap()
    expect(row).to_have_attribute("data-state", "accepted")

    page.reload()
    row = page.locator(f"[data-testid=work-order][data-order-id='{order['id']}']")
    expect(row).to_have_attribute("data-state", "accepted", timeout=15_000)
    assert engineer.get(f"/workorders/{order['id']}")["state"] == "assigned"
    row.locator("[data-testid=wo-step-arrive]").tap()
    expect(row).to_have_attribute("data-state", "on_site")

    page.unroute(accept_url, unavailable)
    page.locator("[data-testid=outbox-link]").tap()
    page.locator("[data-testid=outbox-sync]").tap()  # 同步: no waiting for the back-off
    on_site = eventually(
        lambda: engineer.get(f"/workorders/{order['id']}")["state"] == "on_site", timeout=30
    )
    assert on_site, (engineer.get(f"/workorders/{order['id']}"), queued(page))


# ---- front desk ----------------------------------------------------------------------------------


def test_front_desk_records_a_request_and_dispatches_it(
    live: Any, new_phone: Callable[[], Page], artifacts: Path
) -> None:
    page = new_phone()
    desk = Api(page.request, live.url, "fd1", live.demo_password)
    engineer_id = Api(page.request, live.url, "eng1", live.demo_password).user["id"]
    tag = uuid.uuid4().hex[:5]

    sign_in(page, live.url, "fd1", live.demo_password)
    intake = page.locator("[data-testid=desk-intake]")
    intake.locator("[data-testid=intake-open]").tap()
    intake.locator("[data-testid=intake-matter]").fill(f"厨房水龙头漏水 {tag}")
    intake.locator("[data-testid=intake-place]").fill("15 栋 1203")
    intake.locator("[data-testid=intake-phone]").fill("13800138000")
    page.screenshot(path=str(artifacts / "desk-intake-zh-360x640.png"))
    intake.locator("[data-testid=intake-submit]").tap()
    expect(intake.locator("[data-testid=intake-queued]")).to_be_visible()

    def request_of() -> dict[str, Any] | None:
        items = desk.get(f"/requests?property_id={desk.property_id}&state=open&limit=100")
        return next((r for r in items["items"] if tag in r["matter"]), None)

    request = eventually(request_of)
    assert request and request["kind"] == "repair" and request["channel"] == "visit", request

    page.reload()
    row = page.locator(f"[data-testid=desk-request][data-request-id='{request['id']}']")
    expect(row).to_be_visible(timeout=15_000)
    row.locator("[data-testid=request-dispatch]").tap()
    row.locator("[data-testid=dispatch-category]").select_option("plumbing")
    row.locator("[data-testid=dispatch-priority]").select_option("urgent")
    row.locator("[data-testid=dispatch-engineer]").select_option(str(engineer_id))
    row.locator("[data-testid=dispatch-submit]").tap()
    expect(row.locator("[data-testid=request-dispatched]")).to_be_visible()

    def order_of() -> dict[str, Any] | None:
        items = desk.get(f"/workorders?property_id={desk.property_id}&request_id={request['id']}")
        return items["items"][0] if items["items"] else None

    order = eventually(order_of)
    assert order, queued(page)
    assert order["assignee_id"] == engineer_id and order["state"] == "assigned", order
    assert order["priority"] == "urgent" and order["category"] == "plumbing", order


def test_front_desk_verifies_a_done_order_and_records_the_return_visit(
    live: Any, new_phone: Callable[[], Page], artifacts: Path
) -> None:
    page = new_phone()
    desk = Api(page.request, live.url, "fd1", live.demo_password)
    engineer = Api(page.request, live.url, "eng1", live.demo_password)
    tag = uuid.uuid4().hex[:5]
    order = new_order(desk, engineer.user["id"], f"楼道灯不亮 {tag}", category="electrical")
    path = f"/workorders/{order['id']}"
    engineer.act(f"{path}/accept", {}, path)
    engineer.act(f"{path}/arrive", {}, path)
    photo = engineer.upload_photo(jpeg(7401), "workorder_after", str(order["id"]))
    engineer.post(
        f"{path}/completions",
        {"work_notes": "更换灯管", "after_photo_client_ids": [photo["client_id"]]},
    )

    sign_in(page, live.url, "fd1", live.demo_password)
    row = page.locator(
        f"[data-testid=desk-verify] [data-testid=work-order][data-order-id='{order['id']}']"
    )
    expect(row).to_be_visible(timeout=15_000)
    row.locator("[data-testid=order-verify]").tap()
    expect(row.locator("[data-testid=desk-action-queued]")).to_be_visible()
    assert eventually(lambda: desk.get(path)["state"] == "verified"), queued(page)

    page.reload()
    visit = page.locator(f"[data-testid=visit-item][data-kind=work_order][data-id='{order['id']}']")
    expect(visit).to_be_visible(timeout=15_000)
    visit.locator("[data-testid=visit-open]").tap()
    visit.locator("[data-testid=visit-submit]").tap()
    expect(visit.locator("[role=alert]")).to_have_text("请为四项都打分（1–5 星）。")
    for aspect, stars in (("speed", 5), ("attitude", 5), ("quality", 4), ("result", 4)):
        visit.locator(f"[data-testid=visit-rate-{aspect}] [aria-label='{stars}']").tap()
    visit.locator("[data-testid=visit-comment]").fill("很满意")
    visit.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "desk-return-visit-zh-360x640.png"))
    visit.locator("[data-testid=visit-submit]").tap()
    expect(visit.locator("[data-testid=visit-queued]")).to_be_visible()

    def visited() -> Any:
        detail = desk.get(path)
        return detail if detail["state"] == "visited" else None

    detail = eventually(visited)
    assert detail, (desk.get(path), queued(page))
    assert detail["visits"][0]["quality"] == 4 and detail["visits"][0]["method"] == "phone"


# ---- supervisor ----------------------------------------------------------------------------------


def test_supervisor_sees_missed_patrols_and_overdue_orders(
    live: Any, new_phone: Callable[[], Page], artifacts: Path
) -> None:
    from sqlalchemy import update

    from xunjian.workorders.models import WorkOrder

    page = new_phone()
    setup = Api(page.request, live.url, "sup1", live.demo_password)
    desk = Api(page.request, live.url, "fd1", live.demo_password)
    engineer_id = Api(page.request, live.url, "eng1", live.demo_password).user["id"]
    pid, tag = setup.property_id, uuid.uuid4().hex[:5].upper()
    point = setup.post(
        f"/patrol/properties/{pid}/checkpoints", {"code": f"SV-{tag}", "name_zh": "配电房"}
    )
    # A window that ended a minute after midnight today (property time): missed by now.
    weekday = dt.datetime.now(SHANGHAI).isoweekday()
    setup.post(
        f"/patrol/properties/{pid}/routes",
        {
            "code": f"M-{tag}",
            "name_zh": f"凌晨巡查 {tag}",
            "stops": [{"checkpoint_id": point["id"]}],
            "windows": [
                {
                    "weekdays": [weekday],
                    "start": "00:00",
                    "end": "00:01",
                    "start_tolerance_minutes": 0,
                }
            ],
        },
    )
    order = new_order(desk, engineer_id, f"消防水泵异响 {tag}")
    # Arrange an overdue order without waiting a day: move its deadline into the past.
    with live.sessions() as session:
        past = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
        session.execute(
            update(WorkOrder).where(WorkOrder.id == order["id"]).values(completion_due_at=past)
        )
        session.commit()

    sign_in(page, live.url, "sup1", live.demo_password)
    oversight = page.locator("[data-testid=oversight]")
    run = oversight.locator("[data-testid=late-run]", has_text=f"M-{tag}")
    expect(run).to_be_visible(timeout=15_000)
    expect(run).to_contain_text("漏巡")
    late = oversight.locator(f"[data-testid=overdue-order][data-order-id='{order['id']}']")
    expect(late).to_contain_text("完成超时")
    settled(page)
    oversight.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "supervisor-oversight-zh-360x640.png"))


# ---- floor manager: renovation -------------------------------------------------------------------


def active_site(fm: Api, manager: Api) -> dict[str, Any]:
    """A renovation in progress at a unit of fm's property (the first unit that has none)."""
    today = dt.datetime.now(SHANGHAI).date()
    units = fm.get(f"/units?property_id={fm.property_id}&limit=100")["items"]
    for unit in units:
        answer = fm.request.post(
            f"{fm.url}/api/v1/renovation/properties/{fm.property_id}/renovations",
            headers=fm.headers,
            data={
                "unit_id": unit["id"],
                "start_date": today.isoformat(),
                "end_date": (today + dt.timedelta(days=30)).isoformat(),
                "deposit_amount": 2000,
                "owner_name": "陈业主",
                "contractor_company": "E2E 装饰公司",
            },
        )
        if answer.status == 409:
            continue  # this unit already has a renovation
        assert answer.ok, answer.text()
        site = answer.json()
        path = f"/renovation/renovations/{site['id']}"
        permit = {
            "permit_no": f"SG-{uuid.uuid4().hex[:6].upper()}",
            "permit_valid_from": today.isoformat(),
            "permit_valid_to": (today + dt.timedelta(days=30)).isoformat(),
        }
        manager.act(f"{path}/approve", permit, path)
        return fm.act(f"{path}/transition", {"event": "start"}, path)
    raise AssertionError("no unit without a renovation")


def inspected_violation(fm: Api, site: dict[str, Any], seed: int, note: str) -> dict[str, Any]:
    """An inspection of ``site`` (over the API) with the first checklist item a violation, with a
    photo; returns the violation's result."""
    item = min(
        (
            i
            for i in fm.get("/renovation/checklist")["items"]
            if i["kind"] == "item" and not i["retired"]
        ),
        key=lambda i: i["position"],
    )
    evidence = fm.upload_photo(jpeg(seed), "renovation_item")
    result = {
        "code": item["code"],
        "result": "violation",
        "note": note,
        "photo_client_ids": [evidence["client_id"]],
    }
    inspection = fm.post(f"/renovation/renovations/{site['id']}/inspections", {"results": [result]})
    return next(r for r in inspection["results"] if r["result"] == "violation")


def test_floor_manager_inspects_a_renovation_site_due_today(
    live: Any, new_phone: Callable[[], Page], artifacts: Path
) -> None:
    page = new_phone()
    fm = Api(page.request, live.url, "fm1", live.demo_password)
    manager = Api(page.request, live.url, "mgr1", live.demo_password)
    site = active_site(fm, manager)
    items = [
        i
        for i in fm.get("/renovation/checklist")["items"]
        if i["kind"] == "item" and not i["retired"]
    ]
    items.sort(key=lambda i: i["position"])
    wrong, absent = items[0]["code"], items[1]["code"]

    sign_in(page, live.url, "fm1", live.demo_password)
    due = page.locator(f"[data-testid=due-site][data-renovation-id='{site['id']}']")
    expect(due).to_be_visible(timeout=15_000)
    expect(page.locator("[data-testid=open-notices]").first).to_be_visible()
    due.locator("[data-testid=due-site-inspect]").tap()

    screen = page.locator("[data-testid=inspection]")
    expect(screen.locator("[data-testid=check-item]")).to_have_count(len(items), timeout=15_000)
    item = screen.locator(f"[data-testid=check-item][data-code='{wrong}']")
    item.locator("[data-testid=check-violation]").tap()
    screen.locator("[data-testid=inspect-save]").tap()
    expect(screen.locator("[role=alert]")).to_contain_text(wrong)
    item.locator("[data-testid=check-note]").fill("未经批准拆改墙体")
    photo = jpeg(7501)
    item.locator("[data-testid=camera-input]").set_input_files(
        {"name": "IMG_0501.jpg", "mimeType": "image/jpeg", "buffer": photo}
    )
    expect(item.locator("[data-testid=capture-saved]")).to_be_visible()
    screen.locator(
        f"[data-testid=check-item][data-code='{absent}'] [data-testid=check-not_applicable]"
    ).tap()
    item.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "renovation-inspection-zh-360x640.png"))
    screen.locator("[data-testid=inspect-save]").tap()
    expect(screen.locator("[data-testid=inspect-saved]")).to_be_visible()
    outbox_empty(page)

    inspections = eventually(
        lambda: fm.get(f"/renovation/renovations/{site['id']}/inspections")["items"]
    )
    assert inspections, queued(page)
    inspection = fm.get(f"/renovation/inspections/{inspections[0]['id']}")
    results = {r["code"]: r for r in inspection["results"]}
    assert inspection["violation_count"] == 1
    assert results[wrong]["result"] == "violation" and results[absent]["result"] == "not_applicable"
    assert len(results[wrong]["photo_client_ids"]) == 1
    sha = hashlib.sha256(photo).hexdigest()
    photos = fm.get(
        f"/evidence?property_id={fm.property_id}&context_type=renovation_item&limit=100"
    )["items"]
    assert any(p["sha256"] == sha for p in photos)

    page.goto(live.url + "/#/")
    expect(page.locator("[data-testid=due-sites]")).to_be_visible(timeout=15_000)
    settled(page)
    expect(
        page.locator(f"[data-testid=due-site][data-renovation-id='{site['id']}']")
    ).to_have_count(0)
