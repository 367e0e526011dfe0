"""Work-order metrics per property and period, and their CSV/XLSX export. No Flask imports.

Definitions (each order counts once per metric, in one period; periods are local dates):

* **On-time rate** (target ≥ 98%): orders whose completion was *due* in the period; on time when
  first reported done by the due time. An order not done and already past due counts as late;
  one not done and not yet due is pending and left out.
* **Rework rate** (≤ 5%): orders first completed in the period that needed rework (failed
  verification or an unhappy return visit), as far as known when the report runs.
* **Return-visit rate, repairs** (100%): orders first completed in the period with a visit.
* **Return-visit rate, complaints** (≥ 60%): complaints handled in the period (at the desk, or
  when their work orders were done) with a visit on the complaint or on one of its orders.
* **Backlog by age**: orders not yet done at the end of the period (or now, if earlier), by
  age since creation: under 1 day, 1–2 days, 2–7 days, 7 days and more.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from .. import exports
from ..org import localtime
from ..org.models import Property
from .models import ReturnVisit, ServiceRequest, WorkOrder

TARGETS = {
    "on_time": (">=", 0.98),
    "rework": ("<=", 0.05),
    "visit_repairs": (">=", 1.0),
    "visit_complaints": (">=", 0.60),
}
LABELS = {
    "on_time": ("On-time rate", "维修及时率"),
    "rework": ("Rework rate", "返修率"),
    "visit_repairs": ("Return-visit rate (repairs)", "维修回访率"),
    "visit_complaints": ("Return-visit rate (complaints)", "投诉回访率"),
}
BUCKETS = (("under_1d", 0, 1), ("1_2d", 1, 2), ("2_7d", 2, 7), ("7d_plus", 7, None))
BUCKET_LABELS = {
    "under_1d": ("under 1 day", "1 天内"),
    "1_2d": ("1–2 days", "1–2 天"),
    "2_7d": ("2–7 days", "2–7 天"),
    "7d_plus": ("7 days and more", "7 天及以上"),
}


def _rate(numerator: int, denominator: int, key: str) -> dict[str, Any]:
    rate = round(numerator / denominator, 4) if denominator else None
    op, target = TARGETS[key]
    meets = None if rate is None else (rate >= target if op == ">=" else rate <= target)
    return {
        "numerator": numerator,
        "denominator": denominator,
        "rate": rate,
        "target": target,
        "target_op": op,
        "meets_target": meets,
    }


def compute(
    session: Session, prop: Property, start: dt.date, end: dt.date, now: dt.datetime
) -> dict[str, Any]:
    """Metrics for local dates ``start`` ≤ day ≤ ``end``."""
    lo, hi = localtime.days_bounds(prop, start, end)
    scope = WorkOrder.property_id == prop.id

    due = list(
        session.scalars(
            select(WorkOrder).where(
                scope, WorkOrder.completion_due_at >= lo, WorkOrder.completion_due_at < hi
            )
        )
    )
    on_time = late = 0
    detail = []
    for order in due:
        if order.first_done_at is not None:
            ok = order.first_done_at <= order.completion_due_at
        elif order.completion_due_at <= now:
            ok = False
        else:
            continue  # not done, not yet due: pending
        on_time += ok
        late += not ok
        detail.append((order, ok))

    completed = list(
        session.scalars(
            select(WorkOrder).where(
                scope, WorkOrder.first_done_at >= lo, WorkOrder.first_done_at < hi
            )
        )
    )
    completed_ids = [o.id for o in completed]
    visited_orders = set(
        session.scalars(
            select(ReturnVisit.work_order_id).where(ReturnVisit.work_order_id.in_(completed_ids))
        )
    )
    complaints = list(
        session.scalars(
            select(ServiceRequest).where(
                ServiceRequest.property_id == prop.id,
                ServiceRequest.kind == "complaint",
                ServiceRequest.handled_at >= lo,
                ServiceRequest.handled_at < hi,
            )
        )
    )
    complaint_ids = [c.id for c in complaints]
    visited_complaints = set(
        session.scalars(
            select(ReturnVisit.request_id).where(ReturnVisit.request_id.in_(complaint_ids))
        )
    ) | set(
        session.scalars(
            select(WorkOrder.request_id)
            .join(ReturnVisit, ReturnVisit.work_order_id == WorkOrder.id)
            .where(WorkOrder.request_id.in_(complaint_ids))
        )
    )

    as_of = min(hi, now)
    open_rows = session.scalars(
        select(WorkOrder).where(
            scope,
            WorkOrder.created_at < as_of,
            or_(WorkOrder.first_done_at.is_(None), WorkOrder.first_done_at > as_of),
            or_(WorkOrder.closed_at.is_(None), WorkOrder.closed_at > as_of),
        )
    )
    backlog = {name: 0 for name, _, _ in BUCKETS}
    for order in open_rows:
        age_days = (as_of - order.created_at) / dt.timedelta(days=1)
        for name, low, high in BUCKETS:
            if age_days >= low and (high is None or age_days < high):
                backlog[name] += 1
                break

    return {
        "property_id": prop.id,
        "start": start,
        "end": end,
        "as_of": as_of,
        "on_time": {**_rate(on_time, on_time + late, "on_time"), "late": late},
        "rework": _rate(sum(1 for o in completed if o.rework_count > 0), len(completed), "rework"),
        "visit_repairs": _rate(len(visited_orders), len(completed), "visit_repairs"),
        "visit_complaints": _rate(
            sum(1 for c in complaint_ids if c in visited_complaints),
            len(complaints),
            "visit_complaints",
        ),
        "backlog": backlog,
        "backlog_total": sum(backlog.values()),
        "_detail": detail,
    }


def summary_rows(report: dict[str, Any]) -> list[list[Any]]:
    rows: list[list[Any]] = [
        ["metric", "指标", "numerator", "denominator", "rate", "target", "meets_target"]
    ]
    for key, (en, zh) in LABELS.items():
        m = report[key]
        target = f"{m['target_op']} {m['target']:.0%}"
        rows.append(
            [en, zh, m["numerator"], m["denominator"], m["rate"], target, m["meets_target"]]
        )
    for name, (en, zh) in BUCKET_LABELS.items():
        rows.append([f"Backlog {en}", f"积压 {zh}", report["backlog"][name], "", "", "", ""])
    return rows


def to_csv(report: dict[str, Any]) -> bytes:
    head = ["property_id", report["property_id"], "from", report["start"], "to", report["end"]]
    return exports.csv_bytes([head, *summary_rows(report)])


def to_xlsx(report: dict[str, Any]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "summary"
    sheet.append(
        exports.row(
            [
                "property_id",
                report["property_id"],
                "from",
                str(report["start"]),
                "to",
                str(report["end"]),
            ]
        )
    )
    for row in summary_rows(report):
        sheet.append(exports.row(row))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in sheet.iter_rows(min_row=3, min_col=5, max_col=5):
        for cell in row:
            cell.number_format = "0.00%"
    detail = book.create_sheet("on_time_orders")
    detail.append(
        ["order", "priority", "created (UTC)", "due (UTC)", "first done (UTC)", "on_time"]
    )
    for order, ok in report["_detail"]:
        detail.append(
            exports.row(
                [
                    order.id,
                    order.priority,
                    _naive(order.created_at),
                    _naive(order.completion_due_at),
                    _naive(order.first_done_at),
                    ok,
                ]
            )
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _naive(value: dt.datetime | None) -> dt.datetime | None:
    """Excel has no time zones: cells hold UTC wall time (the header says so)."""
    return value.astimezone(dt.UTC).replace(tzinfo=None) if value else None
