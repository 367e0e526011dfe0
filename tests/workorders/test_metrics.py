"""Metrics arithmetic on a fixture month (November 2026 at CUIHU), and the CSV/XLSX export.

The report runs on 28 November 12:00 local time, so the month is partly still open:

* on time: 48 orders due 10 Nov done an hour early, 1 due 30 Nov 23:59 done early (on time);
  1 due 20 Nov not done (late); 2 due later in the month not done yet (pending, left out);
  orders due 31 Oct 23:30 and 1 Dec 00:00 local are outside → 49 / 50 = 98% (meets ≥ 98%).
* completed in the month: the 49 above plus the one due 31 Oct done 1 Nov 00:30 → 50;
  2 of them reworked → 4% (meets ≤ 5%); 45 visited → 90% (misses 100%).
* complaints handled in the month: 5; visited 2 directly and 1 through its work order → 60%.
* backlog now: 2 under a day, 1 of 1–2 days, 1 of exactly 2 days (2–7), 1 of 11 days.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from tests.workorders.helpers import make_order, user_id
from xunjian.workorders.models import ReturnVisit, ServiceRequest

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=TZ)


def L(month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=TZ)


def done(session, pid, created, due, first_done, **kw):
    return make_order(
        session,
        pid,
        created_at=created,
        completion_due_at=due,
        state="done",
        done_at=first_done,
        first_done_at=first_done,
        done_by_id=kw.pop("engineer"),
        **kw,
    )


def visit(session, pid, visitor, **matter):
    session.add(
        ReturnVisit(
            property_id=pid,
            client_id=uuid.uuid4(),
            method="phone",
            visitor_id=visitor,
            visited_at=L(11, 27),
            attitude=5,
            speed=5,
            quality=5,
            result=5,
            satisfied=True,
            **matter,
        )
    )


@pytest.fixture
def month(session, demo, clock):
    pid, eng, fd = demo.cuihu, user_id(session, "eng1"), user_id(session, "fd1")

    def complaint(handled: dt.datetime) -> ServiceRequest:
        row = ServiceRequest(
            property_id=pid,
            channel="phone",
            kind="complaint",
            complaint_form="oral",
            matter="投诉",
            received_by_id=fd,
            received_at=handled - dt.timedelta(hours=3),
            recorded_at=handled - dt.timedelta(hours=3),
            responsible_id=fd,
            reply_due_at=handled,
            state="handled",
            handled_at=handled,
            handled_by_id=fd,
        )
        session.add(row)
        session.flush()
        return row

    old = complaint(L(10, 20, 10))
    complaints = [complaint(L(11, 15, 10)) for _ in range(5)]
    visit(session, pid, fd, request_id=old.id)
    visit(session, pid, fd, request_id=complaints[1].id)
    visit(session, pid, fd, request_id=complaints[3].id)

    on_time = [
        done(session, pid, L(11, 7, 10), L(11, 10, 10), L(11, 10, 9), engineer=eng)
        for _ in range(48)
    ]
    first = on_time[0]
    first.source, first.request_id = "request", complaints[2].id  # visited below: counts for it
    for order in on_time[1:3]:
        order.rework_count = 1
    for order in on_time[:45]:
        visit(session, pid, fd, work_order_id=order.id)
    done(session, pid, L(11, 27, 8), L(11, 30, 23, 59), L(11, 27, 9), engineer=eng)  # boundary
    make_order(session, pid, created_at=L(11, 17, 10), completion_due_at=L(11, 20, 10))  # late
    done(session, pid, L(10, 28, 23, 30), L(10, 31, 23, 30), L(11, 1, 0, 30), engineer=eng)
    make_order(session, pid, created_at=L(11, 28), completion_due_at=L(12, 1))  # outside
    make_order(session, pid, created_at=L(11, 26, 12), completion_due_at=L(11, 29, 12))  # 2 days
    make_order(session, pid, created_at=L(11, 28, 8), completion_due_at=L(12, 1, 8))
    make_order(session, pid, created_at=L(11, 27, 6), completion_due_at=L(11, 30, 6))  # pending
    make_order(
        session,
        pid,
        created_at=L(11, 28, 6),
        completion_due_at=L(12, 1, 6),
        state="unresolvable",
        closed_at=L(11, 28, 7),
        close_reason="无法解决",
    )
    # another property's orders never count here
    make_order(session, demo.jinrong, created_at=L(11, 9), completion_due_at=L(11, 10))
    session.commit()
    clock.set(NOW.astimezone(dt.UTC))
    return pid


def test_metrics_arithmetic_on_a_fixture_month(month, wo):
    m = wo.user("sup1").get(f"/api/v1/properties/{month}/workorder-metrics?month=2026-11").json
    assert m["start"] == "2026-11-01" and m["end"] == "2026-11-30"
    assert m["as_of"] == NOW.astimezone(dt.UTC).isoformat()
    assert m["on_time"] == {
        "numerator": 49,
        "denominator": 50,
        "late": 1,
        "rate": 0.98,
        "target": 0.98,
        "target_op": ">=",
        "meets_target": True,
    }
    assert (m["rework"]["numerator"], m["rework"]["denominator"]) == (2, 50)
    assert m["rework"]["rate"] == 0.04 and m["rework"]["meets_target"] is True
    assert (m["visit_repairs"]["numerator"], m["visit_repairs"]["denominator"]) == (45, 50)
    assert m["visit_repairs"]["rate"] == 0.9 and m["visit_repairs"]["meets_target"] is False
    assert (m["visit_complaints"]["numerator"], m["visit_complaints"]["denominator"]) == (3, 5)
    assert m["visit_complaints"]["rate"] == 0.6 and m["visit_complaints"]["meets_target"] is True
    assert m["backlog"] == {"under_1d": 2, "1_2d": 1, "2_7d": 1, "7d_plus": 1}
    assert m["backlog_total"] == 5


def test_empty_period_has_no_rates(month, wo):
    m = wo.user("fd1").get(f"/api/v1/properties/{month}/workorder-metrics?month=2026-09").json
    assert m["on_time"]["rate"] is None and m["on_time"]["meets_target"] is None
    assert m["backlog_total"] == 0


def test_period_arguments(month, wo):
    url = f"/api/v1/properties/{month}/workorder-metrics"
    same = wo.user("fd1").get(url + "?start=2026-11-01&end=2026-11-30").json
    assert same["on_time"]["numerator"] == 49
    default = wo.user("fd1").get(url).json
    assert (default["start"], default["end"]) == ("2026-11-01", "2026-11-28")
    assert wo.user("fd1").get(url + "?start=2026-11-30&end=2026-11-01").status_code == 422
    assert wo.user("fd1").get(url + "?start=2026-11-01").status_code == 422
    assert wo.user("fd1").get(url + "?month=2026-13").status_code == 422
    assert wo.user("eng1").get(url).status_code == 403


def test_csv_export(month, wo):
    r = wo.user("mgr1").get(
        f"/api/v1/properties/{month}/workorder-metrics/export?month=2026-11&format=csv"
    )
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert "attachment" in r.headers["Content-Disposition"]
    text = r.data.decode("utf-8-sig")
    rows = {row[0]: row for row in csv.reader(io.StringIO(text)) if row}
    assert rows["On-time rate"][1:5] == ["维修及时率", "49", "50", "0.98"]
    assert rows["Rework rate"][2:5] == ["2", "50", "0.04"]
    assert rows["Return-visit rate (repairs)"][4:] == ["0.9", ">= 100%", "False"]
    assert rows["Return-visit rate (complaints)"][2:4] == ["3", "5"]
    assert rows["Backlog 7 days and more"][2] == "1"


def test_xlsx_export(month, wo):
    r = wo.user("mgr1").get(f"/api/v1/properties/{month}/workorder-metrics/export?month=2026-11")
    assert r.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(r.data))
    summary = book["summary"]
    rows = {row[0]: row for row in summary.iter_rows(values_only=True)}
    assert rows["On-time rate"][2:5] == (49, 50, 0.98)
    assert rows["Return-visit rate (repairs)"][6] is False
    detail = list(book["on_time_orders"].iter_rows(values_only=True))
    assert len(detail) == 1 + 50
    assert sum(1 for row in detail[1:] if row[5] is False) == 1
