"""Web Push wake-ups for the notification feed, where the deployment configures VAPID keys.
No Flask imports.

The feed (``notifications.py``) stays the contract. A push carries no content — only
``{"type": "feed"}`` — so owners' names, phone numbers and units never pass through a third-party
push service, and a lost push costs nothing: the phone polls the feed on start and on ``online``.

Pushes are sent by the periodic task ``xunjian.push_sweep``, never inside a request: a slow or
unreachable push service must not slow down an assignment, and a rolled-back change never
wakes anyone (the sweep only sees committed feed rows). Each subscription remembers the newest
feed row it was woken for, so one sweep sends at most one ping per phone however much news
there is, and a failed ping is tried again at the next sweep.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from .. import outbound
from ..errors import Conflict, field_error
from ..tenancy import Actor
from .models import Notification, PushSubscription
from .webhooks import check_url

log = logging.getLogger("xunjian.workorders.push")

PAYLOAD = json.dumps({"type": "feed"})
# A wake-up older than this is worthless: the phone polls the feed when it comes back anyway.
TTL_SECONDS = 12 * 3600
TIMEOUT_SECONDS = 10.0
# Consecutive failures after which a subscription is dropped (the phone subscribes again when
# the app next starts); 404/410 from the push service drop it at once (the browser revoked it).
MAX_FAILURES = 20
GONE = (404, 410)


@dataclass(frozen=True)
class VapidKeys:
    public_key: str
    private_key: str
    subject: str


def keys_from(settings: Any) -> VapidKeys | None:
    """The deployment's VAPID keys, or None where Web Push is not configured."""
    public = getattr(settings, "vapid_public_key", "")
    private = getattr(settings, "vapid_private_key", "")
    subject = getattr(settings, "vapid_subject", "")
    if not (public and private and subject):
        return None
    return VapidKeys(public, private, subject)


# (subscription info, payload, keys, ttl, timeout) -> (status code or None, error text)
Sender = Callable[[dict[str, Any], str, VapidKeys, int, float], tuple[int | None, str]]


def webpush_send(
    info: dict[str, Any], payload: str, keys: VapidKeys, ttl: int, timeout: float
) -> tuple[int | None, str]:
    """Encrypt (RFC 8291, aes128gcm) and sign (RFC 8292) with pywebpush; POST via outbound.py."""
    from py_vapid import Vapid
    from pywebpush import WebPushException, webpush

    try:
        # Parsed here, not by pywebpush, which would first take the key for a file name.
        key = keys.private_key
        vapid = Vapid.from_pem(key.encode()) if "BEGIN" in key else Vapid.from_string(key)
        response: Any = webpush(
            info,
            data=payload,
            vapid_private_key=vapid,
            vapid_claims={"sub": keys.subject},
            ttl=ttl,
            timeout=timeout,
            requests_session=_OutboundPoster(outbound.private_allowed()),
        )
        return int(response.status_code), ""
    except WebPushException as exc:
        status = getattr(exc.response, "status_code", None)
        return (int(status) if status is not None else None), str(exc.message)[:300]
    except Exception as exc:  # network errors, a refused address, a bad key: logged, retried
        return None, f"{type(exc).__name__}: {exc}"[:300]


@dataclass(frozen=True)
class _Answer:
    """The part of a requests.Response that pywebpush reads."""

    status_code: int
    text: str
    reason: str = ""
    headers: dict[str, str] | None = None


class _OutboundPoster:
    """Stands in for pywebpush's requests session, so a push goes out like every other outbound
    request: address checked at send time, connected to as checked, redirects not followed."""

    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private

    def post(
        self, url: str, *, data: bytes | None, headers: Any, timeout: float, **_: Any
    ) -> _Answer:
        status, text = outbound.post(
            url, data or b"", dict(headers), timeout, allow_private=self.allow_private
        )
        return _Answer(status_code=status, text=text)


def public_config(keys: VapidKeys | None) -> dict[str, Any]:
    """What the phone needs to subscribe (``applicationServerKey``), or that it should not."""
    return {"enabled": keys is not None, "public_key": keys.public_key if keys else None}


def _not_configured() -> Conflict:
    return Conflict(
        "Web Push is not configured on this server; the app polls the notification feed.",
        message_zh="服务器未配置网页推送，应用会定时获取通知。",
        code="push_not_configured",
    )


def _key(value: str, field: str, size: int, what: str, what_zh: str) -> None:
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != size:
        raise field_error(
            f"keys.{field}",
            f"keys.{field} must be {what}, base64url-encoded ({size} bytes).",
            f"keys.{field} 须为 base64url 编码的{what_zh}（{size} 字节）。",
            code="bad_push_subscription",
        )


def subscribe(
    session: Session,
    actor: Actor,
    keys: VapidKeys | None,
    now: dt.datetime,
    *,
    endpoint: str,
    p256dh: str,
    auth: str,
    allow_private: bool,
) -> PushSubscription:
    """Register (or take over) a phone's subscription for the actor. A shared phone that
    someone else signs in on moves to them: pushes follow whoever uses the device now."""
    if keys is None:
        raise _not_configured()
    check_url(endpoint, allow_private=allow_private, field="endpoint", code="bad_push_endpoint")
    # Checked now, not at the first send: a key that cannot encrypt would fail every sweep.
    _key(p256dh, "p256dh", 65, "the phone's P-256 public key", "手机的 P-256 公钥")
    _key(auth, "auth", 16, "the 16-byte auth secret", "16 字节的认证密钥")
    # Only news from now on: the phone reads older rows from the feed when it starts.
    newest = session.scalar(
        select(func.max(Notification.id)).where(Notification.user_id == actor.user_id)
    )
    row = session.scalar(select(PushSubscription).where(PushSubscription.endpoint == endpoint))
    if row is None:
        row = PushSubscription(endpoint=endpoint, created_at=now)
        session.add(row)
    row.user_id, row.p256dh, row.auth = actor.user_id, p256dh, auth
    row.last_notified_id, row.failures, row.last_error = newest or 0, 0, ""
    session.flush()
    return row


def unsubscribe(session: Session, actor: Actor, endpoint: str) -> int:
    result = session.execute(
        delete(PushSubscription).where(
            PushSubscription.endpoint == endpoint, PushSubscription.user_id == actor.user_id
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


def push_due(
    session: Session, keys: VapidKeys | None, now: dt.datetime, send: Sender = webpush_send
) -> int:
    """Ping every subscribed phone whose person has unread news it was not woken for yet.
    Commits per subscription, so one slow push service does not hold the others' rows."""
    if keys is None:
        return 0
    newest = (
        select(Notification.user_id, func.max(Notification.id).label("newest"))
        .where(Notification.read_at.is_(None))
        .group_by(Notification.user_id)
        .subquery()
    )
    due = list(
        session.execute(
            select(PushSubscription.id, newest.c.newest)
            .join(newest, newest.c.user_id == PushSubscription.user_id)
            .where(newest.c.newest > PushSubscription.last_notified_id)
            .order_by(PushSubscription.id)
        )
    )
    sent = 0
    for sub_id, newest_id in due:
        sub = session.get(PushSubscription, sub_id)
        if sub is None:
            continue
        info = {"endpoint": sub.endpoint, "keys": {"p256dh": sub.p256dh, "auth": sub.auth}}
        session.commit()  # no transaction (on SQLite: the write lock) across the HTTP call
        status, error = send(info, PAYLOAD, keys, TTL_SECONDS, TIMEOUT_SECONDS)
        if status is not None and 200 <= status < 300:
            sub.last_notified_id, sub.last_success_at = newest_id, now
            sub.failures, sub.last_error = 0, ""
            sent += 1
        elif status in GONE:
            session.delete(sub)
        else:
            sub.failures += 1
            sub.last_error = (error or f"HTTP {status}")[:300]
            if sub.failures >= MAX_FAILURES:
                log.warning("dropping push subscription %s after %d failures", sub.id, MAX_FAILURES)
                session.delete(sub)
        session.commit()
    return sent
