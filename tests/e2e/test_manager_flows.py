"""End to end: the manager's home — a measure that needs approval (M5, stopping the water) is
approved offline through the outbox with the ETag listed with it, and this month's work-order
figures are shown. The server is checked over the API."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.test_role_flows import active_site, inspected_violation, outbox_empty
from tests.e2e.test_roles import Api, eventually, queued, settled, sign_in


def _requested_measure(fm: Api, manager: Api) -> dict[str, Any]:
    """An issued notice at a new site with a requested M5 (it waits for the manager)."""
    site = active_site(fm, manager)
    violation = inspected_violation(fm, site, 7801, "拒不停工")
    notice = fm.post(
        f"/renovation/renovations/{site['id']}/notices",
        {"client_id": str(uuid.uuid4()), "violation_ids": [violation["id"]], "issue": True},
    )
    return fm.post(
        f"/renovation/notices/{notice['id']}/measures",
        {"client_id": str(uuid.uuid4()), "code": "M5", "note": "拒不停工，申请停水"},
    )


def test_manager_approves_a_measure_offline_and_sees_the_month(
    live: Any, new_phone: Callable[[], Page], artifacts: Path
) -> None:
    page = new_phone()
    fm = Api(page.request, live.url, "fm1", live.demo_password)
    manager = Api(page.request, live.url, "mgr1", live.demo_password)
    measure = _requested_measure(fm, manager)
    assert measure["state"] == "requested", measure

    sign_in(page, live.url, "mgr1", live.demo_password)
    panel = page.locator("[data-testid=panel-manager]")
    row = panel.locator(f"[data-testid=approval-measure][data-id='{measure['id']}']")
    expect(row).to_be_visible(timeout=15_000)
    expect(panel.locator("[data-testid=metric]")).to_have_count(4)
    expect(panel.locator("[data-testid=metric-backlog]")).to_be_visible()
    settled(page)

    page.context.set_offline(True)
    row.locator("[data-testid=decision-reject]").tap()
    expect(row.locator("[role=alert]")).to_have_text("驳回请填写理由。")
    row.locator("[data-testid=decision-note]").fill("同意停水，通知业主")
    row.locator("[data-testid=decision-approve]").tap()
    expect(row.locator("[data-testid=decision-queued]")).to_be_visible()
    expect(page.locator("[data-testid=outbox-count]")).to_be_visible()
    page.screenshot(path=str(artifacts / "manager-approval-zh-360x640.png"))

    page.context.set_offline(False)
    outbox_empty(page)

    def decided() -> bool | None:
        waiting = manager.get(f"/renovation/approvals?property_id={manager.property_id}")
        return True if all(m["id"] != measure["id"] for m in waiting["measures"]) else None

    assert eventually(decided), queued(page)
    # Approved, not refused: the floor manager may now put it in effect.
    applied = page.request.post(
        f"{live.url}/api/v1/renovation/measures/{measure['id']}/apply",
        headers={**fm.headers, "If-Match": "*"},
        data={},
    )
    assert applied.ok and applied.json()["state"] == "in_effect", applied.text()
