"""Factories for work-order tests and the access matrix (rows written straight to the session)."""

from __future__ import annotations

import base64
import datetime as dt
import io
import secrets
import uuid
from typing import Any

from PIL import Image
from sqlalchemy import select

from xunjian.auth.models import RoleAssignment, User
from xunjian.evidence.models import Evidence
from xunjian.patrol.models import Checkpoint, Finding, Route, RouteStop, Run
from xunjian.workorders.models import WorkOrder

T_BASE = dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC)


def png_data_url(width: int = 240, height: int = 80) -> str:
    image = Image.new("L", (width, height), 255)
    for x in range(20, width - 20):  # a stroke, so it is not blank
        image.putpixel((x, height // 2 + (x % 7) - 3), 0)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def user_id(session: Any, username: str) -> int:
    found = session.scalar(select(User.id).where(User.username == username))
    assert found is not None, username
    return found


def make_staff(session: Any, property_id: int, role: str, prefix: str = "wo") -> User:
    company_id = session.scalar(select(User.company_id).where(User.username == "admin"))
    user = User(
        company_id=company_id,
        username=f"{prefix}-{role}-{uuid.uuid4().hex[:8]}",
        display_name=f"测试{role}",
        password_hash="unusable",
    )
    session.add(user)
    session.flush()
    session.add(RoleAssignment(user_id=user.id, property_id=property_id, role=role))
    session.flush()
    return user


def add_photo(
    session: Any, property_id: int, client_id: str | uuid.UUID, context_type: str = "ad_hoc"
) -> Evidence:
    """An evidence row as if the photo had been uploaded (the bytes are not needed here)."""
    evidence = Evidence(
        client_id=uuid.UUID(str(client_id)),
        property_id=property_id,
        uploaded_by_id=user_id(session, "admin"),
        context_type=context_type,
        sha256=secrets.token_hex(32),
        size_bytes=1,
        mime="image/jpeg",
        width=1,
        height=1,
        original_key="originals/00/00/none.jpg",
        received_at=T_BASE,
        short_code=secrets.token_hex(5).upper(),
        signature="",
    )
    session.add(evidence)
    session.flush()
    return evidence


def make_finding(
    session: Any,
    property_id: int,
    *,
    note: str = "2栋大堂天花渗水",
    photos: list[str] | None = None,
    status: str = "open",
    unit_id: int | None = None,
    building_id: int | None = None,
) -> Finding:
    runner = make_staff(session, property_id, "floor_manager")
    checkpoint = Checkpoint(
        property_id=property_id,
        code=f"WO{uuid.uuid4().hex[:6]}",
        name_zh="大堂东侧",
        building_id=building_id,
        latitude=22.5431,
        longitude=113.9345,
        qr_token=secrets.token_urlsafe(16),
    )
    route = Route(
        property_id=property_id,
        code=f"RW{uuid.uuid4().hex[:6]}",
        name_zh="工单测试路线",
        schedule_since=T_BASE,
        created_at=T_BASE,
        updated_at=T_BASE,
    )
    route.stops = [RouteStop(property_id=property_id, position=1, checkpoint=checkpoint)]
    session.add_all([checkpoint, route])
    session.flush()
    run = Run(
        property_id=property_id,
        route_id=route.id,
        runner_id=runner.id,
        state="in_progress",
        started_at=T_BASE,
        received_at=T_BASE,
        expected_count=1,
        flags=[],
    )
    session.add(run)
    session.flush()
    forwarded = status == "forwarded"
    finding = Finding(
        property_id=property_id,
        client_id=uuid.uuid4(),
        run_id=run.id,
        checkpoint_id=checkpoint.id,
        unit_id=unit_id,
        reported_by_id=runner.id,
        outcome="problem",
        category="facility",
        note=note,
        photo_client_ids=photos or [],
        status=status,
        forward_target="renovation" if forwarded else None,
        forwarded_at=T_BASE if forwarded else None,
        forwarded_by_id=runner.id if forwarded else None,
        recorded_at=T_BASE,
        received_at=T_BASE,
    )
    session.add(finding)
    session.flush()
    return finding


def make_order(session: Any, property_id: int, **columns: Any) -> WorkOrder:
    """A work order row with sensible defaults; ``columns`` must satisfy the CHECKs."""
    created = columns.pop("created_at", T_BASE)
    values: dict[str, Any] = {
        "property_id": property_id,
        "source": "direct",
        "category": "plumbing",
        "priority": "normal",
        "description": "测试工单",
        "state": "new",
        "created_by_id": user_id(session, "admin"),
        "created_at": created,
        "response_due_at": created + dt.timedelta(hours=4),
        "completion_due_at": created + dt.timedelta(hours=72),
    }
    values.update(columns)
    order = WorkOrder(**values)
    session.add(order)
    session.flush()
    return order
