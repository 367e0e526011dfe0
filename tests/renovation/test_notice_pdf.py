"""The printable notice: Chinese text (unit, violations' Chinese names, deadline), English on
request, and a QR code to the verification page of the first photo."""

from __future__ import annotations

import uuid

from tests.evidence import photos
from tests.evidence.conftest import form_for
from tests.renovation.conftest import R, pdf_text, png_data_url, violation


def test_notice_pdf_renders_chinese(phone, site, as_user, demo):
    fm = phone("fm1")
    inspection_id = str(uuid.uuid4())
    # the photo is taken during the inspection and uploaded first (the phone's outbox is FIFO)
    form = form_for(
        photos.jpeg(640, 480, seed=5),
        demo.cuihu,
        context_type="renovation_item",
        context_id=inspection_id,
    )
    upload = as_user("fm1").post("/api/v1/evidence", data=form, content_type="multipart/form-data")
    assert upload.status_code == 201, upload.json
    photo = upload.json
    ins = fm.inspect(
        site.id,
        [
            {**violation("R09", "卫生间承重墙开槽"), "photo_client_ids": [photo["client_id"]]},
            violation("R16", "消火栓箱被移位"),
        ],
        client_id=inspection_id,
    ).json
    ids = [x["id"] for x in ins["results"] if x["result"] == "violation"]
    notice = fm.notice(site.id, ids, issue=True, measures=["M3"]).json
    url = f"{R}/notices/{notice['id']}"
    fm.act(
        url + "/acknowledge",
        outcome="signed",
        signer_name="陈女士",
        signer_role="owner",
        signature=png_data_url(),
    )

    r = as_user("sup1").get(url + "/pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    text = pdf_text(r.data)
    flat = "".join(text.split())  # table cells wrap long names over lines
    for expected in (
        "违章整改通知单",
        notice["serial"],
        "1栋 201",
        "在承重墙、梁、柱上穿孔、削薄、挖槽",
        "擅自移动消防设施",
        "卫生间承重墙开槽",
        "2026-11-24",
        "立即停工",
        "责令恢复原状",
        "陈女士",
    ):
        assert "".join(expected.split()) in flat, (expected, text)
    assert b"/Subtype /Image" in r.data  # QR code (and signature / thumbnail)
    # the QR code's address is printed beside it: the first photo's verification page
    assert f"/v/{photo['short_code']}" in flat
    verify = as_user("sup1").get(f"/v/{photo['short_code']}")
    assert verify.status_code == 200

    english = pdf_text(as_user("sup1").get(url + "/pdf?lang=en").data)
    flat = " ".join(english.split())
    for expected in ("Rectification Notice", "Block 1 201", "Moving fire-fighting", "2026-11-24"):
        assert expected in flat, (expected, english)


def test_the_photo_strip_label_comes_from_the_renovation(as_user, demo, phone, site, session):
    from xunjian.evidence.contexts import resolve_context

    ins = phone("fm1").inspect(site.id, []).json
    info = resolve_context(session, "renovation_item", ins["client_id"])
    assert info is not None and info.property_id == demo.cuihu and info.label == "1栋 201 装修"
    assert info.started_at is not None
    assert resolve_context(session, "renovation_item", f"r{site.id}").label == "1栋 201 装修"
