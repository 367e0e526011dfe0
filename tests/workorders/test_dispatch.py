"""Dispatching: bad input is refused (4xx), orders from patrol findings keep their facts."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from tests.workorders.helpers import make_finding
from xunjian.org.models import Building, Unit
from xunjian.patrol.models import Finding


def test_assign_to_an_unknown_engineer_is_refused(wo):
    order = wo.create()
    r = wo.post("fd1", order["id"], "assign", {"assignee_id": 2_000_000_000})
    assert r.status_code == 422 and r.json["code"] == "unknown_engineer"
    assert "assignee_id" in r.json["details"]["fields"]["json"]


def test_assign_to_another_propertys_engineer_is_refused(wo):
    order = wo.create()
    r = wo.post("fd1", order["id"], "assign", {"assignee_id": wo.uid("eng2")})
    assert r.status_code == 422 and r.json["code"] == "unknown_engineer"
    r = wo.create_raw(assignee_id=wo.uid("eng2"))
    assert r.status_code == 422
    assert wo.get(order["id"]).json["state"] == "new"


def test_assign_to_someone_who_is_not_an_engineer_is_refused(wo):
    order = wo.create()
    r = wo.post("fd1", order["id"], "assign", {"assignee_id": wo.uid("fm1")})
    assert r.status_code == 422


def test_assign_needs_exactly_one_target(wo):
    order = wo.create()
    assert wo.post("fd1", order["id"], "assign", {}).status_code == 422
    both = {"assignee_id": wo.uid("eng1"), "team": "水电班"}
    assert wo.post("fd1", order["id"], "assign", both).status_code == 422


def test_create_refuses_bad_fields(wo, demo, session):
    assert wo.create_raw(category="magic").status_code == 422
    assert wo.create_raw(priority="asap").status_code == 422
    assert wo.create_raw(description="", place_text="x").status_code == 422
    assert wo.create_raw(unknown_field=1).status_code == 422
    assert wo.create_raw(property_id=demo.jinrong).status_code == 404
    foreign_unit = session.scalar(select(Unit.id).where(Unit.property_id == demo.jinrong).limit(1))
    r = wo.create_raw(unit_id=foreign_unit)
    assert r.status_code == 422 and "unit_id" in r.json["details"]["fields"]["json"]
    assert wo.create_raw(before_photo_client_ids=["nope"]).status_code == 422
    assert wo.create_raw(user="eng1").status_code == 403


def test_create_is_idempotent_and_assigns_at_once(wo, session, demo):
    building = session.scalar(
        select(Building).where(Building.property_id == demo.cuihu, Building.code == "B1")
    )
    unit = session.scalar(select(Unit).where(Unit.building_id == building.id, Unit.number == "201"))
    cid = str(uuid.uuid4())
    first = wo.create_raw(client_id=cid, unit_id=unit.id, assignee_id=wo.uid("eng1"))
    again = wo.create_raw(client_id=cid, unit_id=unit.id, assignee_id=wo.uid("eng1"))
    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replay") == "true" and first.json["id"] == again.json["id"]
    order = first.json
    assert order["state"] == "assigned" and order["assignee_id"] == wo.uid("eng1")
    # place and directions for the engineer, filled in from the unit
    assert order["building_id"] == building.id and order["floor_id"] == unit.floor_id
    assert order["place"]["directions"] == "1栋 2F 201 1栋 设备房"
    assert order["place"]["inside_unit"] is True and order["place"]["latitude"] == 22.5431
    feed = wo.user("eng1").get("/api/v1/notifications").json["items"]
    assert [(n["kind"], n["work_order_id"]) for n in feed] == [("assigned", order["id"])]


def test_engineer_queue_is_by_priority_then_due(wo, clock):
    low = wo.create(priority="low", assignee_id=wo.uid("eng1"))
    clock.advance(hours=1)
    urgent = wo.create(priority="urgent", assignee_id=wo.uid("eng1"))
    normal_early = wo.create(priority="normal", assignee_id=wo.uid("eng1"))
    clock.advance(hours=1)
    normal_late = wo.create(priority="normal", assignee_id=wo.uid("eng1"))
    other = wo.staff("engineer")
    wo.create(priority="urgent", assignee_id=other.id)  # someone else's
    wo.create(priority="urgent")  # not assigned yet
    queue = wo.user("eng1").get("/api/v1/workorders/queue").json["items"]
    assert [o["id"] for o in queue] == [
        urgent["id"],
        normal_early["id"],
        normal_late["id"],
        low["id"],
    ]
    assert all(o["place"]["directions"] for o in queue)
    assert wo.user("fd1").get("/api/v1/workorders/queue").status_code == 403


def test_order_from_a_patrol_finding_keeps_its_note_photos_and_place(wo, session, demo):
    building = session.scalar(
        select(Building.id).where(Building.property_id == demo.cuihu, Building.code == "B2")
    )
    photo = str(uuid.uuid4())
    finding = make_finding(session, demo.cuihu, photos=[photo], building_id=building)
    session.commit()
    wo.photo(photo, "patrol_finding")
    order = wo.create(finding_id=finding.id, description="", place_text="", category="civil")
    assert order["source"] == "finding" and order["finding_id"] == finding.id
    assert order["description"] == "2栋大堂天花渗水"
    assert order["before_photo_client_ids"] == [photo] and photo in order["before_photos"]
    assert order["building_id"] == building and order["place_text"] == "大堂东侧"
    session.expire_all()
    forwarded = session.scalar(select(Finding).where(Finding.id == finding.id))
    assert forwarded.status == "forwarded" and forwarded.forward_target == "work_order"
    again = wo.create_raw(finding_id=finding.id)
    assert again.status_code == 409 and again.json["code"] == "finding_taken"


def test_finding_forwarded_elsewhere_or_foreign_is_refused(wo, session, demo):
    unit = session.scalar(select(Unit.id).where(Unit.property_id == demo.cuihu).limit(1))
    elsewhere = make_finding(session, demo.cuihu, status="forwarded", unit_id=unit)
    foreign = make_finding(session, demo.jinrong)
    session.commit()
    r = wo.create_raw(finding_id=elsewhere.id)
    assert r.status_code == 409 and r.json["code"] == "finding_forwarded_elsewhere"
    assert wo.create_raw(finding_id=foreign.id).status_code == 422
    request = wo.request().json
    both = wo.create_raw(finding_id=elsewhere.id, request_id=request["id"])
    assert both.status_code == 422


def test_lists_filter_and_scope(wo, demo):
    mine = wo.create(priority="urgent")
    wo.create(user="sup2", property_id=demo.jinrong)
    items = wo.user("fd1").get("/api/v1/workorders?priority=urgent").json["items"]
    assert [o["id"] for o in items] == [mine["id"]]
    everything = wo.user("sup1").get("/api/v1/workorders?limit=200").json["items"]
    assert {o["property_id"] for o in everything} == {demo.cuihu}
    assert wo.user("fd1").get(f"/api/v1/workorders?property_id={demo.jinrong}").json["items"] == []
    assert wo.user("guard1").get("/api/v1/workorders").status_code == 403
    opened = wo.user("fd1").get("/api/v1/workorders?open=true").json["items"]
    assert mine["id"] in [o["id"] for o in opened]


def test_edit_replaces_the_place_and_is_audited(wo, session, demo):
    from xunjian.audit import AuditEntry

    units = list(session.scalars(select(Unit).where(Unit.property_id == demo.cuihu).limit(2)))
    order = wo.create(unit_id=units[0].id)
    r = wo.user("fd1").patch(
        f"/api/v1/workorders/{order['id']}",
        json={"unit_id": units[1].id, "category": "civil"},
        headers={"If-Match": wo.etag(order["id"])},
    )
    assert r.status_code == 200, r.json
    assert (r.json["unit_id"], r.json["floor_id"]) == (units[1].id, units[1].floor_id)
    assert r.json["category"] == "civil"
    entry = session.scalar(
        select(AuditEntry)
        .where(AuditEntry.entity_type == "work_orders", AuditEntry.action == "edit")
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    assert entry.before["unit_id"] == units[0].id and entry.after["unit_id"] == units[1].id
    taken = wo.drive("accepted")
    r = wo.user("fd1").patch(
        f"/api/v1/workorders/{taken['id']}",
        json={"priority": "low"},
        headers={"If-Match": wo.etag(taken["id"])},
    )
    assert r.status_code == 409
