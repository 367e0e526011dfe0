"""The Patrol Register (《巡查登记表》) of a property and day: JSON, CSV and a printable PDF.

A day is the property's local calendar day; the register lists the runs started that day with
every check-in and finding of those runs (a night round past midnight stays on its start day).
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import exports
from ..org import localtime
from ..org.models import Property
from .labels import cjk_font, place_of, places
from .models import Checkin, Checkpoint, Finding, Route, Run
from .planning import user_names
from .runs import photos_of

METHODS_ZH = {"qr": "二维码", "nfc": "NFC", "gps": "GPS"}
STATES_ZH = {"in_progress": "进行中", "completed": "已完成", "ended_early": "提前结束"}
OUTCOMES_ZH = {"ok": "正常", "problem": "问题"}
CATEGORIES_ZH = {
    "cleaning": "保洁",
    "security": "安全",
    "facility": "设施设备",
    "fire_safety": "消防",
    "renovation": "装修",
    "parking": "停车",
    "greenery": "绿化",
    "other": "其他",
}


def register_day(session: Session, prop: Property, day: dt.date) -> dict[str, Any]:
    since, until = localtime.day_bounds(prop, day)
    runs = list(
        session.scalars(
            select(Run)
            .where(Run.property_id == prop.id, Run.started_at >= since, Run.started_at < until)
            .order_by(Run.started_at, Run.id)
        )
    )
    run_ids = [r.id for r in runs]
    checkins = list(
        session.scalars(
            select(Checkin)
            .where(Checkin.run_id.in_(run_ids))
            .order_by(Checkin.checked_in_at, Checkin.id)
        )
    )
    findings = list(
        session.scalars(
            select(Finding)
            .where(Finding.run_id.in_(run_ids))
            .order_by(Finding.recorded_at, Finding.id)
        )
    )
    routes = {r.id: r for r in session.scalars(select(Route).where(Route.property_id == prop.id))}
    checkpoints = {
        c.id: c
        for c in session.scalars(select(Checkpoint).where(Checkpoint.property_id == prop.id))
    }
    buildings, floors = places(session, prop.id)
    names = user_names(session, [r.runner_id for r in runs] + [c.user_id for c in checkins])
    arrived = photos_of(session, [p for f in findings for p in f.photo_client_ids])

    def point(checkpoint_id: int | None) -> dict[str, Any]:
        cp = checkpoints.get(checkpoint_id) if checkpoint_id is not None else None
        if cp is None:
            return {"checkpoint_code": "", "checkpoint_name_zh": "", "place": ""}
        return {
            "checkpoint_code": cp.code,
            "checkpoint_name_zh": cp.name_zh,
            "place": place_of(cp, buildings, floors),
        }

    out = []
    for run in runs:
        route = routes[run.route_id]
        out.append(
            {
                "run": run,
                "route_code": route.code,
                "route_name_zh": route.name_zh,
                "runner_name": names.get(run.runner_id, ""),
                "checkins": [
                    {"checkin": c, "user_name": names.get(c.user_id, ""), **point(c.checkpoint_id)}
                    for c in checkins
                    if c.run_id == run.id
                ],
                "findings": [
                    {
                        "finding": f,
                        "photos": [
                            {"client_id": p, "evidence_id": arrived.get(p)}
                            for p in f.photo_client_ids
                        ],
                        **point(f.checkpoint_id),
                    }
                    for f in findings
                    if f.run_id == run.id
                ],
            }
        )
    return {"property_id": prop.id, "day": day, "timezone": prop.timezone, "runs": out}


def _local(value: dt.datetime | None, tz: ZoneInfo, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    return value.astimezone(tz).strftime(fmt) if value else ""


def _flags(flags: list[dict[str, Any]], lang: str) -> str:
    key = "message_zh" if lang == "zh" else "message"
    return "；".join(f[key] for f in flags) if lang == "zh" else "; ".join(f[key] for f in flags)


CSV_COLUMNS = (
    ("record", "记录"),
    ("run_id", "巡查编号"),
    ("route", "路线"),
    ("runner", "巡查人"),
    ("state", "状态"),
    ("time", "时间"),
    ("checkpoint_code", "巡查点编号"),
    ("checkpoint", "巡查点"),
    ("place", "位置"),
    ("method", "方式"),
    ("gps", "GPS"),
    ("outcome", "结果"),
    ("category", "类别"),
    ("note", "说明"),
    ("photos", "照片"),
    ("flags", "异常标记"),
)


def register_csv(data: dict[str, Any], lang: str = "zh") -> bytes:
    """The day's register as CSV (exports.py: UTF-8 with a BOM, formula-safe cells)."""
    tz = localtime.tz(data["timezone"])
    zh = lang == "zh"
    lines: list[list[Any]] = [[zh_name if zh else name for name, zh_name in CSV_COLUMNS]]
    for entry in data["runs"]:
        run = entry["run"]
        base = {
            "run_id": run.id,
            "route": f"{entry['route_code']} {entry['route_name_zh']}",
            "runner": entry["runner_name"],
        }
        rows = [
            {
                **base,
                "record": "巡查" if zh else "run",
                "state": STATES_ZH[run.state] if zh else run.state,
                "time": f"{_local(run.started_at, tz)} – {_local(run.finished_at, tz)}",
                "note": run.finish_reason,
                "flags": _flags(run.flags, lang),
            }
        ]
        for item in entry["checkins"]:
            c = item["checkin"]
            rows.append(
                {
                    **base,
                    "record": "打卡" if zh else "check-in",
                    "time": _local(c.checked_in_at, tz),
                    "checkpoint_code": item["checkpoint_code"],
                    "checkpoint": item["checkpoint_name_zh"],
                    "place": item["place"],
                    "method": METHODS_ZH[c.method] if zh else c.method,
                    "gps": f"{c.latitude:.6f},{c.longitude:.6f} ±{c.accuracy_m:.0f}m"
                    if c.latitude is not None
                    else "",
                    "flags": _flags(c.flags, lang),
                }
            )
        for item in entry["findings"]:
            f = item["finding"]
            rows.append(
                {
                    **base,
                    "record": "发现" if zh else "finding",
                    "state": f.status,
                    "time": _local(f.recorded_at, tz),
                    "checkpoint_code": item["checkpoint_code"],
                    "checkpoint": item["checkpoint_name_zh"],
                    "place": item["place"],
                    "outcome": OUTCOMES_ZH[f.outcome] if zh else f.outcome,
                    "category": CATEGORIES_ZH.get(f.category, f.category) if zh else f.category,
                    "note": f.note,
                    "photos": " ".join(p["client_id"] for p in item["photos"]),
                }
            )
        lines.extend([row.get(name, "") for name, _ in CSV_COLUMNS] for row in rows)
    return exports.csv_bytes(lines)


def register_pdf(data: dict[str, Any], prop: Property) -> bytes:
    """A landscape A4 register in Chinese, one table per run, signature lines at the end."""
    font = cjk_font()
    tz = localtime.tz(data["timezone"])
    body = ParagraphStyle("body", fontName=font, fontSize=8, leading=10, wordWrap="CJK")
    head = ParagraphStyle("head", parent=body, fontSize=10, leading=13)
    title = ParagraphStyle("title", parent=body, fontSize=15, leading=20, alignment=1)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=f"巡查登记表 {prop.name_zh} {data['day']}",
        invariant=1,
    )
    story: list[Any] = [
        Paragraph(f"《巡查登记表》 {prop.name_zh}", title),
        Paragraph(f"日期：{data['day']:%Y-%m-%d}　时区：{data['timezone']}", head),
        Spacer(1, 4 * mm),
    ]
    if not data["runs"]:
        story.append(Paragraph("当日无巡查记录。", head))

    def p(text: str) -> Paragraph:
        escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return Paragraph(escaped, body)

    widths = [22 * mm, 55 * mm, 35 * mm, 18 * mm, 60 * mm, 83 * mm]
    for entry in data["runs"]:
        run = entry["run"]
        summary = (
            f"路线 {entry['route_code']} {entry['route_name_zh']}　巡查人：{entry['runner_name']}　"
            f"{_local(run.started_at, tz, '%H:%M')}–{_local(run.finished_at, tz, '%H:%M')}　"
            f"{STATES_ZH[run.state]}"
            + (f"（原因：{run.finish_reason}）" if run.finish_reason else "")
        )
        story.append(Paragraph(summary.replace("&", "&amp;").replace("<", "&lt;"), head))
        rows = [[p("时间"), p("巡查点"), p("位置"), p("方式"), p("发现"), p("异常标记")]]
        found: dict[int | None, list[str]] = {}
        for item in entry["findings"]:
            f = item["finding"]
            text = OUTCOMES_ZH[f.outcome]
            if f.outcome == "problem":
                text += f"·{CATEGORIES_ZH.get(f.category, f.category)}：{f.note}"
                text += f"（照片 {len(item['photos'])}）" if item["photos"] else ""
            found.setdefault(f.checkin_id, []).append(text)
        for item in entry["checkins"]:
            c = item["checkin"]
            rows.append(
                [
                    p(_local(c.checked_in_at, tz, "%H:%M:%S")),
                    p(f"{item['checkpoint_code']} {item['checkpoint_name_zh']}"),
                    p(item["place"]),
                    p(METHODS_ZH[c.method]),
                    p("；".join(found.pop(c.id, []))),
                    p(_flags(c.flags, "zh")),
                ]
            )
        for texts in found.values():  # findings not tied to a check-in
            rows.append([p(""), p(""), p(""), p(""), p("；".join(texts)), p("")])
        if run.flags:
            rows.append([p(""), p("本次巡查"), p(""), p(""), p(""), p(_flags(run.flags, "zh"))])
        table = Table(rows, colWidths=widths, repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story += [table, Spacer(1, 5 * mm)]
    story += [
        Spacer(1, 8 * mm),
        Paragraph(
            "巡查人签名：＿＿＿＿＿＿＿＿　　　主管审核：＿＿＿＿＿＿＿＿　　　日期：＿＿＿＿＿＿",
            head,
        ),
    ]
    doc.build(story)
    return buffer.getvalue()
