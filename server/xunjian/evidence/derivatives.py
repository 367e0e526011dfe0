"""The display copy (with the burned-in strip) and the thumbnail, made after the upload commits.

Runs as a Celery task (in-process in the embedded default). The strip states what the server
knows, not what the phone claimed: the server's receipt time in the property's time zone, the
uploader's name, the place, and the first characters of the hash that identifies the original.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..auth.models import User
from ..org import localtime
from ..org.models import Property
from ..tenancy import unscoped
from . import imaging
from .contexts import resolve_context
from .ingest import take_decoded
from .models import Evidence

log = logging.getLogger("xunjian.evidence")

CONTEXT_LABELS_ZH = {
    "patrol_checkin": "巡查打卡",
    "patrol_finding": "巡查发现",
    "renovation_item": "装修检查",
    "notice": "整改通知",
    "workorder_before": "维修前",
    "workorder_after": "维修后",
    "spot_check": "夜间查岗",
    "handover": "交接班",
    "ad_hoc": "现场拍照",
}


def strip_for(session: Session, evidence: Evidence) -> imaging.StripText:
    prop = session.scalar(unscoped(select(Property).where(Property.id == evidence.property_id)))
    user = session.scalar(unscoped(select(User).where(User.id == evidence.uploaded_by_id)))
    context = resolve_context(session, evidence.context_type, evidence.context_id)
    assert prop is not None
    place = context.label if context and context.label else CONTEXT_LABELS_ZH[evidence.context_type]
    local = localtime.local(prop, evidence.received_at)
    # Three lines, as the phone's preview shows them (place / time and person / hash).
    return imaging.StripText(
        lines=[
            f"{prop.name_zh} · {place}",
            f"{local:%Y-%m-%d %H:%M:%S} {user.display_name if user else '?'}",
            f"SHA-256 {evidence.sha256[:8]}",
        ]
    )


def derivative_key(evidence: Evidence, kind: str) -> str:
    # Not content-addressed: the strip names the uploader and time, so two uploads of the same
    # bytes have different display copies.
    return f"derivatives/{evidence.sha256[:2]}/{evidence.sha256}-{evidence.id}-{kind}.jpg"


def render_derivatives(session: Session, store: Any, evidence_id: int) -> Evidence | None:
    evidence = session.scalar(unscoped(select(Evidence).where(Evidence.id == evidence_id)))
    if evidence is None or evidence.derivatives_state == "ready":
        return evidence
    strip = strip_for(session, evidence)
    # End the read before storage and decoding: on SQLite an open transaction holds the write
    # lock, and the requests of everyone else would wait for this photo's download and resize.
    session.commit()
    decoded = take_decoded(evidence_id)
    try:
        if decoded is None:
            data = store.get(evidence.original_key)
            decoded = imaging.decode_for_derivatives(
                data, max_bytes=len(data), max_pixels=imaging.DEFAULT_MAX_PIXELS
            )
        made = imaging.make_derivatives(decoded, strip)
    except imaging.ImageRejected as error:  # cannot happen for an accepted upload; record it
        evidence.derivatives_state = "failed"
        evidence.derivatives_error = error.message[:300]
        log.error("derivatives failed for evidence %s: %s", evidence_id, error.message)
        return evidence
    display_key, thumb_key = derivative_key(evidence, "display"), derivative_key(evidence, "thumb")
    store.put(
        display_key,
        made.display,
        content_type="image/jpeg",
        sha256_hex=imaging.sha256_hex(made.display),
    )
    store.put(
        thumb_key, made.thumb, content_type="image/jpeg", sha256_hex=imaging.sha256_hex(made.thumb)
    )
    evidence.display_key, evidence.thumb_key = display_key, thumb_key
    evidence.derivatives_state = "ready"
    evidence.derivatives_error = ""
    return evidence


# A photo's own task normally finishes within seconds; one still pending after this long lost
# its task (storage down, or a worker killed mid-task whose message the broker will only
# redeliver after its visibility timeout) and is taken by the sweep.
SWEEP_AFTER = dt.timedelta(seconds=60)


def pending_derivative_ids(
    session: Session, now: dt.datetime | None = None, limit: int = 50
) -> list[int]:
    cutoff = (now or dt.datetime.now(dt.UTC)) - SWEEP_AFTER
    return list(
        session.scalars(
            unscoped(
                select(Evidence.id)
                .where(Evidence.derivatives_state == "pending", Evidence.received_at < cutoff)
                .order_by(Evidence.id)
                .limit(limit)
            )
        )
    )
