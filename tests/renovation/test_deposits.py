"""Deposit settlement: itemised deductions, manager approval, refund or shortfall; the PDF."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from tests.renovation.conftest import R, assert_error, make_site, pdf_text, unit_id, violation
from xunjian.renovation.deposits import balance
from xunjian.renovation.models import Renovation


@pytest.fixture
def finished(session, clock, demo):
    unit = unit_id(session, demo.cuihu, "B1", "202")
    return make_site(session, clock, demo.cuihu, unit, state="completion_inspection")


def _settle(as_user, site_id, deductions, username="fd1"):
    return as_user(username).post(
        f"{R}/renovations/{site_id}/settlement",
        json={"client_id": str(uuid.uuid4()), "deductions": deductions},
    )


def test_balance_arithmetic():
    within = balance("5000.00", ["1200.50", "800"])
    assert (str(within.deductions), str(within.refund), str(within.shortfall)) == (
        "2000.50",
        "2999.50",
        "0.00",
    )
    above = balance("5000", ["4000", "1500.25"])
    assert (str(above.refund), str(above.shortfall)) == ("0.00", "500.25")
    exact = balance("0.30", ["0.10", "0.20"])  # no float drift
    assert (str(exact.refund), str(exact.shortfall)) == ("0.00", "0.00")


def test_deductions_within_the_deposit_are_refunded(as_user, phone, finished, session):
    ins = phone("fm1").inspect(finished.id, [violation("R12", "防水层破坏")]).json
    assert ins["kind"] == "completion"
    vid = next(x["id"] for x in ins["results"] if x["result"] == "violation")
    r = _settle(
        as_user,
        finished.id,
        [
            {"violation_id": vid, "description": "破坏防水层，重做闭水试验", "amount": "1200.50"},
            {"kind": "damage", "description": "电梯轿厢划伤", "amount": 800},
        ],
    )
    assert r.status_code == 201, r.json
    s = r.json
    assert s["state"] == "draft" and s["deposit_amount"] == "5000.00"
    assert s["total_deductions"] == "2000.50" and s["refund_amount"] == "2999.50"
    assert s["shortfall_amount"] == "0.00"
    assert [d["kind"] for d in s["deductions"]] == ["violation", "damage"]

    url = f"{R}/settlements/{s['id']}"
    fd = phone("fd1")
    r = fd.act(url + "/submit", fd.get(url).headers["ETag"])
    assert r.json["state"] == "submitted"
    waiting = as_user("mgr1").get(f"{R}/approvals").json["settlements"]
    assert [x["id"] for x in waiting] == [s["id"]]
    assert waiting[0]["etag"] == fd.get(url).headers["ETag"]  # the single GET's, to decide offline
    assert_error(phone("sup1").act(url + "/decision", decision="approved"), 403)
    assert_error(phone("fd1").act(url + "/decision", decision="approved"), 403)
    r = phone("mgr1").act(url + "/decision", decision="approved", note="同意扣款")
    assert r.status_code == 200 and r.json["state"] == "approved", r.json
    session.expire_all()
    site = session.scalar(select(Renovation).where(Renovation.id == finished.id))
    assert site.state == "deposit_settled" and site.settled_at is not None

    text = pdf_text(as_user("fd1").get(url + "/statement").data)
    for expected in (
        "装修押金结算单",
        "1栋 202",
        "5000.00",
        "2000.50",
        "2999.50",
        "电梯轿厢划伤",
        "退还业主",
    ):
        assert expected in text, expected
    english = pdf_text(as_user("fd1").get(url + "/statement?lang=en").data)
    assert "Refund to the owner" in english and "2999.50" in english


def test_deductions_above_the_deposit_leave_a_shortfall(as_user, phone, finished):
    r = _settle(
        as_user,
        finished.id,
        [
            {"kind": "damage", "description": "外立面损坏修复", "amount": "4000"},
            {"kind": "other", "description": "违约金", "amount": "1500.25"},
        ],
    )
    s = r.json
    assert (s["refund_amount"], s["shortfall_amount"]) == ("0.00", "500.25")
    url = f"{R}/settlements/{s['id']}"
    mgr = phone("mgr1")
    mgr.act(url + "/submit")
    r = mgr.act(url + "/decision", decision="rejected", note="外立面金额需复核")
    assert r.json["state"] == "rejected"
    # revising a rejected settlement brings it back to draft with new totals
    r = phone("fd1").client.patch(
        url,
        json={
            "deductions": [{"kind": "damage", "description": "外立面损坏修复", "amount": "3000"}]
        },
        headers={"If-Match": "*"},
    )
    assert r.status_code == 200, r.json
    assert (r.json["state"], r.json["refund_amount"], r.json["shortfall_amount"]) == (
        "draft",
        "2000.00",
        "0.00",
    )
    text = pdf_text(as_user("fd1").get(url + "/statement").data)
    assert "2000.00" in text


def test_bad_deductions_and_wrong_state(as_user, phone, site, finished):
    err = assert_error(
        _settle(as_user, finished.id, [{"kind": "damage", "description": "x", "amount": "-5"}]),
        422,
        "amount_not_positive",
    )
    assert "deductions[0].amount" in err["details"]["fields"]["json"]
    assert_error(
        _settle(as_user, finished.id, [{"kind": "damage", "description": "x", "amount": "0"}]), 422
    )
    assert_error(
        _settle(as_user, finished.id, [{"kind": "violation", "description": "x", "amount": "5"}]),
        422,
    )
    # a site still at work has no settlement yet
    assert_error(_settle(as_user, site.id, []), 409, "illegal_transition")
    assert _settle(as_user, finished.id, []).status_code == 201
    assert_error(_settle(as_user, finished.id, []), 409, "settlement_exists")
