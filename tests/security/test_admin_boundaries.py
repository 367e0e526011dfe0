"""Admin boundaries: a property admin manages only accounts whose every assignment is at a
property they administer; nobody removes their own admin rights or the company's last admin."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from xunjian.auth import accounts as service
from xunjian.auth.models import User
from xunjian.errors import Conflict

ME = "/api/v1/auth/me"


def user_id(session, username: str) -> int:
    return session.scalar(select(User.id).where(User.username == username))


@pytest.fixture
def shared_fm1(as_user, session, demo) -> int:
    """fm1 works at CUIHU (padmin1 administers it) and, from now on, also at JINRONG."""
    uid = user_id(session, "fm1")
    r = as_user("admin").post(
        f"/api/v1/users/{uid}/assignments",
        json={"property_id": demo.jinrong, "role": "floor_manager"},
    )
    assert r.status_code == 201, r.json
    return uid


def _refused(r) -> None:
    assert r.status_code == 403, r.json
    assert r.json["code"] == "user_outside_your_properties"


def test_a_property_admin_cannot_take_over_someone_who_also_works_elsewhere(as_user, shared_fm1):
    padmin = as_user("padmin1")
    _refused(padmin.post(f"/api/v1/users/{shared_fm1}/password", json={"new_password": "x" * 12}))
    _refused(
        padmin.patch(
            f"/api/v1/users/{shared_fm1}", json={"active": False}, headers={"If-Match": "*"}
        )
    )
    _refused(
        padmin.patch(
            f"/api/v1/users/{shared_fm1}", json={"phone": "110"}, headers={"If-Match": "*"}
        )
    )


def test_nor_change_their_assignments(as_user, shared_fm1, demo):
    padmin = as_user("padmin1")
    user = as_user("admin").get(f"/api/v1/users/{shared_fm1}").json
    at_cuihu = next(a for a in user["assignments"] if a["property_id"] == demo.cuihu)
    _refused(padmin.delete(f"/api/v1/users/{shared_fm1}/assignments/{at_cuihu['id']}"))
    _refused(
        padmin.post(
            f"/api/v1/users/{shared_fm1}/assignments",
            json={"property_id": demo.cuihu, "role": "supervisor"},
        )
    )


def test_a_property_admin_still_manages_their_own_staff(as_user, session, demo):
    padmin = as_user("padmin1")
    uid = user_id(session, "eng1")
    assert (
        padmin.post(f"/api/v1/users/{uid}/password", json={"new_password": "x" * 12}).status_code
        == 204
    )
    r = padmin.patch(f"/api/v1/users/{uid}", json={"active": False}, headers={"If-Match": "*"})
    assert r.status_code == 200, r.json
    r = padmin.post(
        "/api/v1/users",
        json={
            "username": "newfd",
            "display_name": "新前台",
            "password": "first-pass-1",
            "assignments": [{"property_id": demo.cuihu, "role": "front_desk"}],
        },
    )
    assert r.status_code == 201, r.json


def test_a_property_admin_cannot_touch_a_company_admin(as_user, session, demo):
    """Even a company admin who also holds a role at the property admin's property."""
    uid = user_id(session, "admin")
    r = as_user("admin").post(
        f"/api/v1/users/{uid}/assignments", json={"property_id": demo.cuihu, "role": "manager"}
    )
    assert r.status_code == 201, r.json
    r = as_user("padmin1").post(f"/api/v1/users/{uid}/password", json={"new_password": "x" * 12})
    _refused(r)


def _patch_self(as_user, session, body):
    uid = user_id(session, "admin")
    return as_user("admin").patch(f"/api/v1/users/{uid}", json=body, headers={"If-Match": "*"})


def test_an_admin_cannot_remove_their_own_admin_rights_or_account(as_user, session):
    for body in ({"is_admin": False}, {"active": False}):
        r = _patch_self(as_user, session, body)
        assert r.status_code == 403 and r.json["code"] == "own_account", body
    assert _patch_self(as_user, session, {"phone": "12345"}).status_code == 200


def test_the_company_keeps_one_admin_even_when_two_demote_each_other(as_user, session, demo):
    """Two admins demoting each other at the same moment: the second finds the first is the
    last one left (its actor still says admin, as in a request already under way)."""
    r = as_user("admin").post(
        "/api/v1/users",
        json={
            "username": "admin2",
            "display_name": "二号管理员",
            "password": "x" * 12,
            "is_admin": True,
        },
    )
    assert r.status_code == 201, r.json
    first = session.scalar(select(User).where(User.username == "admin"))
    second = session.scalar(select(User).where(User.username == "admin2"))
    second_actor = service.build_actor(session, second)
    service.update_user(
        session, service.build_actor(session, first), second, {"is_admin": False}, demo_now()
    )
    session.flush()
    with pytest.raises(Conflict) as caught:
        service.update_user(session, second_actor, first, {"is_admin": False}, demo_now())
    assert caught.value.code == "last_admin"
    with pytest.raises(Conflict):
        service.update_user(session, second_actor, first, {"active": False}, demo_now())


def demo_now():
    from tests.conftest import T0

    return T0
