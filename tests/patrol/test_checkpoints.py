"""Checkpoints: geofence validation (bad input → 4xx with the JSON error shape), QR tokens
that only set-up staff see, floor-plan positions, the GPS lookup and the QR label sheet."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from tests.patrol.conftest import LAT0, LON0, assert_error, circle, east, pdf_text
from xunjian.org.models import Floor
from xunjian.patrol import geofence as gf
from xunjian.patrol.models import Checkpoint


def _url(property_id: int) -> str:
    return f"/api/v1/patrol/properties/{property_id}/checkpoints"


def _body(**extra):
    return {
        "client_id": str(uuid.uuid4()),
        "code": f"C{uuid.uuid4().hex[:6]}",
        "name_zh": "东梯",
        **extra,
    }


SQUARE = {
    "type": "Polygon",
    "coordinates": [
        [
            [LON0, LAT0],
            [LON0 + 0.0003, LAT0],
            [LON0 + 0.0003, LAT0 + 0.0003],
            [LON0, LAT0 + 0.0003],
            [LON0, LAT0],
        ]
    ],
}


def test_create_with_a_polygon_geofence(as_user, demo):
    r = as_user("sup1").post(_url(demo.cuihu), json=_body(geofence=SQUARE, name_en="East lift"))
    assert r.status_code == 201, r.json
    assert r.json["geofence"]["type"] == "Polygon"
    # A fence without a position takes a point inside it.
    assert LAT0 < r.json["latitude"] < LAT0 + 0.0003
    assert len(r.json["qr_token"]) >= 22  # 128 random bits, url-safe
    assert r.headers["ETag"]


def test_position_without_a_fence_gets_a_default_circle(as_user, demo):
    r = as_user("sup1").post(_url(demo.cuihu), json=_body(latitude=LAT0, longitude=LON0))
    assert r.status_code == 201
    assert r.json["geofence"] == circle(LAT0, LON0, gf.DEFAULT_RADIUS_M)


BOW_TIE = {
    "type": "Polygon",
    "coordinates": [
        [
            [LON0, LAT0],
            [LON0 + 0.001, LAT0 + 0.001],
            [LON0 + 0.001, LAT0],
            [LON0, LAT0 + 0.001],
            [LON0, LAT0],
        ]
    ],
}


@pytest.mark.parametrize(
    ("geofence", "needle"),
    [
        ({"coordinates": [1, 2]}, "GeoJSON"),
        ({"type": "LineString", "coordinates": [[1, 2], [3, 4]]}, "Polygon or Point"),
        ({"type": "Polygon", "coordinates": "x"}, "list of rings"),
        ({"type": "Polygon", "coordinates": [[[1, 2], [3, 4]]]}, "at least 4 positions"),
        ({"type": "Polygon", "coordinates": [[["a", 2], [3, 4], [5, 6], ["a", 2]]]}, "two numbers"),
        (
            {
                "type": "Polygon",
                "coordinates": [
                    [
                        [LON0, LAT0],
                        [LON0 + 0.001, LAT0],
                        [LON0, LAT0 + 0.001],
                        [LON0, LAT0 + 0.0005],
                    ]
                ],
            },
            "not closed",
        ),
        (BOW_TIE, "Self-intersection"),
        ({"type": "Point", "coordinates": [LON0, 123.0], "radius_m": 30}, "latitude 123"),
        ({"type": "Point", "coordinates": [LON0, LAT0]}, "radius_m"),
        ({"type": "Point", "coordinates": [LON0, LAT0], "radius_m": 0}, "radius_m"),
        ({"type": "Polygon", "coordinates": SQUARE["coordinates"], "radius_m": 5}, "Point"),
        (
            {"type": "Polygon", "coordinates": [[[100, 20], [110, 20], [110, 25], [100, 20]]]},
            "at most 5000 m",
        ),
    ],
)
def test_bad_geofences_are_422_with_a_clear_message(as_user, demo, session, geofence, needle):
    before = session.scalar(select(Checkpoint.id).order_by(Checkpoint.id.desc()).limit(1))
    r = as_user("sup1").post(_url(demo.cuihu), json=_body(geofence=geofence))
    body = assert_error(r, 422, "invalid_geofence")
    assert needle in body["message"], body["message"]
    assert body["details"]["fields"]["json"]["geofence"]
    assert session.scalar(select(Checkpoint.id).order_by(Checkpoint.id.desc()).limit(1)) == before


@pytest.mark.parametrize(
    "body",
    [
        {"latitude": 123, "longitude": LON0},  # latitude 123
        {"latitude": LAT0},  # longitude missing
        {"geofence": "not an object"},
        {"plan_x": 0.5, "plan_y": 0.5},  # no plan image
        {"plan_image_key": "plans/b1-3f.png", "plan_x": 1.5, "plan_y": 0.5},
        {"colour": "red"},
    ],
)
def test_other_bad_input_is_422(as_user, demo, body):
    assert_error(as_user("sup1").post(_url(demo.cuihu), json=_body(**body)), 422)


def test_duplicate_code_and_nfc_tag_are_409(as_user, demo):
    sup = as_user("sup1")
    first = sup.post(_url(demo.cuihu), json=_body(code="DUP", nfc_tag_id="04:A1:B2"))
    assert first.status_code == 201
    assert_error(sup.post(_url(demo.cuihu), json=_body(code="DUP")), 409, "duplicate_code")
    assert_error(
        sup.post(_url(demo.cuihu), json=_body(nfc_tag_id="04:A1:B2")), 409, "duplicate_nfc_tag_id"
    )


def test_place_must_nest_within_the_property(as_user, demo, session):
    floor = session.scalar(select(Floor).where(Floor.property_id == demo.cuihu, Floor.name == "3F"))
    sup = as_user("sup1")
    r = sup.post(_url(demo.cuihu), json=_body(floor_id=floor.id))
    assert r.status_code == 201
    assert r.json["building_id"] == floor.building_id  # filled in from the floor
    foreign = session.scalar(select(Floor).where(Floor.property_id == demo.jinrong))
    assert_error(sup.post(_url(demo.cuihu), json=_body(floor_id=foreign.id)), 422)


def test_qr_token_is_only_for_setup_staff(as_user, demo):
    created = as_user("sup1").post(_url(demo.cuihu), json=_body(latitude=LAT0, longitude=LON0))
    ident = created.json["id"]
    seen = as_user("fm1").get(f"/api/v1/patrol/checkpoints/{ident}")
    assert seen.status_code == 200 and "qr_token" not in seen.json
    listed = as_user("guard1").get(_url(demo.cuihu)).json["items"]
    assert listed and all("qr_token" not in c for c in listed)
    assert_error(as_user("fm1").get(f"/api/v1/patrol/checkpoints/{ident}/qr"), 403)
    qr = as_user("mgr1").get(f"/api/v1/patrol/checkpoints/{ident}/qr").json
    assert qr["qr_content"] == "xjcp:" + created.json["qr_token"]


def test_patch_moves_the_circle_and_rotates_the_token(as_user, demo):
    sup = as_user("sup1")
    created = sup.post(_url(demo.cuihu), json=_body(geofence=circle(LAT0, LON0, 30)))
    url = f"/api/v1/patrol/checkpoints/{created.json['id']}"
    assert_error(sup.patch(url, json={"name_en": "x"}), 428)
    lat, lon = east(100)
    moved = sup.patch(
        url,
        json={"latitude": lat, "longitude": lon, "rotate_qr_token": True},
        headers={"If-Match": created.headers["ETag"]},
    )
    assert moved.status_code == 200, moved.json
    assert moved.json["geofence"] == circle(lat, lon, 30)
    assert moved.json["qr_token"] != created.json["qr_token"]
    stale = sup.patch(url, json={"name_en": "x"}, headers={"If-Match": created.headers["ETag"]})
    assert_error(stale, 412)


def test_locate_finds_the_geofences_holding_a_fix(as_user, demo):
    sup = as_user("sup1")
    near = sup.post(_url(demo.cuihu), json=_body(geofence=circle(LAT0, LON0, 20))).json
    sup.post(_url(demo.cuihu), json=_body(geofence=circle(*east(500), 20)))
    lat, lon = east(30)  # 10 m outside the first circle
    url = f"/api/v1/patrol/properties/{demo.cuihu}/locate"
    fix = {"latitude": lat, "longitude": lon}
    hits = as_user("fm1").post(url, json={**fix, "accuracy_m": 15}).json["items"]
    assert [h["checkpoint_id"] for h in hits] == [near["id"]]
    assert 9 < hits[0]["metres_outside"] < 11
    assert as_user("fm1").post(url, json={**fix, "accuracy_m": 5}).json["items"] == []
    assert_error(as_user("fm1").post(url, json={**fix, "accuracy_m": 5, "latitude": 123}), 422)


def test_index_follows_checkpoint_changes(session, demo, as_user):
    """The cached spatial index is rebuilt when a checkpoint moves (revision token)."""
    sup = as_user("sup1")
    created = sup.post(_url(demo.cuihu), json=_body(geofence=circle(LAT0, LON0, 20))).json
    assert [i for i, _ in gf.checkpoints_at(session, demo.cuihu, LON0, LAT0, 5)] == [created["id"]]
    sup.patch(
        f"/api/v1/patrol/checkpoints/{created['id']}",
        json={"active": False},
        headers={"If-Match": "*"},
    )
    assert gf.checkpoints_at(session, demo.cuihu, LON0, LAT0, 5) == []


def test_label_sheet_pdf_has_chinese_names_and_codes(as_user, demo, session, site):
    r = as_user("sup1").get(
        f"/api/v1/patrol/properties/{demo.cuihu}/labels.pdf?building_id={site.building_id}"
    )
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    text = pdf_text(r.data)
    assert "翠湖花园" in text and "巡查点二维码标签" in text
    for n in (1, 2, 3, 4):
        assert f"测试点T{n}" in text and f"编号 T{n}" in text
    assert "1栋" in text
    assert r.data.count(b"/Subtype /Image") >= 4  # one QR image per label
    assert_error(as_user("fm1").get(f"/api/v1/patrol/properties/{demo.cuihu}/labels.pdf"), 403)
    foreign = session.scalar(select(Floor.building_id).where(Floor.property_id == demo.jinrong))
    assert_error(
        as_user("sup1").get(
            f"/api/v1/patrol/properties/{demo.cuihu}/labels.pdf?building_id={foreign}"
        ),
        404,
    )


def test_polygons_and_circles_share_the_index(as_user, demo, session):
    sup = as_user("sup1")
    square = sup.post(_url(demo.cuihu), json=_body(geofence=SQUARE)).json
    ring = sup.post(_url(demo.cuihu), json=_body(geofence=circle(*east(200), 15))).json
    inside = LON0 + 0.00015, LAT0 + 0.00015
    assert [i for i, _ in gf.checkpoints_at(session, demo.cuihu, *inside, 1)] == [square["id"]]
    lat, lon = east(210)
    assert [i for i, _ in gf.checkpoints_at(session, demo.cuihu, lon, lat, 1)] == [ring["id"]]
    # Just outside the square's east edge by ~10 m: found only with a 15 m accuracy.
    lon_out = LON0 + 0.0003 + 10 / 102_800
    assert gf.checkpoints_at(session, demo.cuihu, lon_out, LAT0 + 0.00015, 5) == []
    ((found, metres),) = gf.checkpoints_at(session, demo.cuihu, lon_out, LAT0 + 0.00015, 15)
    assert found == square["id"] and 9 < metres < 11


def test_nul_characters_are_refused_not_a_500(as_user, demo, site, patrol):
    """PostgreSQL text cannot hold NUL: refused as input, never reaching the database."""
    assert_error(as_user("sup1").post(_url(demo.cuihu), json=_body(name_zh="东\x00梯")), 422)
    run = patrol("fm1").start(site.route).json
    assert_error(patrol("fm1").check_in(run["id"], qr_token="abc\x00"), 422)
    assert_error(as_user("sup1").get(_url(demo.cuihu) + "?cursor=a%00b"), 422)
