"""Access-matrix entries for requests, work orders, visits, escalations, metrics, webhooks."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from typing import Any

from tests.workorders.helpers import make_order, make_staff, user_id
from xunjian.workorders.models import Completion, ServiceRequest, WebhookEndpoint

W = "/api/v1/workorders"
ORDER = W + "/<int:order_id>"
R = "/api/v1/requests"
REQUEST = R + "/<int:request_id>"
PROP = "/api/v1/properties/<int:property_id>"
_NOW = dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC)
_REASON = {"reason": "矩阵"}

ENDPOINTS: dict[tuple[str, str], tuple[str | None, Any]] = {
    # requests
    ("GET", R): ("requests.read", None),
    ("POST", R): ("requests.write", "WO_REQUEST"),
    ("GET", REQUEST): ("requests.read", None),
    ("POST", REQUEST + "/reply"): ("requests.write", {"note": "已答复"}),
    ("POST", REQUEST + "/handle"): ("requests.write", {"note": "已处理"}),
    ("POST", REQUEST + "/close"): ("requests.write", None),
    ("POST", REQUEST + "/close-unresolvable"): ("workorders.close_unresolvable", _REASON),
    ("POST", REQUEST + "/visits"): ("visits.write", "WO_VISIT"),
    # work orders
    ("GET", W): ("workorders.read", None),
    ("POST", W): ("workorders.dispatch", "WO_ORDER"),
    ("GET", W + "/queue"): ("workorders.work", None),
    ("GET", ORDER): ("workorders.read", None),
    ("PATCH", ORDER): ("workorders.dispatch", {"priority": "high"}),
    ("POST", ORDER + "/assign"): ("workorders.dispatch", "WO_ASSIGN"),
    ("POST", ORDER + "/accept"): ("workorders.work", None),
    ("POST", ORDER + "/decline"): ("workorders.work", _REASON),
    ("POST", ORDER + "/return"): ("workorders.work", _REASON),
    ("POST", ORDER + "/arrive"): ("workorders.work", None),
    ("POST", ORDER + "/pause"): ("workorders.work", _REASON),
    ("POST", ORDER + "/resume"): ("workorders.work", None),
    ("POST", ORDER + "/completions"): ("workorders.work", "WO_COMPLETION"),
    ("POST", ORDER + "/verify"): ("workorders.verify", None),
    ("POST", ORDER + "/reject"): ("workorders.verify", _REASON),
    ("POST", ORDER + "/close"): ("workorders.verify", None),
    ("POST", ORDER + "/close-unresolvable"): ("workorders.close_unresolvable", _REASON),
    ("POST", ORDER + "/visits"): ("visits.write", "WO_VISIT"),
    ("GET", W + "/late-completions"): ("workorders.dispatch", None),
    ("POST", W + "/late-completions/<int:completion_id>/resolve"): (
        "workorders.dispatch",
        {"decision": "dismiss", "note": "矩阵"},
    ),
    # return visits, escalations, notifications
    ("GET", PROP + "/visit-queue"): ("visits.write", None),
    ("GET", PROP + "/visit-batch"): ("visits.write", None),
    ("GET", "/api/v1/escalations"): ("escalations.read", None),
    ("GET", "/api/v1/notifications"): (None, "SELF"),
    ("POST", "/api/v1/notifications/read"): (None, "SELF"),
    # Web Push: a person's own phones (409 here: the test deployment has no VAPID keys)
    ("GET", "/api/v1/notifications/push"): (None, "SELF"),
    ("POST", "/api/v1/notifications/push-subscriptions"): (None, "SELF"),
    ("DELETE", "/api/v1/notifications/push-subscriptions"): (None, "SELF"),
    # metrics and webhooks
    ("GET", PROP + "/workorder-metrics"): ("metrics.read", None),
    ("GET", PROP + "/workorder-metrics/export"): ("metrics.read", None),
    ("GET", PROP + "/webhooks"): ("webhooks.admin", None),
    ("POST", PROP + "/webhooks"): ("webhooks.admin", "WO_WEBHOOK"),
    ("GET", "/api/v1/webhooks/<int:webhook_id>"): ("webhooks.admin", None),
    ("PATCH", "/api/v1/webhooks/<int:webhook_id>"): ("webhooks.admin", {"description": "矩阵"}),
    ("GET", "/api/v1/webhooks/<int:webhook_id>/deliveries"): ("webhooks.admin", None),
}


def record_ids(session: Any, property_id: int) -> dict[str, Any]:
    engineer = make_staff(session, property_id, "engineer", prefix="wo-matrix")
    receiver = user_id(session, "admin")
    request = ServiceRequest(
        property_id=property_id,
        channel="phone",
        kind="repair",
        matter="矩阵报事",
        place_text="大堂",
        received_by_id=receiver,
        received_at=_NOW,
        recorded_at=_NOW,
        responsible_id=receiver,
        state="open",
    )
    session.add(request)
    order = make_order(session, property_id)
    completion = Completion(
        property_id=property_id,
        client_id=uuid.uuid4(),
        work_order_id=order.id,
        engineer_id=engineer.id,
        done_at=_NOW,
        received_at=_NOW,
        work_notes="矩阵",
        after_photo_client_ids=[str(uuid.uuid4())],
        status="late_pending",
        late_reason="reassigned",
    )
    webhook = WebhookEndpoint(
        property_id=property_id,
        url="http://127.0.0.1:9/matrix",
        secret=secrets.token_hex(32),
        event_types=["workorder.created"],
        created_by_id=receiver,
        created_at=_NOW,
    )
    session.add_all([completion, webhook])
    session.flush()
    return {
        "request_id": request.id,
        "order_id": order.id,
        "completion_id": completion.id,
        "webhook_id": webhook.id,
        "wo_engineer_id": engineer.id,
    }


def body_for(body: Any, ids: dict[str, Any]) -> Any:
    fresh = str(uuid.uuid4())
    if body == "WO_REQUEST":
        return {
            "client_id": fresh,
            "property_id": ids["property_id"],
            "channel": "phone",
            "kind": "repair",
            "matter": "矩阵",
            "place_text": "大堂",
        }
    if body == "WO_ORDER":
        return {
            "client_id": fresh,
            "property_id": ids["property_id"],
            "category": "other",
            "description": "矩阵",
        }
    if body == "WO_ASSIGN":
        return {"assignee_id": ids["wo_engineer_id"]}
    if body == "WO_COMPLETION":
        return {"client_id": fresh, "work_notes": "矩阵", "after_photo_client_ids": [fresh]}
    if body == "WO_VISIT":
        return {
            "client_id": fresh,
            "method": "phone",
            "attitude": 5,
            "speed": 5,
            "quality": 5,
            "result": 5,
        }
    if body == "WO_WEBHOOK":
        return {
            "client_id": fresh,
            "url": "http://127.0.0.1:9/matrix",
            "event_types": ["workorder.created"],
        }
    return body
