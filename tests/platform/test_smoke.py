from __future__ import annotations


def test_healthz(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json["status"] == "ok"


def test_readyz_checks_database_and_storage(client):
    r = client.get("/readyz")
    assert r.status_code == 200, r.json
    assert r.json["checks"] == {"database": "ok", "storage": "ok"}


def test_properties_visible_to_member(as_user, demo):
    r = as_user("fm1").get("/api/v1/properties")
    assert r.status_code == 200, r.json
    assert [p["id"] for p in r.json["items"]] == [demo.cuihu]
