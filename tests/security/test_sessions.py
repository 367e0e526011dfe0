"""Sessions: a password change ends the other sessions, a re-enabled account does not get its
old tokens back, and an account that must change its password can do nothing else."""

from __future__ import annotations

from xunjian.demo import DEMO_PASSWORD

ME = "/api/v1/auth/me"
CHANGE = "/api/v1/auth/password"


def test_changing_ones_password_ends_the_other_sessions(client, token_for):
    here, stolen = token_for("night1"), token_for("night1")
    r = client.post(
        CHANGE,
        json={"old_password": DEMO_PASSWORD, "new_password": "night-shift-99"},
        headers=here,
    )
    assert r.status_code == 204, r.json
    gone = client.get(ME, headers=stolen)
    assert gone.status_code == 401 and gone.json["code"] == "session_expired"
    assert client.get(ME, headers=here).status_code == 200  # the session that changed it stays


def test_the_new_password_must_differ(client, token_for):
    r = client.post(
        CHANGE,
        json={"old_password": DEMO_PASSWORD, "new_password": DEMO_PASSWORD},
        headers=token_for("night1"),
    )
    assert r.status_code == 422 and r.json["code"] == "same_password"


def _set_active(as_user, user_id: int, active: bool) -> None:
    r = as_user("admin").patch(
        f"/api/v1/users/{user_id}", json={"active": active}, headers={"If-Match": "*"}
    )
    assert r.status_code == 200, r.json


def test_reactivating_a_user_does_not_revive_old_tokens(client, as_user, token_for):
    old = token_for("eng1")
    user_id = client.get(ME, headers=old).json["id"]
    _set_active(as_user, user_id, False)
    assert client.get(ME, headers=old).status_code == 401
    _set_active(as_user, user_id, True)
    r = client.get(ME, headers=old)
    assert r.status_code == 401 and r.json["code"] == "session_expired"
    assert client.get(ME, headers=token_for("eng1")).status_code == 200  # a new login works


def test_a_password_change_required_is_enforced_by_the_server(client, as_user, token_for, demo):
    r = as_user("admin").post(
        "/api/v1/users",
        json={
            "username": "newguard",
            "display_name": "新护卫",
            "password": "first-pass-1",
            "assignments": [{"property_id": demo.cuihu, "role": "guard"}],
        },
    )
    assert r.status_code == 201 and r.json["must_change_password"] is True
    headers = token_for("newguard")
    for method, url in (
        ("GET", "/api/v1/properties"),
        ("GET", f"/api/v1/properties/{demo.cuihu}"),
        ("GET", "/api/v1/notifications"),
        ("POST", "/api/v1/users"),
    ):
        refused = client.open(url, method=method, headers=headers, json={})
        assert refused.status_code == 403, (url, refused.json)
        assert refused.json["code"] == "password_change_required"
        assert refused.json["details"]["message_zh"]
    me = client.get(ME, headers=headers)
    assert me.status_code == 200 and me.json["must_change_password"] is True
    r = client.post(
        CHANGE,
        json={"old_password": "first-pass-1", "new_password": "my-own-pass-2"},
        headers=headers,
    )
    assert r.status_code == 204, r.json
    assert client.get("/api/v1/properties", headers=headers).status_code == 200
    assert client.get(ME, headers=headers).json["must_change_password"] is False
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204


def test_after_an_admin_reset_the_user_must_change_it_first(client, as_user, token_for):
    user_id = client.get(ME, headers=token_for("guard1")).json["id"]
    r = as_user("admin").post(
        f"/api/v1/users/{user_id}/password", json={"new_password": "reset-123-x"}
    )
    assert r.status_code == 204
    headers = token_for("guard1")  # as if the guard logged in with the new password
    r = client.get("/api/v1/properties", headers=headers)
    assert r.status_code == 403 and r.json["code"] == "password_change_required"
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
