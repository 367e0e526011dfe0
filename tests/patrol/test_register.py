"""The Patrol Register (巡查登记表): JSON, CSV and a printable PDF with Chinese text."""

from __future__ import annotations

import csv
import io
import uuid

import pytest

from tests.patrol.conftest import assert_error, north, pdf_text


@pytest.fixture
def day_of_patrols(site, patrol, clock):
    phone = patrol("fm1")
    run = phone.start(site.route).json
    first = phone.qr(run["id"], site.cp(1)).json
    clock.advance(minutes=3)
    lat, lon = north(320, *site.position(2))
    phone.qr(run["id"], site.cp(2), latitude=lat, longitude=lon, accuracy_m=10)
    phone.finding(
        run["id"],
        outcome="problem",
        category="fire_safety",
        note="消防栓被杂物遮挡",
        photo_client_ids=[str(uuid.uuid4())],
        checkin_client_id=first["client_id"],
    )
    phone.finish(run["id"], reason="接到紧急报修")
    return run["id"]


def _url(site, suffix=""):
    return f"/api/v1/patrol/properties/{site.property_id}/register{suffix}?date=2026-11-23"


def test_register_json_lists_runs_checkins_and_findings(site, day_of_patrols, as_user):
    body = as_user("sup1").get(_url(site)).json
    (entry,) = body["runs"]
    assert entry["run"]["id"] == day_of_patrols and entry["run"]["state"] == "ended_early"
    assert entry["runner_name"].startswith("张伟")
    assert [c["checkpoint_code"] for c in entry["checkins"]] == ["T1", "T2"]
    assert entry["checkins"][0]["place"] == "1栋"
    (finding,) = entry["findings"]
    assert finding["finding"]["note"] == "消防栓被杂物遮挡"
    assert as_user("fm1").get(_url(site)).status_code == 200  # floor managers fill it in
    empty = as_user("sup1").get(
        f"/api/v1/patrol/properties/{site.property_id}/register?date=2026-11-20"
    )
    assert empty.json["runs"] == []


def test_register_csv(site, day_of_patrols, as_user):
    r = as_user("sup1").get(_url(site, ".csv"))
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert "attachment" in r.headers["Content-Disposition"]
    assert r.data.startswith("\ufeff".encode())  # Excel needs the BOM for Chinese
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["记录", "巡查编号", "路线"]
    kinds = [row[0] for row in rows[1:]]
    assert kinds == ["巡查", "打卡", "打卡", "发现"]
    flagged = rows[3]
    assert "电子围栏外" in flagged[-1]
    assert rows[4][13] == "消防栓被杂物遮挡"
    english = as_user("sup1").get(_url(site, ".csv") + "&lang=en")
    assert english.data.decode("utf-8-sig").startswith("record,run_id,route")


def test_register_pdf_contains_the_chinese_text(site, day_of_patrols, as_user):
    r = as_user("sup1").get(_url(site, ".pdf"))
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    text = pdf_text(r.data)
    for expected in (
        "《巡查登记表》",
        "翠湖花园",
        "2026-11-23",
        "测试点T1",
        "消防栓被杂物遮挡",
        "提前结束",
        "接到紧急报修",
        "电子围栏外",
        "主管审核",
    ):
        assert expected in text, expected


def test_register_of_another_property_is_not_found(site, as_user, demo):
    assert_error(as_user("fm1").get(f"/api/v1/patrol/properties/{demo.jinrong}/register.pdf"), 404)
