"""Receiving a photo: validate the bytes, store the original, record, sign, chain, flag.

The order matters for "nothing a user submitted is ever lost" and "a refused upload leaves
nothing behind": everything that can refuse the photo (size, hash, decode) runs before anything
is written; the original is stored before the database row, so no row can point at a missing
object. If storage is down the upload fails with 503 and the phone keeps the photo.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import audit
from ..errors import Conflict, DomainError, InvalidInput, NotFound, PayloadTooLarge
from ..org.models import Property
from ..permissions import require
from ..storage import content_key
from ..tenancy import UNSCOPED_KEY, Actor
from . import imaging, plausibility
from .contexts import resolve_context
from .integrity import Signer, append_to_chain
from .models import Evidence

log = logging.getLogger("xunjian.evidence")
_SHORT_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read off paper


class UnsupportedMediaType(DomainError):
    status = 415
    code = "unsupported_type"


@dataclass(frozen=True)
class PhotoUpload:
    client_id: uuid.UUID
    sha256: str
    property_id: int
    context_type: str
    context_id: str
    captured_at: dt.datetime | None
    device_id: str
    latitude: float | None
    longitude: float | None
    accuracy_m: float | None
    note: str


@dataclass(frozen=True)
class IngestResult:
    evidence: Evidence
    replayed: bool
    # The original this upload put into storage (None when it was there already): the view
    # discards it if the commit fails, so a refused upload leaves no object behind.
    stored_key: str | None = None


# Decoded images waiting for their derivatives in this process (embedded mode): the derivative
# task then needs no second download and decode. A Celery worker elsewhere decodes from storage.
_DECODED: OrderedDict[int, imaging.DecodedImage] = OrderedDict()
_DECODED_MAX = 4


def take_decoded(evidence_id: int) -> imaging.DecodedImage | None:
    return _DECODED.pop(evidence_id, None)


def _keep_decoded(evidence_id: int, decoded: imaging.DecodedImage) -> None:
    _DECODED[evidence_id] = decoded
    while len(_DECODED) > _DECODED_MAX:
        _DECODED.popitem(last=False)


def _short_code() -> str:
    return "".join(secrets.choice(_SHORT_CODE_ALPHABET) for _ in range(10))


def _exif_time(facts: imaging.ExifFacts, tz: ZoneInfo) -> dt.datetime | None:
    if facts.taken_at is None:
        return None
    taken = facts.taken_at if facts.taken_at.tzinfo else facts.taken_at.replace(tzinfo=tz)
    return taken.astimezone(dt.UTC)


def _rejected(error: imaging.ImageRejected) -> DomainError:
    details = {"file": [error.message]}
    if error.code == "unsupported_type":
        return UnsupportedMediaType(error.message, message_zh=error.message_zh, details=details)
    if error.code == "file_too_large":
        return PayloadTooLarge(
            error.message, message_zh=error.message_zh, code=error.code, details=details
        )
    return InvalidInput(
        error.message, message_zh=error.message_zh, code=error.code, details=details
    )


def find_replay(session: Session, upload: PhotoUpload) -> Evidence | None:
    existing = session.scalar(select(Evidence).where(Evidence.client_id == upload.client_id))
    if existing is not None and existing.sha256 != upload.sha256.lower():
        raise Conflict(
            "This photo id was already used for a different photo.",
            message_zh="该照片编号已用于另一张照片。",
            code="client_id_reused",
        )
    return existing


def ingest_photo(
    session: Session,
    actor: Actor,
    *,
    store: Any,
    signer: Signer,
    upload: PhotoUpload,
    data: bytes,
    now: dt.datetime,
    max_bytes: int,
    max_pixels: int,
) -> IngestResult:
    # Bytes first, database second: the checks that cost CPU run before any transaction.
    if len(data) > max_bytes:
        # Checked before hashing: the view reads at most max_bytes + 1, so the hash of a
        # cut-off read would only confuse the message.
        raise PayloadTooLarge(
            f"The photo is larger than {max_bytes // (1024 * 1024)} MB.",
            message_zh=f"照片超过 {max_bytes // (1024 * 1024)} MB 上限。",
            code="file_too_large",
            details={"file": ["too large"]},
        )
    digest = imaging.sha256_hex(data)
    if data and digest != upload.sha256.lower():
        raise InvalidInput(
            "The photo arrived damaged (its SHA-256 differs from the phone's). It is still on "
            "the phone; send it again.",
            message_zh="照片传输中损坏（校验值与手机不一致），照片仍在手机上，请重新上传。",
            code="hash_mismatch",
            details={"sha256": ["does not match the file"], "received_sha256": digest},
        )
    try:
        decoded = imaging.decode_for_derivatives(data, max_bytes=max_bytes, max_pixels=max_pixels)
    except imaging.ImageRejected as error:
        raise _rejected(error) from None
    exif = imaging.read_exif(data)
    existing = find_replay(session, upload)
    if existing is not None:
        return IngestResult(existing, replayed=True)
    prop = session.scalar(select(Property).where(Property.id == upload.property_id))
    if prop is None:
        raise NotFound("No such property.", message_zh="项目不存在。")
    require(actor, "evidence.upload", prop.id)

    context = resolve_context(session, upload.context_type, upload.context_id)
    if context is not None and context.property_id != prop.id:
        raise NotFound("No such task at this property.", message_zh="该项目下没有此任务。")

    info = decoded.info
    key = content_key(digest, info.ext)
    # The request's store ends the (read-only) transaction before each call, so no database
    # lock is held while storage works; the rows are then written in one short transaction.
    created_object = not store.exists(key)
    if created_object:
        store.put(key, data, content_type=info.mime, sha256_hex=digest)
    try:
        # Asked again now that we write: a replay of this upload may have landed meanwhile.
        existing = find_replay(session, upload)
        if existing is not None:
            return IngestResult(existing, replayed=True)
        evidence = _record(
            session, actor, upload, prop, context, decoded, exif, len(data), digest, key, now
        )
        append_to_chain(session, evidence, signer)
        audit.record(session, actor, evidence, "upload")
    except IntegrityError:
        # The same client id committed by a concurrent request (PostgreSQL lets both insert).
        session.rollback()
        try:
            existing = find_replay(session, upload)
        except Conflict:
            discard_if_orphan(session, store, key, created_object)
            raise
        if existing is None:
            discard_if_orphan(session, store, key, created_object)
            raise
        return IngestResult(existing, replayed=True)
    except Exception:
        session.rollback()
        discard_if_orphan(session, store, key, created_object)
        raise
    _keep_decoded(evidence.id, decoded)
    return IngestResult(evidence, replayed=False, stored_key=key if created_object else None)


def discard_if_orphan(session: Session, store: Any, key: str, created: bool = True) -> None:
    """Delete an original this upload stored when no evidence row refers to it (the upload was
    refused after storing): a refused photo leaves nothing behind. Objects that were already
    there belong to other uploads of the same bytes and are never touched."""
    if not created:
        return
    session.rollback()
    referenced = session.scalar(
        select(Evidence.id)
        .where(Evidence.original_key == key)
        .limit(1)
        .execution_options(**{UNSCOPED_KEY: True})
    )
    session.rollback()  # end the read before talking to storage
    if referenced is None:
        try:
            store.delete(key)
        except Exception:  # storage down: the refusal stands, `xunjian verify` lists the object
            log.warning("could not delete refused upload %s", key, exc_info=True)


def _record(
    session: Session,
    actor: Actor,
    upload: PhotoUpload,
    prop: Property,
    context: Any,
    decoded: imaging.DecodedImage,
    exif: imaging.ExifFacts,
    size: int,
    digest: str,
    key: str,
    now: dt.datetime,
) -> Evidence:
    """The evidence row (flushed: it needs its id for the chain)."""
    info = decoded.info
    tz = ZoneInfo(prop.timezone)
    evidence = Evidence(
        client_id=upload.client_id,
        property_id=prop.id,
        uploaded_by_id=actor.user_id,
        device_id=upload.device_id,
        context_type=upload.context_type,
        context_id=upload.context_id,
        note=upload.note,
        sha256=digest,
        size_bytes=size,
        mime=info.mime,
        width=info.width,
        height=info.height,
        original_key=key,
        received_at=now,
        captured_at=upload.captured_at,
        exif_taken_at=_exif_time(exif, tz),
        exif_offset=exif.offset,
        exif_latitude=exif.gps_lat,
        exif_longitude=exif.gps_lon,
        exif_make=(exif.make or "")[:60] or None,
        exif_model=(exif.model or "")[:60] or None,
        latitude=upload.latitude,
        longitude=upload.longitude,
        accuracy_m=upload.accuracy_m,
        short_code=_short_code(),
        signature="",
    )
    evidence.flags = plausibility.check(
        plausibility.Facts(
            received_at=now,
            captured_at=upload.captured_at,
            exif_taken_at=evidence.exif_taken_at,
            latitude=upload.latitude,
            longitude=upload.longitude,
            accuracy_m=upload.accuracy_m,
            exif_latitude=exif.gps_lat,
            exif_longitude=exif.gps_lon,
        ),
        prop,
        context,
    )
    session.add(evidence)
    session.flush()
    return evidence
