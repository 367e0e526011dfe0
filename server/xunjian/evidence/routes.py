"""Photo upload, listing, review, presigned viewing, verification; devices; the loan register."""

from __future__ import annotations

import logging
from typing import Any

from flask.views import MethodView

from ..web.access import (
    load_for,
    not_found,
    property_for,
    property_ids_for,
    property_ids_where,
    require_at,
    scoped_list,
)
from ..web.conditional import check_if_match, set_etag
from ..web.context import (
    client_id_from,
    commit,
    current_actor,
    db,
    idempotent_create,
    now,
    platform,
    public,
)
from ..web.pagination import paginate_request
from ..web.smorest import Blueprint
from . import devices, loans, queries, review
from .ingest import PhotoUpload, discard_if_orphan, ingest_photo
from .integrity import load_signer
from .models import DeviceStatus, Evidence, Loan
from .schemas import (
    DeviceListSchema,
    DeviceQueryArgsSchema,
    EvidencePageSchema,
    EvidenceQueryArgsSchema,
    EvidenceSchema,
    HeartbeatSchema,
    LoanPageSchema,
    LoanQueryArgsSchema,
    LoanReturnSchema,
    LoanSchema,
    PendingPhotosSchema,
    PublicKeySchema,
    ReviewSchema,
    UploadSchema,
    UrlsSchema,
    VerificationSchema,
)

log = logging.getLogger("xunjian.evidence")
blp = Blueprint("evidence", __name__, url_prefix="/evidence", description="Photo evidence")
devices_blp = Blueprint(
    "devices", __name__, url_prefix="/devices", description="Phones' outbox reports"
)
loans_blp = Blueprint(
    "loans", __name__, url_prefix="/loans", description="Duty camera/phone loan register"
)


def signer() -> Any:
    p = platform()
    cached = getattr(p, "_signer", None)
    if cached is None:
        cached = load_signer(p.settings)
        p._signer = cached  # type: ignore[attr-defined]
    return cached


@blp.route("")
class EvidenceCollection(MethodView):
    @blp.arguments(EvidenceQueryArgsSchema, location="query")
    @blp.response(200, EvidencePageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Photos at your properties; supervisors filter by day, person, context and flags."""
        actor = current_actor()
        stmt = review.filtered(actor, args, queries.property_timezones(db()))
        stmt = scoped_list(stmt, Evidence, "evidence.read")
        page = paginate_request(stmt, Evidence.id, args, descending=True)
        return {"items": page.items, "next_cursor": page.next_cursor}

    @blp.arguments(UploadSchema, location="files")
    @blp.response(201, EvidenceSchema)
    def post(self, form: dict[str, Any]) -> Evidence:
        """Upload one photo (multipart). Replays with the same client_id return the original.

        The response's sha256 is what the server stored: the phone deletes its copy only when
        it equals the phone's own hash.
        """
        from flask import g

        from ..tasks import evidence_derivatives

        settings = platform().settings
        data = form["file"].read(settings.max_upload_bytes + 1)
        upload = PhotoUpload(**{k: form[k] for k in PhotoUpload.__dataclass_fields__})
        result = ingest_photo(
            db(),
            current_actor(),
            store=platform().store,
            signer=signer(),
            upload=upload,
            data=data,
            now=now(),
            max_bytes=settings.max_upload_bytes,
            max_pixels=settings.max_image_pixels,
        )
        if result.replayed:
            g.idempotent_replay = True
            return result.evidence
        try:
            commit()
        except Exception:
            if result.stored_key:
                discard_if_orphan(db(), platform().store, result.stored_key)
            raise
        try:
            evidence_derivatives.delay(result.evidence.id)
        except Exception:
            # The photo is safely stored and recorded; the sweep job makes the copies later.
            log.warning("derivatives deferred for evidence %s", result.evidence.id, exc_info=True)
        db().refresh(result.evidence)
        return result.evidence


@blp.route("/<int:evidence_id>")
class EvidenceItem(MethodView):
    @blp.response(200, EvidenceSchema)
    def get(self, evidence_id: int) -> Evidence:
        evidence = load_for(Evidence, evidence_id, "evidence.read")
        set_etag(evidence)
        return evidence


@blp.get("/<int:evidence_id>/urls")
@blp.response(200, UrlsSchema)
def evidence_urls(evidence_id: int) -> dict[str, Any]:
    """Short-lived presigned links to the original, display copy and thumbnail."""
    evidence = load_for(Evidence, evidence_id, "evidence.read")
    settings = platform().settings
    return review.presigned_urls(
        current_actor(), evidence, platform().store, settings.presign_seconds
    )


@blp.post("/<int:evidence_id>/review")
@blp.arguments(ReviewSchema)
@blp.response(200, EvidenceSchema)
def review_evidence(args: dict[str, Any], evidence_id: int) -> Evidence:
    """Accept, reject (with a reason: the task is reopened for a new photo) or mark exemplary."""
    evidence = load_for(Evidence, evidence_id, "evidence.review")
    check_if_match(evidence)
    review.review(
        db(), current_actor(), evidence, decision=args["decision"], reason=args["reason"], now=now()
    )
    commit()
    set_etag(evidence)
    return evidence


@blp.get("/public-key")
@blp.response(200, PublicKeySchema)
@blp.doc(security=[])
@public
def public_key() -> dict[str, str]:
    """The Ed25519 key that signs every evidence record (verify signatures offline with it)."""
    s = signer()
    return {"algorithm": "Ed25519", "public_key": s.public_key_b64, "key_id": s.key_id}


@blp.get("/verify/<string:short_code>")
@blp.response(200, VerificationSchema)
@blp.doc(security=[])
@public
def verify_code(short_code: str) -> dict[str, Any]:
    """Public facts of one photo, by the short code printed on notices."""
    return review.verification(db(), short_code[:16], signer())


@devices_blp.post("/heartbeat")
@devices_blp.arguments(HeartbeatSchema)
@devices_blp.response(204)
def heartbeat(args: dict[str, Any]) -> None:
    """The phone reports its outbox: how many photos it still holds, since when."""
    args.pop("client_id", None)
    devices.record_heartbeat(db(), current_actor(), now(), args)
    commit()


@devices_blp.get("")
@devices_blp.arguments(DeviceQueryArgsSchema, location="query")
@devices_blp.response(200, DeviceListSchema)
def list_devices(args: dict[str, Any]) -> dict[str, Any]:
    """Phones of staff at your properties, those holding photos longest first."""
    allowed = property_ids_for("devices.read", args.get("property_id"))
    rows = queries.devices(db(), allowed, args["pending_only"])
    return {"items": [{**_device_out(row), "user_name": name} for row, name in rows]}


def _device_out(row: DeviceStatus) -> dict[str, Any]:
    return {c: getattr(row, c) for c in DeviceStatus.__table__.columns.keys()}  # noqa: SIM118


@devices_blp.get("/<string:device_id>/pending")
@devices_blp.response(200, PendingPhotosSchema)
def device_pending(device_id: str) -> dict[str, Any]:
    """Handover check: the photos this phone last reported as not yet uploaded."""
    actor = current_actor()
    row = queries.device_status(db(), device_id[:100])
    if row is None:
        return {"device_id": device_id, "reported_at": None, "pending": []}
    if row.user_id != actor.user_id:
        shared = queries.works_at(db(), row.user_id) & actor.property_ids
        if not shared:  # a phone of another property's staff: as if it did not exist
            raise not_found(DeviceStatus)
        if not shared & set(property_ids_where("devices.read")):
            require_at(min(shared), "devices.read")
    return {
        "device_id": device_id,
        "reported_at": row.reported_at,
        "pending": devices.pending_photos_for_device(db(), device_id),
    }


def _loan_out(loan: Loan) -> dict[str, Any]:
    out = {c: getattr(loan, c) for c in Loan.__table__.columns.keys()}  # noqa: SIM118
    out["overdue"] = loans.is_overdue(loan, now())
    return out


@loans_blp.route("")
class Loans(MethodView):
    @loans_blp.arguments(LoanQueryArgsSchema, location="query")
    @loans_blp.response(200, LoanPageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The register; ``overdue=true`` lists items not back by their deadline."""
        stmt = queries.loans(
            now(),
            property_id=args.get("property_id"),
            state=args.get("state"),
            overdue=args.get("overdue") is True,
        )
        stmt = scoped_list(stmt, Loan, "loans.read")
        page = paginate_request(stmt, Loan.id, args)
        return {"items": [_loan_out(x) for x in page.items], "next_cursor": page.next_cursor}

    @loans_blp.arguments(LoanSchema)
    @loans_blp.response(201, LoanSchema)
    def post(self, args: dict[str, Any]) -> dict[str, Any]:
        """Lend a duty camera or phone (return deadline defaults to 17:30 today)."""
        prop = property_for(args["property_id"], "loans.write")
        client_id = client_id_from(args)
        args["client_id"] = client_id
        loan = idempotent_create(
            Loan, client_id, lambda: loans.lend(db(), current_actor(), prop, args, now())
        )
        set_etag(loan)
        return _loan_out(loan)


@loans_blp.post("/<int:loan_id>/return")
@loans_blp.arguments(LoanReturnSchema)
@loans_blp.response(200, LoanSchema)
def return_loan(args: dict[str, Any], loan_id: int) -> dict[str, Any]:
    loan = load_for(Loan, loan_id, "loans.write")
    check_if_match(loan)
    loans.give_back(db(), current_actor(), loan, args, now())
    commit()
    set_etag(loan)
    return _loan_out(loan)
