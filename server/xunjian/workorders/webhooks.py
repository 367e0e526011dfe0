"""Outbound webhooks: per-property endpoints, signed deliveries, retries with backoff, a log.

An event becomes one ``WebhookDelivery`` row per subscribed endpoint, written in the same
transaction as the change it reports (so an event is never sent for a change that rolled back,
nor lost for one that committed). A periodic task sends what is due; a failed attempt is retried
after ``RETRY_DELAYS[attempt - 1]``, and after the last one the delivery is marked failed.

Each POST carries ``X-Xunjian-Signature: sha256=<hex HMAC-SHA256 of the body with the endpoint's
secret>``, ``X-Xunjian-Timestamp`` (Unix seconds of the attempt), ``X-Xunjian-Event`` and
``X-Xunjian-Delivery`` (the event id: receivers deduplicate retries by it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import http.client
import json
import secrets
import time
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from .. import audit, outbound
from ..config import Settings
from ..errors import field_error
from ..tenancy import Actor, unscoped
from .models import WebhookDelivery, WebhookEndpoint

EVENT_TYPES = (
    "request.created",
    "request.dispatched",
    "request.handled",
    "request.escalated",
    "request.closed",
    "workorder.created",
    "workorder.assigned",
    "workorder.done",
    "workorder.verified",
    "workorder.rework",
    "workorder.escalated",
    "workorder.closed",
)
# Wait after the n-th failed attempt (exponential, ×4, capped): 8 attempts over about 20 hours.
RETRY_DELAYS: tuple[dt.timedelta, ...] = (
    dt.timedelta(seconds=30),
    dt.timedelta(minutes=2),
    dt.timedelta(minutes=8),
    dt.timedelta(minutes=32),
    dt.timedelta(hours=2, minutes=8),
    dt.timedelta(hours=8, minutes=32),
    dt.timedelta(hours=8, minutes=32),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
LEASE = dt.timedelta(minutes=2)
TIMEOUT_SECONDS = 10.0
LOG_KEEP = 20  # attempts kept in a delivery's log

# (url, body, headers, timeout) -> (status code or None, error text)
Sender = Callable[[str, bytes, dict[str, str], float], tuple[int | None, str]]


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def next_attempt_after(attempts: int, now: dt.datetime) -> dt.datetime | None:
    """When to try again after ``attempts`` failed attempts; None: give up."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return now + RETRY_DELAYS[attempts - 1]


# --- endpoints ----------------------------------------------------------------------------


def private_targets_allowed(settings: Settings) -> bool:
    """Loopback and LAN targets (webhooks, push services) only where the operator allows them
    (`XUNJIAN_OUTBOUND_ALLOW_PRIVATE`: tests, intranets); never by default (outbound.py)."""
    return settings.outbound_allow_private


def check_url(
    url: str, *, allow_private: bool, field: str = "url", code: str = "bad_webhook_url"
) -> str:
    """https to public addresses only, judged by what the host resolves to (outbound.py).
    Also guards Web Push endpoints, which the phone supplies and the server then POSTs to."""
    try:
        outbound.check_url(url, allow_private=allow_private)
    except outbound.OutboundRefused:
        raise field_error(
            field,
            "The URL must be https://host/… on a public address (not a private, loopback or "
            "link-local one).",
            "地址须为公网 https://主机/…（不能是内网、本机或链路本地地址）。",
            code=code,
        ) from None
    return url


def create_endpoint(
    session: Session,
    actor: Actor,
    now: dt.datetime,
    property_id: int,
    *,
    client_id: uuid.UUID | None,
    url: str,
    event_types: list[str],
    description: str = "",
    allow_private: bool,
) -> WebhookEndpoint:
    endpoint = WebhookEndpoint(
        property_id=property_id,
        client_id=client_id,
        url=check_url(url, allow_private=allow_private),
        secret=secrets.token_hex(32),
        event_types=sorted(set(event_types)),
        description=description,
        created_by_id=actor.user_id,
        created_at=now,
    )
    session.add(endpoint)
    audit.record(session, actor, endpoint, "create", after=_public(endpoint))
    return endpoint


def update_endpoint(
    session: Session,
    actor: Actor,
    endpoint: WebhookEndpoint,
    changes: dict[str, Any],
    *,
    allow_private: bool,
) -> WebhookEndpoint:
    before = _public(endpoint)
    if "url" in changes:
        endpoint.url = check_url(changes["url"], allow_private=allow_private)
    if "event_types" in changes:
        endpoint.event_types = sorted(set(changes["event_types"]))
    for name in ("active", "description"):
        if name in changes:
            setattr(endpoint, name, changes[name])
    if changes.get("rotate_secret"):
        endpoint.secret = secrets.token_hex(32)
    audit.record(session, actor, endpoint, "update", before=before, after=_public(endpoint))
    return endpoint


def _public(endpoint: WebhookEndpoint) -> dict[str, Any]:
    snap = audit.snapshot(endpoint)
    snap.pop("secret", None)  # never into the audit log
    return snap


# --- events -------------------------------------------------------------------------------


def emit(
    session: Session, property_id: int, event_type: str, data: dict[str, Any], now: dt.datetime
) -> int:
    """Queue ``event_type`` for every active endpoint of the property that subscribed to it."""
    assert event_type in EVENT_TYPES, event_type
    endpoints = session.scalars(
        unscoped(
            select(WebhookEndpoint).where(
                WebhookEndpoint.property_id == property_id, WebhookEndpoint.active.is_(True)
            )
        )
    )
    count = 0
    for endpoint in endpoints:
        if event_type not in endpoint.event_types:
            continue
        event_id = uuid.uuid4()
        body = json.dumps(
            {
                "id": str(event_id),
                "type": event_type,
                "occurred_at": now.astimezone(dt.UTC).isoformat(),
                "property_id": property_id,
                "data": data,
            },
            ensure_ascii=False,
            sort_keys=True,
            separators=(",", ":"),
            default=_json_default,
        )
        session.add(
            WebhookDelivery(
                property_id=property_id,
                event_id=event_id,
                endpoint_id=endpoint.id,
                event_type=event_type,
                body=body,
                created_at=now,
                state="pending",
                next_attempt_at=now,
            )
        )
        count += 1
    return count


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(type(value).__name__)


# --- delivery -----------------------------------------------------------------------------


def http_send(
    url: str, body: bytes, headers: dict[str, str], timeout: float
) -> tuple[int | None, str]:
    """POST through outbound.py: the address is checked again now and connected to as checked,
    and a 3xx is an answer (a failed delivery), never followed with our body."""
    try:
        status, _ = outbound.post(
            url, body, headers, timeout, allow_private=outbound.private_allowed()
        )
    except outbound.OutboundRefused as error:
        return None, f"refused: {error}"[:300]
    except (OSError, http.client.HTTPException, ValueError) as error:
        return None, f"{type(error).__name__}: {error}"[:300]
    return status, "" if 200 <= status < 300 else f"HTTP {status}"


def headers_for(delivery: WebhookDelivery, secret: str, now: dt.datetime) -> dict[str, str]:
    body = delivery.body.encode()
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Xunjian-Webhooks/1",
        "X-Xunjian-Event": delivery.event_type,
        "X-Xunjian-Delivery": str(delivery.event_id),
        "X-Xunjian-Timestamp": str(int(now.timestamp())),
        "X-Xunjian-Signature": sign(secret, body),
    }


def due_ids(session: Session, now: dt.datetime, limit: int = 100) -> list[int]:
    return list(
        session.scalars(
            unscoped(
                select(WebhookDelivery.id)
                .where(
                    WebhookDelivery.state == "pending",
                    WebhookDelivery.next_attempt_at <= now,
                    or_(WebhookDelivery.lease_until.is_(None), WebhookDelivery.lease_until < now),
                )
                .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
                .limit(limit)
            )
        )
    )


def deliver(
    session: Session, delivery_id: int, now: dt.datetime, send: Sender = http_send
) -> str | None:
    """One attempt at one delivery, if it is due and nobody else holds it. Commits twice: the
    lease before the HTTP call (so no other worker sends it meanwhile), the outcome after.
    Returns the delivery's state, or None when it was not due or held by another worker."""
    claimed = session.execute(
        unscoped(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.id == delivery_id,
                WebhookDelivery.state == "pending",
                WebhookDelivery.next_attempt_at <= now,
                or_(WebhookDelivery.lease_until.is_(None), WebhookDelivery.lease_until < now),
            )
            .values(lease_until=now + LEASE)
            .execution_options(synchronize_session=False)
        )
    )
    session.commit()
    if not getattr(claimed, "rowcount", 0):
        return None
    delivery = session.scalars(
        unscoped(
            select(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id)
            .execution_options(populate_existing=True)
        )
    ).one()
    endpoint = session.scalars(
        unscoped(select(WebhookEndpoint).where(WebhookEndpoint.id == delivery.endpoint_id))
    ).one()
    active, url = endpoint.active, endpoint.url
    body, headers = delivery.body.encode(), headers_for(delivery, endpoint.secret, now)
    # No transaction across the HTTP call (on SQLite it would hold the write lock for up to
    # TIMEOUT_SECONDS): the lease committed above keeps other workers away meanwhile.
    session.commit()
    started = time.monotonic()
    if active:
        status, error = send(url, body, headers, TIMEOUT_SECONDS)
    else:
        status, error = None, "endpoint deactivated"
    took_ms = int((time.monotonic() - started) * 1000)
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.last_status_code = status
    delivery.lease_until = None
    ok = status is not None and 200 <= status < 300
    delivery.last_error = "" if ok else (error or f"HTTP {status}")[:300]
    delivery.log = [
        *delivery.log[-(LOG_KEEP - 1) :],
        {
            "attempt": delivery.attempts,
            "at": now.astimezone(dt.UTC).isoformat(),
            "status_code": status,
            "error": delivery.last_error,
            "duration_ms": took_ms,
        },
    ]
    if ok:
        delivery.state, delivery.delivered_at, delivery.next_attempt_at = "delivered", now, None
    else:
        retry_at = next_attempt_after(delivery.attempts, now) if active else None
        delivery.next_attempt_at = retry_at
        delivery.state = "pending" if retry_at else "failed"
    session.commit()
    return delivery.state


def deliver_due(session: Session, now: dt.datetime, send: Sender = http_send) -> int:
    """Send everything due now, one after another (the embedded default's periodic job)."""
    sent = 0
    for delivery_id in due_ids(session, now):
        if deliver(session, delivery_id, now, send) is not None:
            sent += 1
    return sent
