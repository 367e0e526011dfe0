"""The notice lifecycle end to end: inspection with violations → notice → acknowledgement →
overdue (periodic job) → escalation → re-inspection → closed; M5 needs the manager."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid

from tests.renovation.conftest import R, assert_error, png_data_url, violation
from xunjian.renovation.models import Renovation
from xunjian.tasks import PERIODIC_JOBS, celery_app

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def _inspect_and_issue(phone, site, **notice_body):
    fm = phone("fm1")
    r = fm.inspect(
        site.id, [violation("R08", "拆除厨房非承重隔墙"), violation("R20", "楼道堆放垃圾")]
    )
    assert r.status_code == 201, r.json
    ids = [x["id"] for x in r.json["results"] if x["result"] == "violation"]
    notice_body.setdefault("measures", ["M1", "M3"])
    r = fm.notice(site.id, ids, issue=True, **notice_body)
    assert r.status_code == 201, r.json
    return r.json


def test_inspection_records_every_item_and_the_violations(phone, site):
    r = phone("fm1").inspect(
        site.id, [violation("R08"), {"code": "R03", "result": "not_applicable"}]
    )
    assert r.status_code == 201, r.json
    body = r.json
    assert body["checklist_version"] == 1 and body["kind"] == "daily"
    assert len(body["results"]) == 32
    by_code = {x["code"]: x for x in body["results"]}
    assert by_code["R08"]["result"] == "violation" and by_code["R08"]["name_zh"] == "随意拆改墙体"
    assert by_code["R08"]["severity"] == "critical"
    assert by_code["R03"]["result"] == "not_applicable" and by_code["R01"]["result"] == "ok"
    assert body["violation_count"] == 1 and body["outside_hours"] is False
    replay = phone("fm1").inspect(site.id, [], client_id=body["client_id"])
    assert replay.status_code == 201 and replay.headers.get("Idempotent-Replay") == "true"
    assert replay.json["id"] == body["id"]


def test_full_lifecycle_to_closed(phone, site, clock, session, app_store, as_user, audit_events):
    notice = _inspect_and_issue(phone, site)
    assert notice["state"] == "issued"
    assert notice["serial"] == "CUIHU-2026-0001"
    assert notice["severity"] == "critical" and notice["stop_work"] is True
    assert notice["deadline"] == "2026-11-24"  # critical: 1 calendar day
    assert [m["code"] for m in notice["measures"]] == ["M2", "M1", "M3"]
    assert {m["state"] for m in notice["measures"]} == {"in_effect"}
    assert {v["code"] for v in notice["violations"]} == {"R08", "R20"}
    session.expire_all()
    assert session.get(Renovation, site.id).state == "suspended"  # the stop-work order

    fm = phone("fm1")
    url = f"{R}/notices/{notice['id']}"
    etag = fm.get(url).headers["ETag"]
    signature = png_data_url()
    r = fm.act(
        url + "/acknowledge",
        etag,
        outcome="signed",
        signer_name="陈女士",
        signer_role="owner",
        signature=signature,
    )
    assert r.status_code == 200, r.json
    assert r.json["state"] == "acknowledged"
    stored = app_store.get(r.json["signature_key"])
    assert hashlib.sha256(stored).hexdigest() == r.json["signature_sha256"]
    assert r.json["signature_key"] == f"signatures/{r.json['signature_sha256']}.png"

    # Not yet overdue on the deadline day itself; overdue from the next local midnight.
    clock.set(dt.datetime(2026, 11, 24, 23, 59, tzinfo=SHANGHAI))
    job = next(j for j in PERIODIC_JOBS if j.name == "renovation-overdue-notices")
    task = celery_app.tasks[job.task_name]
    assert task.apply(kwargs={"now": clock.now().isoformat()}).get() == 0
    clock.set(dt.datetime(2026, 11, 25, 0, 1, tzinfo=SHANGHAI))
    assert task.apply(kwargs={"now": clock.now().isoformat()}).get() == 1
    fm = phone("fm1")  # tokens are issued for a day from the (moved) clock
    r = fm.get(url)
    assert r.json["state"] == "overdue" and r.json["overdue_at"]
    overdue = as_user("sup1").get(f"{R}/open-notices?overdue=true").json["items"]
    assert [n["id"] for n in overdue] == [notice["id"]] and overdue[0]["past_deadline"]

    clock.set(dt.datetime(2026, 11, 25, 11, 0, tzinfo=SHANGHAI))  # after the interview
    sup = phone("sup1")
    r = sup.act(
        url + "/escalate",
        r.headers["ETag"],
        interview_at=dt.datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI).isoformat(),
        interview_outcome="业主承诺三日内恢复原状",
        measures=["M4", "M5"],
    )
    assert r.status_code == 200, r.json
    assert r.json["state"] == "escalated" and r.json["interview_outcome"]
    states = {m["code"]: m["state"] for m in r.json["measures"]}
    assert states["M4"] == "in_effect" and states["M5"] == "requested"

    # Closing an escalated notice without a re-inspection needs a reason.
    assert_error(sup.act(url + "/close", r.headers["ETag"]), 422)

    clock.advance(days=2)
    fm, sup = phone("fm1"), phone("sup1")
    r = fm.client.post(
        url + "/reinspections",
        json={
            "client_id": str(uuid.uuid4()),
            "passed": True,
            "photo_client_ids": [str(uuid.uuid4())],
        },
    )
    assert r.status_code == 201, r.json
    r = fm.get(url)
    assert r.json["state"] == "reinspection_passed" and len(r.json["reinspections"]) == 1
    r = sup.act(url + "/close", r.headers["ETag"])
    assert r.status_code == 200 and r.json["state"] == "closed" and r.json["closed_at"]

    events = audit_events("renovation_notices", notice["id"])
    assert events == [
        "create",
        "issue",
        "acknowledge",
        "mark_overdue",
        "escalate",
        "pass_reinspection",
        "close",
    ]


def test_refused_to_sign_needs_a_photo_of_the_posted_notice(phone, site):
    notice = _inspect_and_issue(phone, site)
    url = f"{R}/notices/{notice['id']}/acknowledge"
    fm = phone("fm1")
    assert_error(fm.act(url, outcome="refused"), 422, "photo_required")
    photo = str(uuid.uuid4())
    r = fm.act(url, outcome="refused", refusal_photo_client_id=photo, note="业主拒绝签收")
    assert r.status_code == 200 and r.json["state"] == "refused"
    assert r.json["refusal_photo_client_id"] == photo
    # Signed twice? The notice has moved on: a clear 409.
    err = assert_error(
        fm.act(
            url, outcome="signed", signer_name="x", signer_role="owner", signature=png_data_url()
        ),
        409,
        "illegal_transition",
    )
    assert "refused" in err["message"]


def test_failed_reinspection_keeps_the_notice_open_and_needs_photos(phone, site):
    notice = _inspect_and_issue(phone, site)
    url = f"{R}/notices/{notice['id']}"
    fm = phone("fm1")
    fm.act(
        url + "/acknowledge",
        outcome="signed",
        signer_name="黄师傅",
        signer_role="contractor",
        signature=png_data_url(),
    )
    no_photo = fm.client.post(url + "/reinspections", json={"passed": True, "photo_client_ids": []})
    assert_error(no_photo, 422, "photo_required")
    r = fm.client.post(
        url + "/reinspections",
        json={"passed": False, "note": "墙体未恢复", "photo_client_ids": [str(uuid.uuid4())]},
    )
    assert r.status_code == 201 and r.json["passed"] is False
    assert fm.get(url).json["state"] == "acknowledged"


def test_m5_needs_the_managers_recorded_approval(phone, site, as_user):
    notice = _inspect_and_issue(phone, site, measures=[])
    fm = phone("fm1")
    r = fm.client.post(
        f"{R}/notices/{notice['id']}/measures",
        json={"client_id": str(uuid.uuid4()), "code": "M5", "note": "拒不停工"},
    )
    assert r.status_code == 201, r.json
    measure = r.json
    assert measure["state"] == "requested" and measure["requires_approval"] is True
    waiting = as_user("mgr1").get(f"{R}/approvals").json["measures"]
    assert [m["id"] for m in waiting] == [measure["id"]]

    url = f"{R}/measures/{measure['id']}"
    err = assert_error(fm.act(url + "/apply"), 409, "approval_required")
    assert "manager" in err["message"] and "经理批准" in err["details"]["message_zh"]
    err = assert_error(phone("sup1").act(url + "/decision", decision="approved"), 403, "forbidden")
    assert err["details"]["allowed_roles"] == ["admin", "manager"]
    assert_error(phone("mgr1").act(url + "/decision", decision="rejected"), 422)  # needs a reason
    # The listed ETag is the decision's If-Match (a phone decides with no signal).
    etag = waiting[0]["etag"]
    r = phone("mgr1").act(url + "/decision", etag, decision="approved", note="同意停水")
    assert r.status_code == 200 and r.json["state"] == "approved" and r.json["decided_by_id"]
    assert r.headers["ETag"] != etag
    r = fm.act(url + "/apply")
    assert r.status_code == 200 and r.json["state"] == "in_effect" and r.json["applied_at"]
    r = fm.act(url + "/lift", note="已恢复供水")
    assert r.json["state"] == "lifted"
    assert as_user("mgr1").get(f"{R}/approvals").json["measures"] == []


def test_rejected_measure_cannot_be_applied(phone, site):
    notice = _inspect_and_issue(phone, site, measures=["M6"])
    m6 = next(m for m in notice["measures"] if m["code"] == "M6")
    assert m6["state"] == "requested"
    url = f"{R}/measures/{m6['id']}"
    phone("mgr1").act(url + "/decision", decision="rejected", note="证据不足")
    assert_error(phone("fm1").act(url + "/apply"), 409, "approval_refused")


def test_a_notice_on_another_propertys_site_is_not_found(phone, site, foreign_site):
    r = phone("fm1").inspect(foreign_site.id, [violation("R08")])
    assert_error(r, 404)
    r = phone("fm1").notice(foreign_site.id, [1])
    assert_error(r, 404)
    # and violations of one site cannot go on a notice of another
    own = phone("fm1").inspect(site.id, [violation("R08")]).json
    other = phone("fm2").inspect(foreign_site.id, [violation("R09")]).json
    vid = next(x["id"] for x in other["results"] if x["result"] == "violation")
    assert_error(phone("fm1").notice(site.id, [vid]), 422)
    assert own["id"]


def test_draft_notice_issue_and_cancel(phone, site):
    fm = phone("fm1")
    ins = fm.inspect(site.id, [violation("R20"), violation("R04")]).json
    ids = [x["id"] for x in ins["results"] if x["result"] == "violation"]
    draft = fm.notice(site.id, ids[:1]).json
    assert draft["state"] == "draft" and draft["serial"] is None and draft["severity"] == "minor"
    assert draft["stop_work"] is False
    # the violation is taken: a second notice for it is refused
    assert_error(fm.notice(site.id, ids[:1]), 409, "violation_on_notice")
    url = f"{R}/notices/{draft['id']}"
    r = fm.client.post(url + "/issue")
    assert_error(r, 428)
    r = fm.act(url + "/issue", '"renovation_notices-1-v0"')
    assert_error(r, 412)
    r = fm.act(url + "/cancel", fm.get(url).headers["ETag"])
    assert r.json["state"] == "cancelled"
    again = fm.notice(site.id, ids, issue=True).json  # freed by the cancellation
    assert again["deadline"] == "2026-11-30"  # minor: 7 calendar days
    assert again["serial"] == "CUIHU-2026-0001"  # drafts take no number


def test_serials_count_up_per_property_and_year(phone, site, session, clock, demo):
    fm = phone("fm1")
    serials = []
    for code in ("R20", "R22", "R23"):
        ins = fm.inspect(site.id, [violation(code)]).json
        vid = next(x["id"] for x in ins["results"] if x["result"] == "violation")
        serials.append(fm.notice(site.id, [vid], issue=True).json["serial"])
    assert serials == ["CUIHU-2026-0001", "CUIHU-2026-0002", "CUIHU-2026-0003"]
    clock.set(dt.datetime(2027, 1, 2, 10, 0, tzinfo=SHANGHAI))
    fm = phone("fm1")
    ins = fm.inspect(site.id, [violation("R25")]).json
    vid = next(x["id"] for x in ins["results"] if x["result"] == "violation")
    assert fm.notice(site.id, [vid], issue=True).json["serial"] == "CUIHU-2027-0001"
