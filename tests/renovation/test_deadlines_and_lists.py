"""Deadlines by severity as the company edits them (and per-property overrides); notices keep
the checklist version of their violations; the supervisor's list of open notices by deadline."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select

from tests.renovation.conftest import R, pdf_text, violation
from xunjian.org.models import Property
from xunjian.tasks import PERIODIC_JOBS, celery_app

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def _violation_id(fm, site_id, code, **kw):
    ins = fm.inspect(site_id, [violation(code)], **kw).json
    return next(x["id"] for x in ins["results"] if x["result"] == "violation")


def _issue(fm, site_id, code, **body):
    r = fm.notice(site_id, [_violation_id(fm, site_id, code)], issue=True, **body)
    assert r.status_code == 201, r.json
    return r.json


def _edit_checklist(as_user, **body):
    body.setdefault("client_id", str(uuid.uuid4()))
    r = as_user("padmin1").post(f"{R}/checklist", json=body)
    assert r.status_code == 201, r.json
    return r.json


def test_company_deadline_days_and_property_overrides(phone, site, as_user, session, demo):
    fm = phone("fm1")
    assert _issue(fm, site.id, "R20")["deadline"] == "2026-11-30"  # minor: 7 days by default
    _edit_checklist(as_user, base_version=1, items=[], deadline_days={"minor": 5})
    assert _issue(fm, site.id, "R22")["deadline"] == "2026-11-28"  # the company's 5 days

    prop = session.scalar(select(Property).where(Property.id == demo.cuihu))
    # A mistyped setting is passed over (the company's days stand), never a 500 on site.
    prop.settings = {
        **(prop.settings or {}),
        "renovation_deadline_days": {"minor": 10, "major": "three", "critical": -1},
    }
    session.commit()
    assert _issue(fm, site.id, "R23")["deadline"] == "2026-12-03"  # the property's 10 days
    assert _issue(fm, site.id, "R06")["deadline"] == "2026-11-26"  # major: company's 3
    critical = _issue(fm, site.id, "R08")
    assert critical["deadline"] == "2026-11-24" and critical["stop_work"] is True


def test_a_notice_keeps_the_checklist_version_of_its_violations(phone, site, as_user):
    fm = phone("fm1")
    vid = _violation_id(fm, site.id, "R04")  # version 1: minor, 空调机不按指定位置安装
    _edit_checklist(
        as_user,
        base_version=1,
        items=[{"code": "R04", "severity": "critical", "name_zh": "空调外机未按指定位置安装"}],
    )
    notice = fm.notice(site.id, [vid], issue=True).json
    assert notice["severity"] == "minor" and notice["stop_work"] is False
    assert notice["deadline"] == "2026-11-30"
    [v] = notice["violations"]
    assert v["name_zh"] == "空调机不按指定位置安装" and v["severity"] == "minor"
    text = "".join(pdf_text(as_user("sup1").get(f"{R}/notices/{notice['id']}/pdf").data).split())
    assert "空调机不按指定位置安装" in text and "空调外机未按指定位置安装" not in text


def test_open_notices_by_deadline_and_the_overdue_list(phone, site, as_user, clock, demo):
    fm = phone("fm1")
    minor = _issue(fm, site.id, "R20")  # 2026-11-30
    major = _issue(fm, site.id, "R06")  # 2026-11-26
    picked = _issue(fm, site.id, "R21", deadline="2026-11-25")  # chosen by hand
    critical = _issue(fm, site.id, "R08")  # 2026-11-24, stop work
    fm.notice(site.id, [_violation_id(fm, site.id, "R22")])  # a draft: not open yet

    url = f"{R}/open-notices?property_id={demo.cuihu}"
    items = as_user("sup1").get(url).json["items"]
    assert [n["id"] for n in items] == [critical["id"], picked["id"], major["id"], minor["id"]]
    assert [n["deadline"] for n in items] == [
        "2026-11-24",
        "2026-11-25",
        "2026-11-26",
        "2026-11-30",
    ]
    assert {n["unit_label"] for n in items} == {"1栋 201"}
    assert not any(n["past_deadline"] for n in items)
    assert as_user("sup1").get(url + "&overdue=true").json["items"] == []

    clock.set(dt.datetime(2026, 11, 26, 8, 0, tzinfo=SHANGHAI))
    job = next(j for j in PERIODIC_JOBS if j.name == "renovation-overdue-notices")
    overdue = celery_app.tasks[job.task_name].apply(kwargs={"now": clock.now().isoformat()})
    assert overdue.get() == 2  # the critical and the hand-picked one; major is due today
    items = as_user("sup1").get(url + "&overdue=true").json["items"]
    assert [(n["id"], n["state"]) for n in items] == [
        (critical["id"], "overdue"),
        (picked["id"], "overdue"),
    ]
    assert all(n["past_deadline"] for n in items)
    # the floor manager's phone sees the same list
    assert len(as_user("fm1").get(url).json["items"]) == 4
