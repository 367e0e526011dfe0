"""Work-order fixtures: request helpers that drive orders through the API as the demo staff.

The clock stands at T0 = Monday 2026-11-23 09:30 Asia/Shanghai. CUIHU works Monday–Saturday
(2027-01-01 is a holiday there); JINRONG Monday–Friday.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest

from tests.workorders.helpers import add_photo, make_staff, png_data_url, user_id

SIGNATURE = png_data_url()

# How to perform each event of the order's state machine through the API: user, verb, path,
# body. Completion and visits are creates (client_id, no If-Match); the rest need If-Match.
EVENTS: dict[str, tuple[str, str, dict[str, Any] | None]] = {
    "assign": ("fd1", "assign", {"assignee_id": "ENG1"}),
    "accept": ("eng1", "accept", None),
    "decline": ("eng1", "decline", {"reason": "不是水电问题"}),
    "return": ("eng1", "return", {"reason": "需要电梯公司处理"}),
    "arrive": ("eng1", "arrive", None),
    "pause": ("eng1", "pause", {"reason": "等配件"}),
    "resume": ("eng1", "resume", None),
    "complete": ("eng1", "completions", "COMPLETION"),  # type: ignore[dict-item]
    "verify": ("fd1", "verify", None),
    "fail_verification": ("fd1", "reject", {"reason": "仍然漏水"}),
    "visit_satisfied": ("fd1", "visits", "VISIT_OK"),  # type: ignore[dict-item]
    "visit_unsatisfied": ("fd1", "visits", "VISIT_BAD"),  # type: ignore[dict-item]
    "close": ("fd1", "close", None),
    "close_unresolvable": ("mgr1", "close-unresolvable", {"reason": "业主拒绝入户维修"}),
    "edit": ("fd1", "PATCH", {"priority": "high"}),  # type: ignore[dict-item]
}
# The path through the lifecycle to reach each state from a fresh order.
PATH_TO = {
    "new": [],
    "assigned": ["assign"],
    "accepted": ["assign", "accept"],
    "on_site": ["assign", "accept", "arrive"],
    "paused": ["assign", "accept", "arrive", "pause"],
    "done": ["assign", "accept", "arrive", "complete"],
    "verified": ["assign", "accept", "arrive", "complete", "verify"],
    "visited": ["assign", "accept", "arrive", "complete", "verify", "visit_satisfied"],
    "closed": ["assign", "accept", "arrive", "complete", "verify", "visit_satisfied", "close"],
    "rework": ["assign", "accept", "arrive", "complete", "fail_verification"],
    "unresolvable": ["close_unresolvable"],
}


class WorkOrders:
    def __init__(self, as_user: Any, session: Any, demo: Any, clock: Any) -> None:
        self.as_user = as_user
        self.session = session
        self.demo = demo
        self.clock = clock
        self._clients: dict[str, Any] = {}

    def user(self, username: str) -> Any:
        """A client with the user's token (re-issued when the test moved the clock a lot: the
        tokens of ``token_for`` expire a day after they were issued)."""
        issued, client = self._clients.get(username, (None, None))
        if issued is None or abs(self.clock.now() - issued) > dt.timedelta(hours=12):
            issued, client = self.clock.now(), self.as_user(username)
            self._clients[username] = (issued, client)
        return client

    def uid(self, username: str) -> int:
        return user_id(self.session, username)

    def staff(self, role: str, property_id: int | None = None) -> Any:
        user = make_staff(self.session, property_id or self.demo.cuihu, role)
        self.session.commit()
        return user

    # --- requests ---

    def request(self, user: str = "fd1", **fields: Any) -> Any:
        body = {
            "client_id": str(uuid.uuid4()),
            "property_id": self.demo.cuihu,
            "channel": "phone",
            "kind": "repair",
            "matter": "厨房水龙头漏水",
            "place_text": "2栋 201",
            **fields,
        }
        return self.user(user).post("/api/v1/requests", json=body)

    def request_action(self, user: str, request_id: int, action: str, body: Any = None) -> Any:
        url = f"/api/v1/requests/{request_id}"
        etag = self.user(user).get(url).headers.get("ETag", "*")
        return self.user(user).post(f"{url}/{action}", json=body or {}, headers={"If-Match": etag})

    # --- orders ---

    def create(self, user: str = "fd1", **fields: Any) -> dict[str, Any]:
        response = self.create_raw(user, **fields)
        assert response.status_code == 201, response.json
        return response.json

    def create_raw(self, user: str = "fd1", **fields: Any) -> Any:
        body = {
            "client_id": str(uuid.uuid4()),
            "property_id": self.demo.cuihu,
            "category": "plumbing",
            "priority": "normal",
            "description": "卫生间水管漏水",
            "place_text": "1栋 设备房",
            **fields,
        }
        return self.user(user).post("/api/v1/workorders", json=body)

    def get(self, order_id: int, user: str = "fd1") -> Any:
        return self.user(user).get(f"/api/v1/workorders/{order_id}")

    def etag(self, order_id: int, user: str = "fd1") -> str:
        return self.get(order_id, user).headers["ETag"]

    def post(
        self, user: str, order_id: int, action: str, body: Any = None, etag: str | None = None
    ):
        etag = etag or self.etag(order_id, user)
        return self.user(user).post(
            f"/api/v1/workorders/{order_id}/{action}", json=body or {}, headers={"If-Match": etag}
        )

    def photo(self, client_id: str | None = None, context_type: str = "workorder_after") -> str:
        client_id = client_id or str(uuid.uuid4())
        add_photo(self.session, self.demo.cuihu, client_id, context_type)
        self.session.commit()
        return client_id

    def complete(self, order_id: int, user: str = "eng1", arrived: bool = True, **fields: Any):
        photo = self.photo() if arrived else str(uuid.uuid4())
        body = {
            "client_id": str(uuid.uuid4()),
            "work_notes": "更换阀门，试水正常",
            "parts": [{"name": "角阀", "quantity": 1, "unit": "个"}],
            "after_photo_client_ids": [photo],
            **fields,
        }
        return self.user(user).post(f"/api/v1/workorders/{order_id}/completions", json=body)

    def visit(
        self, order_id: int, ratings: tuple[int, int, int, int] = (5, 5, 5, 5), **fields: Any
    ):
        return self.visit_raw(f"/api/v1/workorders/{order_id}/visits", ratings, **fields)

    def visit_raw(self, url: str, ratings: tuple[int, ...], user: str = "fd1", **fields: Any):
        body = {
            "client_id": str(uuid.uuid4()),
            "method": "phone",
            **dict(zip(("attitude", "speed", "quality", "result"), ratings, strict=True)),
            **fields,
        }
        return self.user(user).post(url, json=body)

    def event(self, order_id: int, event: str) -> Any:
        """Perform one event of the state machine through the API."""
        user, action, body = EVENTS[event]
        if body == "COMPLETION":
            return self.complete(order_id, user)
        if body in ("VISIT_OK", "VISIT_BAD"):
            return self.visit(order_id, (5, 5, 5, 5) if body == "VISIT_OK" else (2, 1, 2, 1))
        if isinstance(body, dict) and body.get("assignee_id") == "ENG1":
            body = {"assignee_id": self.uid("eng1")}
        if action == "PATCH":
            return self.user(user).patch(
                f"/api/v1/workorders/{order_id}",
                json=body,
                headers={"If-Match": self.etag(order_id, user)},
            )
        return self.post(user, order_id, action, body)

    def drive(self, state: str, **fields: Any) -> dict[str, Any]:
        """A new order, taken through the API to ``state``."""
        order = self.create(**fields)
        for event in PATH_TO[state]:
            response = self.event(order["id"], event)
            assert response.status_code in (200, 201), (event, response.json)
        current = self.get(order["id"]).json
        assert current["state"] == state, current
        return current


@pytest.fixture
def wo(as_user, session, demo, clock) -> WorkOrders:
    return WorkOrders(as_user, session, demo, clock)
