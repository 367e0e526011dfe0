"""Generated access matrix over every API endpoint.

* Tenancy: a user of property A asks for property B's records through every URL that takes an
  id → 404 (the record's existence is never revealed).
* Roles: for every endpoint guarded by a permission, each demo role at property A is either
  allowed (anything but 403/404) or refused with 403, exactly as ``permissions.PERMISSIONS`` says.

A new endpoint fails ``test_every_endpoint_is_in_the_matrix`` until it is added below, so the
matrix cannot silently fall behind the API.
"""

from __future__ import annotations

import re

import pytest

from tests.access_matrix import ENDPOINTS, body_for, record_ids, request_kwargs
from xunjian.permissions import PERMISSIONS, ROLES

ROLE_USERS = {
    "floor_manager": "fm1",
    "front_desk": "fd1",
    "engineer": "eng1",
    "supervisor": "sup1",
    "manager": "mgr1",
    "night_duty": "night1",
    "guard": "guard1",
    "admin": "padmin1",
}


def api_rules(app) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            found.add((method, rule.rule))
    return found


def test_every_endpoint_is_in_the_matrix(app):
    missing = api_rules(app) - set(ENDPOINTS)
    assert not missing, f"add these endpoints to the access matrix: {sorted(missing)}"
    stale = set(ENDPOINTS) - api_rules(app)
    assert not stale, f"endpoints no longer exist: {sorted(stale)}"


def _url(rule: str, ids: dict[str, int]) -> str:
    return re.sub(r"<(?:int|string):(\w+)>", lambda m: str(ids[m.group(1)]), rule)


SCOPED = [
    key for key, (_, body) in ENDPOINTS.items() if "<" in key[1] and body not in ("SELF", "PUBLIC")
]


@pytest.mark.parametrize(("method", "rule"), SCOPED, ids=[f"{m} {r}" for m, r in SCOPED])
def test_other_property_records_are_not_found(method, rule, as_user, session, demo, etag_header):
    """fm1/sup1 (CUIHU only) reach for JINRONG's records: always 404, whatever the role."""
    foreign = record_ids(session, demo.jinrong)
    _, body = ENDPOINTS[(method, rule)]
    for username in ("fm1", "sup1", "padmin1"):
        response = as_user(username).open(
            method,
            _url(rule, foreign),
            **request_kwargs(body_for(body, foreign)),
            headers=etag_header,
        )
        assert response.status_code == 404, (username, method, rule, response.json)
        assert set(response.json) == {"code", "message", "details"}


def test_lists_do_not_show_other_properties(as_user, demo, session):
    for url in ("/api/v1/buildings", "/api/v1/units", "/api/v1/properties"):
        items = as_user("fm1").get(url + "?limit=200").json["items"]
        assert items
        assert all(item.get("property_id", item["id"]) == demo.cuihu for item in items), url
    jinrong_users = as_user("sup1").get("/api/v1/users?limit=200").json["items"]
    assert "eng2" not in {u["username"] for u in jinrong_users}
    assert as_user("sup1").get(f"/api/v1/buildings?property_id={demo.jinrong}").json["items"] == []


GUARDED = [key for key, (action, _) in ENDPOINTS.items() if action is not None]


@pytest.mark.parametrize(("method", "rule"), GUARDED, ids=[f"{m} {r}" for m, r in GUARDED])
def test_roles_get_exactly_their_permissions(
    method, rule, as_user, session, connection, demo, etag_header
):
    """Every role against one endpoint; each call in a savepoint rolled back before the next.

    The records are made once per endpoint (not once per role), which keeps this matrix —
    roles × endpoints — affordable as the API grows.
    """
    action, body = ENDPOINTS[(method, rule)]
    own = record_ids(session, demo.cuihu)
    clients = {role: as_user(ROLE_USERS[role]) for role in ROLES}
    wrong = []
    for role in ROLES:
        savepoint = connection.begin_nested()
        try:
            response = clients[role].open(
                method, _url(rule, own), **request_kwargs(body_for(body, own)), headers=etag_header
            )
        finally:
            savepoint.rollback()
        if role in PERMISSIONS[action]:
            if response.status_code in (403, 404) or response.status_code >= 500:
                wrong.append((role, response.status_code, response.json))
        elif response.status_code != 403 or response.json["code"] != "forbidden":
            wrong.append((role, response.status_code, response.json))
    assert not wrong, (method, rule, wrong)
