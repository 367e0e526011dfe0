"""Access-matrix entries for photo evidence, devices and the loan register."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import uuid
from typing import Any

from sqlalchemy import select

from tests.evidence import photos
from xunjian.auth.models import RoleAssignment, User
from xunjian.evidence.models import DeviceStatus, Evidence, Loan

ENDPOINTS: dict[tuple[str, str], tuple[str | None, Any]] = {
    ("GET", "/api/v1/evidence"): ("evidence.read", None),
    ("POST", "/api/v1/evidence"): ("evidence.upload", "UPLOAD"),
    ("GET", "/api/v1/evidence/<int:evidence_id>"): ("evidence.read", None),
    ("GET", "/api/v1/evidence/<int:evidence_id>/urls"): ("evidence.read", None),
    ("POST", "/api/v1/evidence/<int:evidence_id>/review"): (
        "evidence.review",
        {"decision": "accepted"},
    ),
    ("GET", "/api/v1/evidence/public-key"): (None, "PUBLIC"),
    ("GET", "/api/v1/evidence/verify/<string:short_code>"): (None, "PUBLIC"),
    ("POST", "/api/v1/devices/heartbeat"): (None, "SELF"),
    ("GET", "/api/v1/devices"): ("devices.read", None),
    ("GET", "/api/v1/devices/<string:device_id>/pending"): ("devices.read", None),
    ("GET", "/api/v1/loans"): ("loans.read", None),
    ("POST", "/api/v1/loans"): ("loans.write", "LOAN"),
    ("POST", "/api/v1/loans/<int:loan_id>/return"): (
        "loans.write",
        {"photos_stored": True, "card_cleared": True},
    ),
}

_PHOTO = photos.jpeg(200, 150, seed=99)


class Multipart(dict):
    """A form body: the matrix test sends it as multipart/form-data."""


def record_ids(session, property_id: int) -> dict[str, Any]:
    company_id = session.scalar(select(User.company_id).where(User.username == "admin"))
    staff = User(
        company_id=company_id,
        username=f"ev-target-{uuid.uuid4().hex[:8]}",
        display_name="T",
        password_hash="unusable",
    )
    session.add(staff)
    session.flush()
    session.add(RoleAssignment(user_id=staff.id, property_id=property_id, role="guard"))
    now = dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC)
    evidence = Evidence(
        client_id=uuid.uuid4(),
        property_id=property_id,
        uploaded_by_id=staff.id,
        context_type="ad_hoc",
        sha256="ab" * 32,
        size_bytes=1,
        mime="image/jpeg",
        width=1,
        height=1,
        original_key="originals/ab/ab/none.jpg",
        received_at=now,
        short_code=uuid.uuid4().hex[:10].upper(),
        signature="",
    )
    device = DeviceStatus(
        device_id=f"dev-{uuid.uuid4().hex[:8]}", user_id=staff.id, reported_at=now
    )
    loan = Loan(
        property_id=property_id,
        item_code="CAM",
        item_name="相机",
        borrower_id=staff.id,
        lent_by_id=staff.id,
        purpose="matrix",
        borrowed_at=now,
        due_at=now + dt.timedelta(hours=8),
    )
    session.add_all([evidence, device, loan])
    session.flush()
    return {
        "evidence_id": evidence.id,
        "device_id": device.device_id,
        "loan_id": loan.id,
        "short_code": evidence.short_code,
        "staff_id": staff.id,
    }


def body_for(body: Any, ids: dict[str, Any]) -> Any:
    if body == "UPLOAD":
        return Multipart(
            client_id=str(uuid.uuid4()),
            sha256=hashlib.sha256(_PHOTO).hexdigest(),
            property_id=str(ids["property_id"]),
            context_type="ad_hoc",
            file=(io.BytesIO(_PHOTO), "p.jpg"),
        )
    if body == "LOAN":
        return {
            "property_id": ids["property_id"],
            "item_code": "CAM-9",
            "item_name": "值班相机",
            "borrower_id": ids["staff_id"],
            "purpose": "matrix",
        }
    return body
