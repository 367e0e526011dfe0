from __future__ import annotations

import datetime as dt

from xunjian.demo import DEMO_PASSWORD


def login(client, username, password=DEMO_PASSWORD, ip="10.0.0.1"):
    return client.post(
        "/api/v1/auth/login",
        json={"username": username, "password": password, "device_id": "phone-1"},
        environ_base={"REMOTE_ADDR": ip},
    )


def test_login_me_logout(client, demo):
    r = login(client, "fm1")
    assert r.status_code == 200, r.json
    body = r.json
    assert body["token_type"] == "Bearer"
    assert body["user"]["assignments"] == [
        {
            "id": body["user"]["assignments"][0]["id"],
            "property_id": demo.cuihu,
            "property_name": "翠湖花园",
            "role": "floor_manager",
        }
    ]
    headers = {"Authorization": f"Bearer {body['token']}"}
    assert client.get("/api/v1/auth/me", headers=headers).json["username"] == "fm1"
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    r = client.get("/api/v1/auth/me", headers=headers)
    assert r.status_code == 401 and r.json["code"] == "session_expired"


def test_no_token_is_401_with_error_shape(client):
    r = client.get("/api/v1/properties")
    assert r.status_code == 401
    assert set(r.json) == {"code", "message", "details"}
    assert r.json["details"]["message_zh"]


def test_wrong_passwords_slow_down_that_client_only(client, clock, app):
    """Details of the throttle: tests/security/test_login_throttle.py."""
    for _ in range(app.extensions["xunjian"].settings.login_max_failures):
        r = login(client, "eng1", "wrong-password")
        assert r.status_code == 401 and r.json["code"] == "invalid_credentials"
    r = login(client, "eng1")  # this device must wait, even with the right password
    assert r.status_code == 429 and r.json["code"] == "too_many_attempts"
    assert int(r.headers["Retry-After"]) > 0
    assert login(client, "eng1", ip="10.0.0.2").status_code == 200  # the owner's own phone
    clock.advance(seconds=int(r.headers["Retry-After"]))
    assert login(client, "eng1").status_code == 200


def test_unknown_user_looks_like_wrong_password(client):
    r = login(client, "nobody-here", "whatever-123")
    assert r.status_code == 401 and r.json["code"] == "invalid_credentials"


def test_rate_limit_per_ip(app, client):
    settings = app.extensions["xunjian"].settings
    object.__setattr__(settings, "login_rate_per_minute", 3)
    for _ in range(3):
        login(client, "fm1", "bad-password-x", ip="10.9.9.9")
    r = login(client, "fm1", ip="10.9.9.9")
    assert r.status_code == 429 and r.json["code"] == "too_many_attempts"
    assert login(client, "fm1", ip="10.9.9.10").status_code == 200


def test_admin_resets_password_and_sessions_end(client, as_user, session):
    token = login(client, "guard1").json["token"]
    user_id = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).json["id"]
    r = as_user("admin").post(
        f"/api/v1/users/{user_id}/password", json={"new_password": "fresh-pass-42"}
    )
    assert r.status_code == 204, r.json
    assert (
        client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code
        == 401
    )
    assert login(client, "guard1").status_code == 401
    r = login(client, "guard1", "fresh-pass-42")
    assert r.status_code == 200 and r.json["user"]["must_change_password"] is True


def test_change_own_password(client):
    token = login(client, "night1").json["token"]
    headers = {"Authorization": f"Bearer {token}"}
    r = client.post(
        "/api/v1/auth/password",
        json={"old_password": "nope-nope", "new_password": "x" * 10},
        headers=headers,
    )
    assert r.status_code == 422 and r.json["code"] == "wrong_password"
    r = client.post(
        "/api/v1/auth/password",
        json={"old_password": DEMO_PASSWORD, "new_password": "short"},
        headers=headers,
    )
    assert r.status_code == 422 and r.json["code"] == "weak_password"
    r = client.post(
        "/api/v1/auth/password",
        json={"old_password": DEMO_PASSWORD, "new_password": "night-shift-99"},
        headers=headers,
    )
    assert r.status_code == 204
    assert login(client, "night1", "night-shift-99").status_code == 200


def test_expired_token(client, clock, app):
    token = login(client, "fm1").json["token"]
    clock.advance(hours=app.extensions["xunjian"].settings.token_ttl_hours + 1)
    r = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401


def test_tokens_are_stored_hashed(client, session):
    from sqlalchemy import select

    from xunjian.auth.models import ApiToken

    token = login(client, "fm1").json["token"]
    stored = session.scalars(select(ApiToken.token_hash)).all()
    assert token not in stored
    assert all(len(h) == 64 for h in stored)
    _ = dt  # keep import for readers: expiry is a datetime column
