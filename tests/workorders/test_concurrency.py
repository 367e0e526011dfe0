"""Work orders under real concurrency: committed transactions, one connection per request."""

from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.orm.exc import StaleDataError

from tests.workorders.helpers import add_photo
from xunjian.app import create_app
from xunjian.auth.accounts import build_actor, hash_token
from xunjian.auth.models import ApiToken, RoleAssignment, User
from xunjian.db import make_sessionmaker
from xunjian.evidence.models import Evidence
from xunjian.workorders import orders
from xunjian.workorders.models import (
    Assignment,
    Completion,
    Escalation,
    Notification,
    ReturnVisit,
    WorkOrder,
)


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


class Committed:
    """An app whose requests really commit; staff and orders it makes are removed after."""

    def __init__(self, engine, settings, clock, app_store, demo) -> None:
        self.sessions = make_sessionmaker(engine)
        self.app = create_app(
            settings, sessions=self.sessions, clock=clock, store_factory=lambda: app_store
        )
        self.clock, self.demo = clock, demo
        self.order_ids: list[int] = []
        self.staff: list[int] = []
        self.evidence_ids: list[int] = []

    def headers(self, username: str) -> dict[str, str]:
        token = uuid.uuid4().hex
        with self.sessions() as s:
            user = s.scalar(select(User).where(User.username == username))
            s.add(
                ApiToken(
                    user_id=user.id,
                    token_hash=hash_token(token),
                    created_at=self.clock.now(),
                    expires_at=self.clock.now() + dt.timedelta(hours=1),
                )
            )
            s.commit()
        return {"Authorization": f"Bearer {token}"}

    def add_staff(self, role: str) -> User:
        with self.sessions() as s:
            company = s.scalar(select(User.company_id).where(User.username == "admin"))
            user = User(
                company_id=company,
                username=f"cc-{role}-{uuid.uuid4().hex[:8]}",
                display_name="并发",
                password_hash="unusable",
            )
            s.add(user)
            s.flush()
            s.add(RoleAssignment(user_id=user.id, property_id=self.demo.cuihu, role=role))
            s.commit()
            self.staff.append(user.id)
            return user

    def client(self):
        return self.app.test_client()

    def cleanup(self) -> None:
        with self.sessions() as s:
            ids = self.order_ids
            for model in (Notification, Assignment, Completion, Escalation, ReturnVisit):
                s.execute(delete(model).where(model.work_order_id.in_(ids)))
            s.execute(delete(Evidence).where(Evidence.id.in_(self.evidence_ids)))
            s.execute(delete(WorkOrder).where(WorkOrder.id.in_(ids)))
            # Audit rows name these people, so accounts stay; they lose their roles and access.
            s.execute(delete(RoleAssignment).where(RoleAssignment.user_id.in_(self.staff)))
            s.execute(update(User).where(User.id.in_(self.staff)).values(active=False))
            s.execute(delete(Notification).where(Notification.user_id.in_(self.staff)))
            s.commit()


@pytest.fixture
def committed(engine, settings, clock, app_store, demo):
    c = Committed(engine, settings, clock, app_store, demo)
    yield c
    c.cleanup()


def _new_order(c: Committed, headers, **fields) -> dict:
    body = {
        "client_id": str(uuid.uuid4()),
        "property_id": c.demo.cuihu,
        "category": "electrical",
        "description": "配电箱跳闸",
        "place_text": "2栋 配电房",
        **fields,
    }
    r = c.client().post("/api/v1/workorders", json=body, headers=headers)
    assert r.status_code == 201, r.json
    c.order_ids.append(r.json["id"])
    return r.json


def _on_site(c: Committed, fd, eng) -> str:
    """A new order assigned to eng1, accepted and on site; returns its URL."""
    with c.sessions() as s:
        eng1 = s.scalar(select(User.id).where(User.username == "eng1"))
    order = _new_order(c, fd, assignee_id=eng1)
    url = f"/api/v1/workorders/{order['id']}"
    for action in ("accept", "arrive"):
        etag = c.client().get(url, headers=eng).headers["ETag"]
        assert (
            c.client().post(f"{url}/{action}", headers={**eng, "If-Match": etag}).status_code == 200
        )
    return url


def test_two_front_desk_users_assign_the_same_order_at_once(committed):
    """Both read the order (same ETag) and assign it to different engineers at the same
    moment: one wins, the other gets 412 and must reload — never a silent overwrite."""
    c = committed
    fd_a, fd_b = c.headers("fd1"), c.headers(c.add_staff("front_desk").username)
    other_engineer = c.add_staff("engineer")
    with c.sessions() as s:
        eng1 = s.scalar(select(User.id).where(User.username == "eng1"))
    order = _new_order(c, fd_a)
    url = f"/api/v1/workorders/{order['id']}"
    etag = c.client().get(url, headers=fd_a).headers["ETag"]

    def assign(headers, engineer_id):
        return lambda: c.client().post(
            url + "/assign",
            json={"assignee_id": engineer_id},
            headers={**headers, "If-Match": etag},
        )

    results = _run_together(assign(fd_a, eng1), assign(fd_b, other_engineer.id))
    statuses = sorted(r.status_code for r in results)
    assert statuses[0] == 200 and statuses[1] in (409, 412), [r.json for r in results]
    winner = next(r for r in results if r.status_code == 200).json["assignee_id"]
    final = c.client().get(url, headers=fd_a).json
    assert final["assignee_id"] == winner and final["version"] == order["version"] + 1
    assert len(final["assignments"]) == 1  # the loser left no trace


def test_version_column_stops_a_racing_assignment(committed, is_postgres):
    """Both writers passed their If-Match check; the database still lets only one through."""
    if not is_postgres:
        pytest.skip(
            "SQLite serialises writers (BEGIN IMMEDIATE): two transactions never hold the same "
            "order version at once there, so this race exists only on PostgreSQL"
        )
    c = committed
    order = _new_order(c, c.headers("fd1"))
    other = c.add_staff("engineer")
    a, b = c.sessions(), c.sessions()
    try:

        def actor(s, username):
            return build_actor(s, s.scalar(select(User).where(User.username == username)))

        first = a.scalar(select(WorkOrder).where(WorkOrder.id == order["id"]))
        second = b.scalar(select(WorkOrder).where(WorkOrder.id == order["id"]))
        now = c.clock.now()
        eng1 = a.scalar(select(User.id).where(User.username == "eng1"))
        # Both loaded version 1 (both If-Match checks would pass). a writes and commits; b's
        # UPDATE … WHERE version = 1 then matches no row.
        orders.assign(a, actor(a, "fd1"), first, now, assignee_id=eng1)
        a.commit()
        with pytest.raises(StaleDataError):
            orders.assign(b, actor(b, "fd1"), second, now, assignee_id=other.id)
            b.commit()
        b.rollback()
    finally:
        a.close()
        b.close()


def test_late_done_racing_a_reassignment_is_never_lost(committed):
    """The engineer's queued "done" and the front desk's reassignment arrive together. Either
    the report lands first (the order is done; the reassignment is refused) or the
    reassignment does (the report is kept as late for the front desk). Never neither."""
    c = committed
    fd, eng = c.headers("fd1"), c.headers("eng1")
    other = c.add_staff("engineer")
    url = _on_site(c, fd, eng)
    etag = c.client().get(url, headers=fd).headers["ETag"]
    report = {
        "client_id": str(uuid.uuid4()),
        "work_notes": "复位空开，检查线路",
        "after_photo_client_ids": [str(uuid.uuid4())],
    }
    results = _run_together(
        lambda: c.client().post(f"{url}/completions", json=report, headers=eng),
        lambda: c.client().post(
            f"{url}/assign", json={"assignee_id": other.id}, headers={**fd, "If-Match": etag}
        ),
    )
    done, moved = results
    assert done.status_code == 201, done.json
    final = c.client().get(url, headers=fd).json
    if moved.status_code == 200:
        assert done.json["status"] == "late_pending"
        assert final["state"] == "assigned" and final["late_completions"] == 1
    else:
        assert moved.status_code in (409, 412), moved.json
        assert done.json["status"] == "applied" and final["state"] == "done"
    assert [x["id"] for x in final["completions"]] == [done.json["id"]]


def test_a_done_replayed_twice_at_once_is_one_report(committed):
    """A flaky connection makes the phone's outbox send the same queued "done" twice at the
    same moment: the client_id's unique constraint keeps one report, both answers name it."""
    c = committed
    fd, eng = c.headers("fd1"), c.headers("eng1")
    url = _on_site(c, fd, eng)
    report = {
        "client_id": str(uuid.uuid4()),
        "work_notes": "更换空开",
        "after_photo_client_ids": [str(uuid.uuid4())],
    }
    send = lambda: c.client().post(f"{url}/completions", json=report, headers=eng)  # noqa: E731
    first, second = _run_together(send, send)
    assert {first.status_code, second.status_code} == {201}, (first.json, second.json)
    assert first.json["id"] == second.json["id"]
    final = c.client().get(url, headers=fd).json
    assert final["state"] == "done" and len(final["completions"]) == 1


def test_a_return_visit_replayed_twice_at_once_is_one_visit(committed):
    """The same for the front desk's queued return visit: one visit, both answers 201."""
    c = committed
    fd, eng = c.headers("fd1"), c.headers("eng1")
    url = _on_site(c, fd, eng)
    photo = str(uuid.uuid4())
    report = {
        "client_id": str(uuid.uuid4()),
        "work_notes": "复位",
        "after_photo_client_ids": [photo],
    }
    assert c.client().post(f"{url}/completions", json=report, headers=eng).status_code == 201
    with c.sessions() as s:  # the after-photo arrives, so the desk can verify
        evidence = add_photo(s, c.demo.cuihu, photo, "workorder_after")
        s.commit()
        c.evidence_ids.append(evidence.id)
    etag = c.client().get(url, headers=fd).headers["ETag"]
    assert c.client().post(f"{url}/verify", headers={**fd, "If-Match": etag}).status_code == 200
    visit = {"client_id": str(uuid.uuid4()), "method": "phone"}
    visit.update(attitude=5, speed=5, quality=5, result=5)
    send = lambda: c.client().post(f"{url}/visits", json=visit, headers=fd)  # noqa: E731
    first, second = _run_together(send, send)
    assert {first.status_code, second.status_code} == {201}, (first.json, second.json)
    assert first.json["id"] == second.json["id"]
    final = c.client().get(url, headers=fd).json
    assert final["state"] == "visited" and len(final["visits"]) == 1
