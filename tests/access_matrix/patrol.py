"""Access-matrix entries for building patrols, night spot checks and shift handovers."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from typing import Any

from sqlalchemy import select

from tests.patrol.conftest import png_data_url
from xunjian.auth.models import RoleAssignment, User
from xunjian.patrol.models import (
    Alert,
    Checkpoint,
    Finding,
    Handover,
    Route,
    RouteStop,
    Run,
    SpotCheck,
    StormDay,
)

P = "/api/v1/patrol"
PROP = P + "/properties/<int:property_id>"

ENDPOINTS: dict[tuple[str, str], tuple[str | None, Any]] = {
    # checkpoints
    ("GET", PROP + "/checkpoints"): ("patrol.read", None),
    ("POST", PROP + "/checkpoints"): ("patrol.setup", {"code": "MX-NEW", "name_zh": "矩阵新点"}),
    ("GET", P + "/checkpoints/<int:checkpoint_id>"): ("patrol.read", None),
    ("PATCH", P + "/checkpoints/<int:checkpoint_id>"): ("patrol.setup", {"name_en": "X"}),
    ("GET", P + "/checkpoints/<int:checkpoint_id>/qr"): ("patrol.setup", None),
    ("POST", PROP + "/locate"): (
        "patrol.read",
        {"latitude": 22.5431, "longitude": 113.9345, "accuracy_m": 10},
    ),
    ("GET", PROP + "/labels.pdf"): ("patrol.setup", None),
    # routes
    ("GET", PROP + "/routes"): ("patrol.read", None),
    ("POST", PROP + "/routes"): ("patrol.setup", "PATROL_ROUTE"),
    ("GET", P + "/routes/<int:route_id>"): ("patrol.read", None),
    ("PATCH", P + "/routes/<int:route_id>"): ("patrol.setup", {"name_en": "X"}),
    ("POST", PROP + "/routes/import"): ("patrol.setup", "PATROL_IMPORT"),
    ("GET", PROP + "/routes/export"): ("patrol.setup", None),
    # runs and findings
    ("POST", P + "/routes/<int:route_id>/runs"): ("patrol.run", {}),
    ("GET", PROP + "/runs"): ("patrol.read", None),
    ("GET", P + "/runs/<int:run_id>"): ("patrol.read", None),
    ("POST", P + "/runs/<int:run_id>/checkins"): ("patrol.run", "PATROL_CHECKIN"),
    ("POST", P + "/runs/<int:run_id>/findings"): ("patrol.run", {"outcome": "ok"}),
    ("POST", P + "/runs/<int:run_id>/finish"): ("patrol.run", {"reason": "matrix"}),
    ("GET", PROP + "/findings"): ("patrol.read", None),
    ("GET", P + "/findings/<int:finding_id>"): ("patrol.read", None),
    ("POST", P + "/findings/<int:finding_id>/forward"): (
        "patrol.finding.forward",
        {"target": "work_order"},
    ),
    # supervising
    ("GET", PROP + "/alerts"): ("patrol.review", None),
    ("POST", P + "/alerts/<int:alert_id>/acknowledge"): ("patrol.review", None),
    ("GET", PROP + "/board"): ("patrol.review", None),
    ("GET", PROP + "/completion"): ("patrol.review", None),
    ("GET", PROP + "/register"): ("patrol.read", None),
    ("GET", PROP + "/register.csv"): ("patrol.read", None),
    ("GET", PROP + "/register.pdf"): ("patrol.read", None),
    # night spot checks
    ("GET", PROP + "/spot-checks"): ("spotcheck.read", None),
    ("POST", PROP + "/spot-checks"): ("spotcheck.write", "PATROL_SPOTCHECK"),
    ("GET", P + "/spot-checks/<int:spot_check_id>"): ("spotcheck.read", None),
    ("GET", P + "/spot-checks/<int:spot_check_id>/signatures"): ("spotcheck.read", None),
    ("GET", PROP + "/storm-days"): ("spotcheck.read", None),
    ("POST", PROP + "/storm-days"): ("spotcheck.write", {"day": "2027-08-02", "kind": "typhoon"}),
    ("DELETE", P + "/storm-days/<int:storm_day_id>"): ("spotcheck.write", None),
    ("GET", PROP + "/spot-check-compliance"): ("spotcheck.read", None),
    # Lists only the properties where you may read spot checks: open to every signed-in user.
    ("GET", P + "/spot-check-compliance/short"): (None, None),
    # the staff a night-duty phone picks from (spot check's guard, handover's incoming)
    ("GET", PROP + "/duty-staff"): ("patrol.duty_staff.read", None),
    # handovers
    ("GET", PROP + "/handovers"): ("patrol.read", None),
    ("POST", PROP + "/handovers"): ("handover.write", "PATROL_HANDOVER"),
    ("GET", P + "/handovers/<int:handover_id>"): ("patrol.read", None),
    ("PATCH", P + "/handovers/<int:handover_id>"): ("handover.write", {"shift": "X"}),
    # Bound to a person, not a role: only the outgoing, then the incoming person may confirm
    # (tests/patrol/test_handover.py). The matrix still checks other properties get 404.
    ("POST", P + "/handovers/<int:handover_id>/confirm"): (None, {}),
}

_NOW = dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC)
_SIGNATURE = png_data_url(120, 40)


def _staff(session: Any, property_id: int, role: str) -> User:
    company_id = session.scalar(select(User.company_id).where(User.username == "admin"))
    user = User(
        company_id=company_id,
        username=f"patrol-{role}-{uuid.uuid4().hex[:8]}",
        display_name="矩阵",
        password_hash="unusable",
    )
    session.add(user)
    session.flush()
    session.add(RoleAssignment(user_id=user.id, property_id=property_id, role=role))
    return user


def record_ids(session: Any, property_id: int) -> dict[str, Any]:
    runner = _staff(session, property_id, "floor_manager")
    relief = _staff(session, property_id, "night_duty")
    checkpoint = Checkpoint(
        property_id=property_id,
        code=f"MX{uuid.uuid4().hex[:6]}",
        name_zh="矩阵点",
        latitude=22.5431,
        longitude=113.9345,
        geofence={"type": "Point", "coordinates": [113.9345, 22.5431], "radius_m": 20.0},
        qr_token=secrets.token_urlsafe(16),
    )
    route = Route(
        property_id=property_id,
        code=f"RM{uuid.uuid4().hex[:6]}",
        name_zh="矩阵路线",
        schedule_since=_NOW,
        created_at=_NOW,
        updated_at=_NOW,
    )
    route.stops = [RouteStop(property_id=property_id, position=1, checkpoint=checkpoint)]
    session.add_all([checkpoint, route])
    session.flush()
    run = Run(
        property_id=property_id,
        route_id=route.id,
        runner_id=runner.id,
        state="in_progress",
        started_at=_NOW,
        received_at=_NOW,
        expected_count=1,
        flags=[],
    )
    session.add(run)
    session.flush()
    finding = Finding(
        property_id=property_id,
        client_id=uuid.uuid4(),
        run_id=run.id,
        reported_by_id=runner.id,
        outcome="problem",
        category="other",
        status="open",
        recorded_at=_NOW,
        received_at=_NOW,
    )
    alert = Alert(
        property_id=property_id,
        route_id=route.id,
        window_start=_NOW,
        window_end=_NOW + dt.timedelta(hours=2),
        deadline=_NOW + dt.timedelta(minutes=15),
        raised_at=_NOW + dt.timedelta(minutes=16),
        message="missed",
        message_zh="未巡查",
    )
    spot_check = SpotCheck(
        property_id=property_id,
        checker_id=relief.id,
        post="东门岗",
        guard_name="孙杰",
        checked_at=_NOW,
        received_at=_NOW,
        status="present_alert",
        checker_signature_key="signatures/" + "0" * 64 + ".png",
        checker_signature_sha256="0" * 64,
        guard_signature_key="signatures/" + "1" * 64 + ".png",
        guard_signature_sha256="1" * 64,
    )
    storm_day = StormDay(
        property_id=property_id, day=dt.date(2027, 7, 1), kind="typhoon", created_by_id=relief.id
    )
    handover = Handover(
        property_id=property_id,
        created_by_id=relief.id,
        outgoing_user_id=runner.id,
        incoming_user_id=relief.id,
        state="draft",
        created_at=_NOW,
        updated_at=_NOW,
    )
    session.add_all([finding, alert, spot_check, storm_day, handover])
    session.flush()
    return {
        "checkpoint_id": checkpoint.id,
        "route_id": route.id,
        "run_id": run.id,
        "finding_id": finding.id,
        "alert_id": alert.id,
        "spot_check_id": spot_check.id,
        "storm_day_id": storm_day.id,
        "handover_id": handover.id,
        "patrol_qr_token": checkpoint.qr_token,
        "patrol_checkpoint_code": checkpoint.code,
        "patrol_people": (runner.id, relief.id),
    }


def body_for(body: Any, ids: dict[str, Any]) -> Any:
    if body == "PATROL_ROUTE":
        return {
            "client_id": str(uuid.uuid4()),
            "code": "RM-NEW",
            "name_zh": "矩阵新路线",
            "stops": [{"checkpoint_id": ids["checkpoint_id"]}],
        }
    if body == "PATROL_IMPORT":
        code = ids["patrol_checkpoint_code"]
        return {
            "format": "yaml",
            "content": f"routes:\n  - code: RM-IMP\n    name_zh: 导入\n"
            f"    stops: [{{checkpoint: {code}}}]\n",
        }
    if body == "PATROL_CHECKIN":
        return {"client_id": str(uuid.uuid4()), "qr_token": ids["patrol_qr_token"]}
    if body == "PATROL_SPOTCHECK":
        return {
            "client_id": str(uuid.uuid4()),
            "post": "东门岗",
            "guard_name": "孙杰",
            "status": "present_alert",
            "checker_signature": _SIGNATURE,
            "guard_signature": _SIGNATURE,
        }
    if body == "PATROL_HANDOVER":
        outgoing, incoming = ids["patrol_people"]
        return {
            "client_id": str(uuid.uuid4()),
            "outgoing_user_id": outgoing,
            "incoming_user_id": incoming,
        }
    return body
