"""Renovation fixtures: a site at CUIHU 1栋 201 (approved and in progress), request helpers,
signatures and PDF text.

The clock stands at T0 = Monday 2026-11-23 09:30 Asia/Shanghai: inside the default weekday
hours (08:00–12:00, 14:00–18:00).
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import uuid
from typing import Any

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from xunjian.demo import demo_actor
from xunjian.org.models import Building, Floor, Property, Unit
from xunjian.renovation import registry
from xunjian.renovation.models import Renovation

R = "/api/v1/renovation"


def unit_id(session: Any, property_id: int, building: str, number: str) -> int:
    return session.scalar(
        select(Unit.id)
        .join(Floor, Floor.id == Unit.floor_id)
        .join(Building, Building.id == Unit.building_id)
        .where(Unit.property_id == property_id, Building.code == building, Unit.number == number)
    )


def make_site(
    session: Any, clock: Any, property_id: int, unit: int, *, state: str = "in_progress", **kw: Any
) -> Renovation:
    """A renovation through the services (as the company admin), moved to ``state``."""
    actor = demo_actor(session)
    prop = session.scalar(select(Property).where(Property.id == property_id))
    site = registry.register(
        session,
        actor,
        clock.now(),
        prop,
        client_id=uuid.uuid4(),
        unit_id=unit,
        owner_name=kw.pop("owner_name", "陈女士"),
        owner_phone="13800000201",
        contractor_company=kw.pop("contractor_company", "深圳市安居装饰工程有限公司"),
        foreman_name="黄师傅",
        foreman_phone="13900000001",
        start_date=dt.date(2026, 11, 20),
        end_date=dt.date(2027, 2, 20),
        deposit_amount=kw.pop("deposit_amount", "5000.00"),
        **kw,
    )
    session.flush()
    if state != "applied":
        registry.transition(
            session,
            actor,
            clock.now(),
            site,
            "approve",
            permit={
                "permit_no": f"SG-{uuid.uuid4().hex[:6]}",
                "permit_valid_from": dt.date(2026, 11, 20),
                "permit_valid_to": dt.date(2027, 2, 28),
            },
        )
    if state in ("in_progress", "completion_inspection"):
        registry.transition(session, actor, clock.now(), site, "start")
    if state == "completion_inspection":
        registry.transition(session, actor, clock.now(), site, "request_completion")
    session.commit()
    return site


@pytest.fixture
def unit201(session, demo) -> int:
    return unit_id(session, demo.cuihu, "B1", "201")


@pytest.fixture
def site(session, clock, demo, unit201) -> Renovation:
    return make_site(session, clock, demo.cuihu, unit201)


@pytest.fixture
def foreign_site(session, clock, demo) -> Renovation:
    return make_site(
        session,
        clock,
        demo.jinrong,
        session.scalar(select(Unit.id).where(Unit.property_id == demo.jinrong).limit(1)),
    )


def violation(code: str, note: str = "现场发现", photos: int = 1) -> dict[str, Any]:
    return {
        "code": code,
        "result": "violation",
        "note": note,
        "photo_client_ids": [str(uuid.uuid4()) for _ in range(photos)],
    }


class Phone:
    """One person's phone talking to the renovation API."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def inspect(self, renovation_id: int, results: list[dict[str, Any]], **body: Any) -> Any:
        body.setdefault("client_id", str(uuid.uuid4()))
        return self.client.post(
            f"{R}/renovations/{renovation_id}/inspections", json={"results": results, **body}
        )

    def notice(self, renovation_id: int, violation_ids: list[int], **body: Any) -> Any:
        body.setdefault("client_id", str(uuid.uuid4()))
        return self.client.post(
            f"{R}/renovations/{renovation_id}/notices",
            json={"violation_ids": violation_ids, **body},
        )

    def act(self, url: str, etag: str = "*", **body: Any) -> Any:
        return self.client.post(url, json=body, headers={"If-Match": etag})

    def get(self, url: str) -> Any:
        return self.client.get(url)


@pytest.fixture
def phone(as_user):
    return lambda username="fm1": Phone(as_user(username))


@pytest.fixture
def audit_events(session):
    """Audit actions on one record since the test began. SQLite reuses the ids of deleted rows
    (the concurrency test deletes what it committed), while audit entries are never deleted."""
    from sqlalchemy import func

    from xunjian.audit import AuditEntry

    mark = session.scalar(select(func.max(AuditEntry.id))) or 0

    def events(table: str, ident: int) -> list[str]:
        return list(
            session.scalars(
                select(AuditEntry.action)
                .where(
                    AuditEntry.id > mark,
                    AuditEntry.entity_type == table,
                    AuditEntry.entity_id == str(ident),
                )
                .order_by(AuditEntry.id)
            )
        )

    return events


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert set(response.json) == {"code", "message", "details"}
    assert response.json["message"]
    assert response.json["details"].get("message_zh")
    if code:
        assert response.json["code"] == code, response.json
    return response.json


def png_data_url(width: int = 240, height: int = 80) -> str:
    image = Image.new("L", (width, height), 255)
    for x in range(20, width - 20):  # a stroke, so it is not blank
        image.putpixel((x, height // 2 + (x % 7) - 3), 0)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
