"""Lost updates and duplicate creates under real concurrency (committed transactions)."""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm.exc import StaleDataError

from xunjian.app import create_app
from xunjian.db import make_sessionmaker
from xunjian.org.models import Building


@pytest.fixture
def committed(engine, settings, clock, app_store):
    """An app whose requests really commit (each in its own connection), cleaned up after."""
    sessions = make_sessionmaker(engine)
    app = create_app(settings, sessions=sessions, clock=clock, store_factory=lambda: app_store)
    created: list[str] = []
    yield app, sessions, created
    with sessions() as s:
        s.execute(delete(Building).where(Building.code.in_(created)))
        s.commit()


def _admin_headers(sessions, clock):
    import datetime as dt

    from xunjian.auth.accounts import hash_token
    from xunjian.auth.models import ApiToken, User

    token = uuid.uuid4().hex
    with sessions() as s:
        user = s.scalar(select(User).where(User.username == "admin"))
        s.add(
            ApiToken(
                user_id=user.id,
                token_hash=hash_token(token),
                created_at=clock.now(),
                expires_at=clock.now() + dt.timedelta(hours=1),
            )
        )
        s.commit()
    return {"Authorization": f"Bearer {token}"}


def _run_together(*calls):
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, fn):
        barrier.wait()
        results[i] = fn()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_two_updates_with_the_same_etag_one_wins(committed, clock, demo):
    app, sessions, created = committed
    headers = _admin_headers(sessions, clock)
    code = f"C{uuid.uuid4().hex[:6]}"
    created.append(code)
    r = app.test_client().post(
        "/api/v1/buildings",
        json={"property_id": demo.cuihu, "code": code, "name_zh": "并发楼"},
        headers=headers,
    )
    url = f"/api/v1/buildings/{r.json['id']}"
    etag = app.test_client().get(url, headers=headers).headers["ETag"]

    def patch(name):
        return lambda: app.test_client().patch(
            url, json={"name_en": name}, headers={**headers, "If-Match": etag}
        )

    statuses = sorted(r.status_code for r in _run_together(patch("first"), patch("second")))
    assert statuses == [200, 412]


def test_version_column_stops_a_racing_writer(engine, demo, is_postgres):
    """Both writers passed their If-Match check; the database still lets only one through."""
    if not is_postgres:
        pytest.skip(
            "SQLite serialises writers (BEGIN IMMEDIATE): two writers never hold the same "
            "version at once there, so this race exists only on PostgreSQL"
        )
    sessions = make_sessionmaker(engine)
    code = f"V{uuid.uuid4().hex[:6]}"
    with sessions() as s:
        s.add(Building(property_id=demo.cuihu, code=code, name_zh="版本楼"))
        s.commit()
    try:
        a, b = sessions(), sessions()
        first = a.scalar(select(Building).where(Building.code == code))
        second = b.scalar(select(Building).where(Building.code == code))
        first.name_en, second.name_en = "A", "B"
        a.commit()
        with pytest.raises(StaleDataError):
            b.commit()
        b.rollback()
        a.close(), b.close()
    finally:
        with sessions() as s:
            s.execute(delete(Building).where(Building.code == code))
            s.commit()


def test_concurrent_replays_create_one_record(committed, clock, demo):
    app, sessions, created = committed
    headers = _admin_headers(sessions, clock)
    code = f"R{uuid.uuid4().hex[:6]}"
    created.append(code)
    body = {
        "client_id": str(uuid.uuid4()),
        "property_id": demo.cuihu,
        "code": code,
        "name_zh": "重放",
    }

    def post():
        return app.test_client().post("/api/v1/buildings", json=body, headers=headers)

    results = _run_together(post, post, post)
    assert {r.status_code for r in results} == {201}, [r.json for r in results]
    assert len({r.json["id"] for r in results}) == 1
    with sessions() as s:
        assert s.scalar(select(func.count()).where(Building.code == code)) == 1
