"""The duty staff list: who a night-duty phone offers as the guard of a spot check or the
incoming person of a handover — names and duty roles only, one property's staff."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.patrol.conftest import assert_error
from xunjian.auth.models import RoleAssignment, User


def _url(property_id, query=""):
    return f"/api/v1/patrol/properties/{property_id}/duty-staff{query}"


def test_night_duty_sees_the_staff_who_take_shifts_names_and_roles_only(as_user, demo):
    response = as_user("night1").get(_url(demo.cuihu))
    assert response.status_code == 200, response.json
    items = response.json["items"]
    by_name = {p["display_name"]: p for p in items}
    assert by_name["孙杰（护卫员）"]["roles"] == ["guard"]
    assert by_name["赵磊（夜班值班）"]["roles"] == ["night_duty"]
    assert by_name["张伟（楼管员）"]["roles"] == ["floor_manager"]
    # The manager and administrators work office hours: they are not handed a shift.
    assert "陈静（管理处经理）" not in by_name and "周敏（项目管理员）" not in by_name
    # Another property's staff is not listed.
    assert "吴昊（楼管员）" not in by_name
    assert all(set(p) == {"id", "display_name", "roles"} for p in items)  # no phone, no username
    assert [p["display_name"] for p in items] == sorted(p["display_name"] for p in items)


def test_role_filter_lists_the_guards_and_refuses_other_roles(as_user, demo):
    guards = as_user("night1").get(_url(demo.cuihu, "?role=guard"))
    assert guards.status_code == 200, guards.json
    assert [p["display_name"] for p in guards.json["items"]] == ["孙杰（护卫员）"]
    assert_error(as_user("night1").get(_url(demo.cuihu, "?role=manager")), 422)
    assert_error(as_user("night1").get(_url(demo.cuihu, "?role=nobody")), 422)


def test_inactive_people_are_not_offered_and_two_roles_are_one_row(as_user, demo, session):
    guard = session.scalars(select(User).where(User.username == "guard1")).one()
    night = session.scalars(select(User).where(User.username == "night1")).one()
    session.add(RoleAssignment(user_id=night.id, property_id=demo.cuihu, role="guard"))
    guard.active = False
    session.commit()
    items = as_user("sup1").get(_url(demo.cuihu)).json["items"]
    mine = [p for p in items if p["id"] == night.id]
    roles = ["guard", "night_duty"]
    expected = {"id": night.id, "display_name": "赵磊（夜班值班）", "roles": roles}
    assert mine == [expected]
    assert guard.id not in {p["id"] for p in items}


@pytest.mark.parametrize("username", ["fm1", "fd1", "eng1"])
def test_roles_without_duty_oversight_are_refused(as_user, demo, username):
    assert_error(as_user(username).get(_url(demo.cuihu)), 403)


def test_another_property_is_not_found(as_user, demo):
    assert_error(as_user("night1").get(_url(demo.jinrong)), 404)
