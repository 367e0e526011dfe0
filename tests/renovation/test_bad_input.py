"""Bad input → 4xx with the one JSON error shape {code, message, details}."""

from __future__ import annotations

import uuid

from tests.renovation.conftest import R, assert_error, violation


def test_unknown_checklist_item(phone, site):
    err = assert_error(
        phone("fm1").inspect(site.id, [violation("R99")]), 422, "unknown_checklist_item"
    )
    assert "R99" in err["message"] and "results[0].code" in err["details"]["fields"]["json"]
    assert_error(phone("fm1").inspect(site.id, [violation("M5")]), 422, "unknown_checklist_item")


def test_violation_without_photo_or_note(phone, site):
    err = assert_error(
        phone("fm1").inspect(site.id, [violation("R08", photos=0)]), 422, "photo_required"
    )
    assert "photo" in err["message"]
    assert_error(phone("fm1").inspect(site.id, [violation("R08", note="  ")]), 422, "note_required")
    assert_error(
        phone("fm1").inspect(site.id, [{"code": "R08", "result": "broken"}]),
        422,
        "validation_error",
    )


def test_photo_of_another_property_is_refused(phone, site, session, demo):
    import datetime as dt

    from xunjian.auth.models import User
    from xunjian.evidence.models import Evidence

    other = Evidence(
        client_id=uuid.uuid4(),
        property_id=demo.jinrong,
        uploaded_by_id=session.query(User.id).filter_by(username="fm2").scalar(),
        context_type="ad_hoc",
        sha256="cd" * 32,
        size_bytes=1,
        mime="image/jpeg",
        width=1,
        height=1,
        original_key="originals/cd/cd/x.jpg",
        received_at=dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC),
        short_code=uuid.uuid4().hex[:10].upper(),
        signature="",
    )
    session.add(other)
    session.commit()
    bad = {**violation("R08"), "photo_client_ids": [str(other.client_id)]}
    assert_error(phone("fm1").inspect(site.id, [bad]), 422, "photo_elsewhere")


def test_deadline_in_the_past(phone, site):
    ins = phone("fm1").inspect(site.id, [violation("R20")]).json
    vid = next(x["id"] for x in ins["results"] if x["result"] == "violation")
    err = assert_error(
        phone("fm1").notice(site.id, [vid], deadline="2026-11-22"), 422, "deadline_in_past"
    )
    assert "deadline" in err["details"]["fields"]["json"]
    ok = phone("fm1").notice(site.id, [vid], deadline="2026-12-15", issue=True)
    assert ok.status_code == 201 and ok.json["deadline"] == "2026-12-15"


def test_other_bad_input(phone, site, as_user):
    fm = phone("fm1")
    assert_error(fm.notice(site.id, []), 422)
    assert_error(fm.notice(site.id, [999999]), 422)
    ins = fm.inspect(site.id, [violation("R20")]).json
    vid = next(x["id"] for x in ins["results"] if x["result"] == "violation")
    assert_error(fm.notice(site.id, [vid], measures=["M9"]), 422, "unknown_measure")
    notice = fm.notice(site.id, [vid], issue=True).json
    url = f"{R}/notices/{notice['id']}/acknowledge"
    assert_error(
        fm.act(
            url,
            outcome="signed",
            signer_name="陈",
            signer_role="owner",
            signature="data:image/png;base64,AAAA",
        ),
        422,
        "invalid_signature",
    )
    assert_error(
        fm.act(url, outcome="signed", signer_role="owner", signature="data:image/jpeg;base64,AAAA"),
        422,
    )
    assert_error(fm.act(url, outcome="maybe"), 422)
    assert_error(
        as_user("fm1").post(f"{R}/renovations/{site.id}/inspections", json={"bogus": 1}), 422
    )
    assert_error(
        as_user("fm1").post(
            f"{R}/renovations/{site.id}/inspections",
            # a time without its offset is not a time; one in the future is kept and flagged
            # (tests/renovation/test_phone_clock.py)
            json={"inspected_at": "2026-11-24T09:30:00"},
        ),
        422,
    )
