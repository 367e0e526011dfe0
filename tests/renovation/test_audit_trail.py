"""Every transition of the four lifecycles leaves an audit entry named after its event: the
paths not walked by the other tests (refusal, failed re-inspection, referral, cancellation,
the manager's measure decisions, a settlement sent back and approved)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from tests.renovation.conftest import R, assert_error, make_site, unit_id, violation
from xunjian.tasks import PERIODIC_JOBS, celery_app

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def _violation_ids(fm, site_id, *codes):
    ins = fm.inspect(site_id, [violation(c) for c in codes]).json
    return [x["id"] for x in ins["results"] if x["result"] == "violation"]


def _run_overdue_job(clock):
    job = next(j for j in PERIODIC_JOBS if j.name == "renovation-overdue-notices")
    return celery_app.tasks[job.task_name].apply(kwargs={"now": clock.now().isoformat()}).get()


def test_refused_overdue_escalated_referred(phone, site, clock, as_user, demo, audit_events):
    fm = phone("fm1")
    notice = fm.notice(site.id, _violation_ids(fm, site.id, "R20"), issue=True).json
    url = f"{R}/notices/{notice['id']}"
    r = fm.act(url + "/acknowledge", outcome="refused", refusal_photo_client_id=str(uuid.uuid4()))
    assert r.json["state"] == "refused"
    r = fm.client.post(
        url + "/reinspections",
        json={"passed": False, "note": "垃圾仍未清理", "photo_client_ids": [str(uuid.uuid4())]},
    )
    assert r.status_code == 201

    clock.set(dt.datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI))  # deadline 2026-11-30 passed
    assert _run_overdue_job(clock) == 1
    assert _run_overdue_job(clock) == 0  # marked once
    r = phone("sup1").act(
        url + "/escalate",
        interview_at=dt.datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI).isoformat(),
        interview_outcome="业主拒不整改",
        measures=["M7"],
    )
    assert r.status_code == 200 and r.json["state"] == "escalated", r.json
    m7 = next(m for m in r.json["measures"] if m["code"] == "M7")
    assert m7["state"] == "requested"

    # Referral to an outside body is the manager's decision.
    assert_error(phone("sup1").act(url + "/refer", referred_to="城管执法局"), 403, "forbidden")
    assert_error(phone("mgr1").act(url + "/refer", referred_to=" "), 422)
    r = phone("mgr1").act(url + "/refer", referred_to="城管执法局", reason="拒不整改")
    assert r.status_code == 200, r.json
    assert r.json["state"] == "referred" and r.json["closed_at"] and r.json["referred_to"]
    err = assert_error(phone("mgr1").act(url + "/close"), 409, "illegal_transition")
    assert err["details"]["state"] == "referred" and err["details"]["allowed_events"] == []
    open_ids = [n["id"] for n in as_user("sup1").get(f"{R}/open-notices").json["items"]]
    assert notice["id"] not in open_ids

    assert audit_events("renovation_notices", notice["id"]) == [
        "create",
        "issue",
        "refuse",
        "fail_reinspection",
        "mark_overdue",
        "escalate",
        "refer",
    ]
    assert audit_events("renovation_measures", m7["id"]) == ["request_approval"]


def test_cancelled_draft_and_measure_decisions(phone, site, audit_events):
    fm = phone("fm1")
    ids = _violation_ids(fm, site.id, "R20")
    draft = fm.notice(site.id, ids).json
    fm.act(f"{R}/notices/{draft['id']}/cancel")
    assert audit_events("renovation_notices", draft["id"]) == ["create", "cancel"]

    notice = fm.notice(site.id, ids, issue=True, measures=["M1", "M5", "M6"]).json
    by_code = {m["code"]: m for m in notice["measures"]}
    assert audit_events("renovation_measures", by_code["M1"]["id"]) == ["apply"]

    m5 = f"{R}/measures/{by_code['M5']['id']}"
    phone("mgr1").act(m5 + "/decision", decision="approved", note="同意停水停电")
    fm.act(m5 + "/apply")
    fm.act(m5 + "/lift", note="已整改，恢复供水供电")
    assert audit_events("renovation_measures", by_code["M5"]["id"]) == [
        "request_approval",
        "approve",
        "apply",
        "lift",
    ]
    m6 = f"{R}/measures/{by_code['M6']['id']}"
    phone("mgr1").act(m6 + "/decision", decision="rejected", note="损失未核定")
    assert audit_events("renovation_measures", by_code["M6"]["id"]) == [
        "request_approval",
        "reject",
    ]


@pytest.mark.parametrize("code", ["M5", "M6", "M7"])
def test_each_manager_measure_waits_for_the_recorded_approval(phone, site, code):
    fm = phone("fm1")
    notice = fm.notice(site.id, _violation_ids(fm, site.id, "R20"), issue=True).json
    r = fm.client.post(
        f"{R}/notices/{notice['id']}/measures", json={"client_id": str(uuid.uuid4()), "code": code}
    )
    assert r.status_code == 201 and r.json["state"] == "requested", r.json
    url = f"{R}/measures/{r.json['id']}"
    err = assert_error(fm.act(url + "/apply"), 409, "approval_required")
    assert "经理" in err["details"]["message_zh"]
    assert_error(fm.act(url + "/decision", decision="approved"), 403, "forbidden")
    r = phone("mgr1").act(url + "/decision", decision="approved", note="同意")
    assert r.json["decided_by_id"] and r.json["decided_at"]
    assert fm.act(url + "/apply").json["state"] == "in_effect"


def test_settlement_sent_back_revised_and_approved(
    as_user, phone, session, clock, demo, audit_events
):
    unit = unit_id(session, demo.cuihu, "B1", "202")
    site = make_site(session, clock, demo.cuihu, unit, state="completion_inspection")
    r = as_user("fd1").post(
        f"{R}/renovations/{site.id}/settlement",
        json={
            "client_id": str(uuid.uuid4()),
            "deductions": [{"kind": "damage", "description": "门框损坏", "amount": "300"}],
        },
    )
    assert r.status_code == 201, r.json
    url = f"{R}/settlements/{r.json['id']}"
    phone("fd1").act(url + "/submit")
    phone("mgr1").act(url + "/decision", decision="rejected", note="请附照片")
    phone("fd1").client.patch(
        url,
        json={
            "deductions": [{"kind": "damage", "description": "门框损坏（附照片）", "amount": "250"}]
        },
        headers={"If-Match": "*"},
    )
    phone("fd1").act(url + "/submit")
    r = phone("mgr1").act(url + "/decision", decision="approved")
    assert r.json["state"] == "approved" and r.json["refund_amount"] == "4750.00"
    assert audit_events("renovation_settlements", r.json["id"]) == [
        "create",
        "submit",
        "reject",
        "update",
        "submit",
        "approve",
    ]
    assert audit_events("renovations", site.id)[-1] == "settle"
