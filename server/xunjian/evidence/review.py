"""Evidence review, viewing and verification (no Flask)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import Select, String, cast, select
from sqlalchemy.orm import Session

from ..auth.models import User
from ..db import json_list_has
from ..errors import InvalidInput, NotFound
from ..org import localtime
from ..org.models import Property
from ..tenancy import Actor, unscoped
from .integrity import ChainEntry, Signer, verify_signature
from .models import Evidence
from .states import REVIEW, REVIEW_EVENT_FOR


def review(
    session: Session,
    actor: Actor,
    evidence: Evidence,
    *,
    decision: str,
    reason: str,
    now: dt.datetime,
) -> Evidence:
    event = REVIEW_EVENT_FOR[decision]
    REVIEW.check(evidence, event)
    if decision == "rejected" and not reason.strip():
        raise InvalidInput(
            "Say why the photo is rejected: the person who took it must know what to retake.",
            message_zh="请填写退回原因，以便拍摄人重新拍摄。",
            details={"reason": ["required when rejecting"]},
        )
    REVIEW.apply(
        session,
        actor,
        evidence,
        event,
        now=now,
        action=f"review_{decision}",  # the audit log's name for each decision since the start
        review_reason=reason.strip(),
        reviewed_by_id=actor.user_id,
        reviewed_at=now,
    )
    return evidence


def filtered(actor: Actor, args: dict[str, Any], tz_of: dict[int, str]) -> Select[Any]:
    stmt = select(Evidence)
    for name in ("property_id", "uploaded_by_id", "context_type", "context_id", "review_status"):
        if name in args:
            stmt = stmt.where(getattr(Evidence, name) == args[name])
    if "flagged" in args:
        # Flags are a JSON list, stored as the text "[]" when empty on both databases;
        # compared as text because PostgreSQL's json type has no equality operator.
        flags = cast(Evidence.flags, String)
        stmt = stmt.where(flags != "[]" if args["flagged"] else flags == "[]")
    if args.get("flag"):
        stmt = stmt.where(json_list_has(Evidence.flags, "code", args["flag"]))
    if "day" in args:
        if "property_id" not in args:
            raise InvalidInput(
                "Filtering by day needs property_id (days follow the property's time zone).",
                message_zh="按日期筛选时请同时指定项目。",
                details={"day": ["needs property_id"]},
            )
        start, end = localtime.day_bounds(tz_of.get(args["property_id"], "UTC"), args["day"])
        stmt = stmt.where(Evidence.received_at >= start, Evidence.received_at < end)
    return stmt


def presigned_urls(actor: Actor, evidence: Evidence, store: Any, expires: int) -> dict[str, Any]:
    name = f"{evidence.short_code}.{evidence.original_key.rsplit('.', 1)[-1]}"
    return {
        "original": store.presigned_get(
            evidence.original_key, expires_seconds=expires, filename=name
        ),
        "display": store.presigned_get(evidence.display_key, expires_seconds=expires)
        if evidence.display_key
        else None,
        "thumb": store.presigned_get(evidence.thumb_key, expires_seconds=expires)
        if evidence.thumb_key
        else None,
        "expires_in": expires,
    }


def verification(session: Session, short_code: str, signer: Signer) -> dict[str, Any]:
    """What the public verification page shows (reached by the QR code on printed notices)."""
    evidence = session.scalar(
        unscoped(select(Evidence).where(Evidence.short_code == short_code.upper()))
    )
    if evidence is None:
        raise NotFound(
            "No photo with this verification code.", message_zh="没有此验证码对应的照片。"
        )
    entry = session.scalar(
        unscoped(select(ChainEntry).where(ChainEntry.evidence_id == evidence.id))
    )
    prop = session.scalar(unscoped(select(Property).where(Property.id == evidence.property_id)))
    user = session.scalar(unscoped(select(User).where(User.id == evidence.uploaded_by_id)))
    valid = bool(
        entry
        and verify_signature(signer.public_key_b64, entry.payload.encode(), entry.signature)
        and json.loads(entry.payload).get("sha256") == evidence.sha256
    )
    # A public page: the person is shown by surname only (their full name is in the app).
    taken_by = (user.display_name[:1] + "**") if user and user.display_name else "?"
    return {
        "short_code": evidence.short_code,
        "sha256": evidence.sha256,
        "property_name": prop.name_zh if prop else "",
        "context_type": evidence.context_type,
        "received_at": evidence.received_at,
        "captured_at": evidence.captured_at,
        "exif_taken_at": evidence.exif_taken_at,
        "latitude": evidence.latitude,
        "longitude": evidence.longitude,
        "taken_by": taken_by,
        "signature_valid": valid,
        "chain_seq": entry.seq if entry else None,
        "chain_entry_hash": entry.entry_hash if entry else None,
        "key_id": json.loads(entry.payload).get("key_id", "") if entry else "",
    }
