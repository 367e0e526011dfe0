"""Issue 7's end-to-end run: a floor manager starts a patrol, loses the signal, checks in at both
stops, records a finding with a photo, finishes, reloads the app while still offline, and only
then gets the network back; the server ends with the run, both check-ins and the photo, whose
SHA-256 is the one of the bytes the camera produced.

Starting a run needs the network once (the server creates the run and its stops); everything
after that is queued in the page's outbox.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.test_outbox import jpeg
from tests.e2e.test_roles import Api, eventually, queued, sign_in


def test_patrol_with_a_photo_finding_offline_survives_a_reload(
    live: Any, new_phone: Callable[[], Page], artifacts: Path
) -> None:
    page = new_phone()
    setup = Api(page.request, live.url, "sup1", live.demo_password)
    pid, tag = setup.property_id, uuid.uuid4().hex[:5].upper()
    lobby = setup.post(
        f"/patrol/properties/{pid}/checkpoints",
        {"code": f"OFF-{tag}-1", "name_zh": "9栋大堂", "latitude": 22.5431, "longitude": 114.0579},
    )
    roof = setup.post(
        f"/patrol/properties/{pid}/checkpoints", {"code": f"OFF-{tag}-2", "name_zh": "9栋天台"}
    )
    roof_token = setup.get(f"/patrol/checkpoints/{roof['id']}/qr")["qr_token"]
    setup.post(
        f"/patrol/properties/{pid}/routes",
        {
            "code": f"R-OFF-{tag}",
            "name_zh": f"离线路线 {tag}",
            "stops": [{"checkpoint_id": lobby["id"]}, {"checkpoint_id": roof["id"]}],
        },
    )

    sign_in(page, live.url, "fm1", live.demo_password)
    # The service worker must control the page before the signal goes, or a reload offline
    # would have no shell to start from.
    page.evaluate("navigator.serviceWorker.ready")
    page.reload()
    expect(page.locator("[data-testid=greeting]")).to_be_visible()
    assert page.evaluate("navigator.serviceWorker.controller !== null")

    row = page.locator("[data-testid=route-row]", has_text=f"R-OFF-{tag}")
    expect(row).to_be_visible(timeout=15_000)
    row.locator("[data-testid=route-start]").tap()
    expect(page.locator("[data-testid=patrol-run]")).to_be_visible(timeout=20_000)
    run_id = int(page.url.rsplit("/", 1)[1])
    expect(page.locator("[data-testid=run-stop]")).to_have_count(2)

    photo = jpeg(seed=7400 + int(tag, 16) % 1000)
    sha256 = hashlib.sha256(photo).hexdigest()
    page.context.set_offline(True)
    try:
        page.locator("[data-testid=scanner-typed]").fill(f"OFF-{tag}-1")
        page.locator("[data-testid=scanner-submit]").tap()
        expect(page.locator("[data-testid=run-message]")).to_contain_text(f"OFF-{tag}-1")
        page.locator("[data-testid=scanner-typed]").fill(roof_token)
        page.locator("[data-testid=scanner-submit]").tap()
        expect(page.locator("[data-testid=run-message]")).to_contain_text(roof_token)

        form = page.locator("[data-testid=finding-form]")
        form.locator("[data-testid=finding-note]").fill("天台门锁损坏")
        form.locator("[data-testid=camera-input]").set_input_files(
            {"name": "IMG_0003.jpg", "mimeType": "image/jpeg", "buffer": photo}
        )
        expect(form.locator("[data-testid=capture-saved]")).to_be_visible()
        form.locator("[data-testid=finding-save]").tap()
        page.locator("[data-testid=run-finish]").tap()
        page.locator("[data-testid=run-finish-confirm]").tap()
        expect(page.locator("[data-testid=run-message]")).to_have_text("巡查已结束，联网后自动提交")

        # The phone was put away and the app restarted, still without a signal.
        page.reload()
        expect(page.locator("[data-testid=outbox-count]")).not_to_have_count(0)
        page.screenshot(path=str(artifacts / "patrol-offline-after-reload-zh-360x640.png"))
        fm = Api(page.request, live.url, "fm1", live.demo_password)  # not through the browser
        detail = fm.get(f"/patrol/runs/{run_id}")
        assert detail["visited"] == 0 and detail["findings"] == [], detail
    finally:
        page.context.set_offline(False)

    def arrived() -> Any:
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

    detail = eventually(arrived, timeout=40)
    assert detail, (json.dumps(fm.get(f"/patrol/runs/{run_id}"), ensure_ascii=False), queued(page))
    assert detail["findings"][0]["note"] == "天台门锁损坏"
    [evidence_id] = [p["evidence_id"] for f in detail["findings"] for p in f["photos"]]
    assert fm.get(f"/evidence/{evidence_id}")["sha256"] == sha256
    expect(page.locator("[data-testid=outbox-count]")).to_have_count(0, timeout=20_000)
