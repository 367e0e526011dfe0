"""Renovation API: rectification notices, measures, deposit settlements and the queues
(thin views over ``notices``, ``measures``, ``deposits`` and ``queries``)."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from ..org.models import Property
from ..web.access import find, load_for, property_for, property_ids_for
from ..web.conditional import check_if_match, etag_for, set_etag
from ..web.context import (
    client_id_from,
    commit,
    current_actor,
    db,
    idempotent_create,
    now,
    platform,
)
from ..web.downloads import file_response
from ..web.pagination import (
    decode_time_id_cursor,
    encode_time_id_cursor,
    page_size,
    paginate_request,
)
from ..web.smorest import Blueprint
from . import checklist, measures, notices, queries
from .models import Measure, Notice, Reinspection, Renovation, Settlement
from .pdf import notice_pdf
from .schemas_notices import (
    AcknowledgeSchema,
    ApprovalArgsSchema,
    ApprovalsSchema,
    CloseSchema,
    DecisionSchema,
    EscalateSchema,
    MeasureCreateSchema,
    MeasureLiftSchema,
    MeasureSchema,
    NoticeCreateSchema,
    NoticePageSchema,
    NoticeQueryArgsSchema,
    NoticeSchema,
    OpenNoticeListSchema,
    PdfArgsSchema,
    QueueArgsSchema,
    ReferSchema,
    ReinspectionCreateSchema,
    ReinspectionSchema,
)

blp = Blueprint(
    "renovation_notices",
    __name__,
    url_prefix="/renovation",
    description="Rectification notices (违章整改通知单), measures and deposits",
)


def notice_out(notice: Notice) -> dict[str, Any]:
    db().expire(notice)
    loaded = queries.load_notice(db(), notice.id)
    assert loaded is not None
    set_etag(loaded)
    return queries.notice_out(db(), loaded, now())


# --- notices ------------------------------------------------------------------------------


@blp.post("/renovations/<int:renovation_id>/notices")
@blp.arguments(NoticeCreateSchema)
@blp.response(201, NoticeSchema)
def create_notice(args: dict[str, Any], renovation_id: int) -> dict[str, Any]:
    """Raise a notice from violations (a draft, or issued at once with ``issue: true``)."""
    renovation = load_for(Renovation, renovation_id, "renovation.notice")
    prop = find(Property, renovation.property_id)
    client_id = client_id_from(args)
    codes = args.pop("measures")
    notice = idempotent_create(
        Notice,
        client_id,
        lambda: notices.create_notice(
            db(),
            current_actor(),
            now(),
            prop,
            renovation,
            client_id=client_id,
            measure_codes=codes,
            **args,
        ),
    )
    return notice_out(notice)


@blp.get("/properties/<int:property_id>/notices")
@blp.arguments(NoticeQueryArgsSchema, location="query")
@blp.response(200, NoticePageSchema)
def list_notices(args: dict[str, Any], property_id: int) -> dict[str, Any]:
    prop = property_for(property_id, "renovation.read")
    stmt = queries.notices(prop.id, args.get("state"), args.get("renovation_id"))
    return paginate_request(stmt, Notice.id, args, descending=True).out()


@blp.get("/notices/<int:notice_id>")
@blp.response(200, NoticeSchema)
def get_notice(notice_id: int) -> dict[str, Any]:
    return notice_out(load_for(Notice, notice_id, "renovation.read", *queries.NOTICE_LOADS))


@blp.post("/notices/<int:notice_id>/issue")
@blp.response(200, NoticeSchema)
def issue_notice(notice_id: int) -> dict[str, Any]:
    """Issue a draft: serial number, deadline, measures; a stop-work order suspends the site."""
    notice = load_for(Notice, notice_id, "renovation.notice", *queries.NOTICE_LOADS)
    check_if_match(notice)
    renovation = find(Renovation, notice.renovation_id)
    notices.issue_notice(
        db(), current_actor(), now(), find(Property, notice.property_id), renovation, notice
    )
    commit()
    return notice_out(notice)


@blp.post("/notices/<int:notice_id>/cancel")
@blp.response(200, NoticeSchema)
def cancel_notice(notice_id: int) -> dict[str, Any]:
    notice = load_for(Notice, notice_id, "renovation.notice", *queries.NOTICE_LOADS)
    check_if_match(notice)
    notices.cancel(db(), current_actor(), now(), notice)
    commit()
    return notice_out(notice)


@blp.post("/notices/<int:notice_id>/acknowledge")
@blp.arguments(AcknowledgeSchema)
@blp.response(200, NoticeSchema)
def acknowledge_notice(args: dict[str, Any], notice_id: int) -> dict[str, Any]:
    """The owner or contractor signs on the phone, or refuses (photo of the posted notice)."""
    notice = load_for(Notice, notice_id, "renovation.notice", *queries.NOTICE_LOADS)
    check_if_match(notice)
    notices.acknowledge(db(), current_actor(), now(), platform().store, notice, **args)
    commit()
    return notice_out(notice)


@blp.post("/notices/<int:notice_id>/reinspections")
@blp.arguments(ReinspectionCreateSchema)
@blp.response(201, ReinspectionSchema)
def reinspect_notice(args: dict[str, Any], notice_id: int) -> Reinspection:
    """Re-inspect with photos: passed moves the notice on; failed keeps it open."""
    import uuid

    notice = load_for(Notice, notice_id, "renovation.inspect", *queries.NOTICE_LOADS)
    client_id = client_id_from(args) or uuid.uuid4()
    return idempotent_create(
        Reinspection,
        client_id,
        lambda: notices.reinspect(
            db(), current_actor(), now(), notice, client_id=client_id, **args
        ),
    )


@blp.post("/notices/<int:notice_id>/escalate")
@blp.arguments(EscalateSchema)
@blp.response(200, NoticeSchema)
def escalate_notice(args: dict[str, Any], notice_id: int) -> dict[str, Any]:
    """An overdue notice: record the owner interview (约谈) and the further measures."""
    notice = load_for(Notice, notice_id, "renovation.notice", *queries.NOTICE_LOADS)
    check_if_match(notice)
    codes = args.pop("measures")
    notices.escalate(db(), current_actor(), now(), notice, measure_codes=codes, **args)
    commit()
    return notice_out(notice)


@blp.post("/notices/<int:notice_id>/close")
@blp.arguments(CloseSchema)
@blp.response(200, NoticeSchema)
def close_notice(args: dict[str, Any], notice_id: int) -> dict[str, Any]:
    notice = load_for(Notice, notice_id, "renovation.notice", *queries.NOTICE_LOADS)
    check_if_match(notice)
    notices.close(db(), current_actor(), now(), notice, **args)
    commit()
    return notice_out(notice)


@blp.post("/notices/<int:notice_id>/refer")
@blp.arguments(ReferSchema)
@blp.response(200, NoticeSchema)
def refer_notice(args: dict[str, Any], notice_id: int) -> dict[str, Any]:
    notice = load_for(Notice, notice_id, "renovation.approve", *queries.NOTICE_LOADS)
    check_if_match(notice)
    notices.refer(db(), current_actor(), now(), notice, **args)
    commit()
    return notice_out(notice)


@blp.get("/notices/<int:notice_id>/pdf")
@blp.arguments(PdfArgsSchema, location="query")
@blp.response(200, content_type="application/pdf")
def notice_pdf_view(args: dict[str, Any], notice_id: int) -> Response:
    """The printable notice (Chinese; ``?lang=en`` for English) with a QR to its photo."""
    notice = load_for(Notice, notice_id, "renovation.read", *queries.NOTICE_LOADS)
    doc = queries.notice_document(db(), platform().store, notice, args["lang"], request.url_root)
    name = f"notice-{notice.serial or notice.id}.pdf"
    return file_response(notice_pdf(doc), "application/pdf", name, attachment=False)


# --- measures -----------------------------------------------------------------------------


@blp.post("/notices/<int:notice_id>/measures")
@blp.arguments(MeasureCreateSchema)
@blp.response(201, MeasureSchema)
def add_measure(args: dict[str, Any], notice_id: int) -> Measure:
    """Take a measure of the ladder; M5–M7 become a request for the manager's approval."""
    notice = load_for(Notice, notice_id, "renovation.notice", *queries.NOTICE_LOADS)
    prop = find(Property, notice.property_id)
    client_id = client_id_from(args)
    measure = idempotent_create(
        Measure,
        client_id,
        lambda: measures.add(
            db(),
            current_actor(),
            now(),
            notice,
            checklist.current_version(db(), prop.company_id),
            client_id=client_id,
            **args,
        ),
    )
    set_etag(measure)
    return measure


@blp.post("/measures/<int:measure_id>/decision")
@blp.arguments(DecisionSchema)
@blp.response(200, MeasureSchema)
def decide_measure(args: dict[str, Any], measure_id: int) -> Measure:
    """The manager approves or refuses a measure that needs approval (M5–M7)."""
    measure = load_for(Measure, measure_id, "renovation.approve")
    check_if_match(measure)
    measures.decide(db(), current_actor(), now(), measure, **args)
    commit()
    set_etag(measure)
    return measure


@blp.post("/measures/<int:measure_id>/apply")
@blp.response(200, MeasureSchema)
def apply_measure(measure_id: int) -> Measure:
    """Carry out an approved measure (409 while it still waits for the manager)."""
    measure = load_for(Measure, measure_id, "renovation.notice")
    check_if_match(measure)
    measures.apply(db(), current_actor(), now(), measure)
    commit()
    set_etag(measure)
    return measure


@blp.post("/measures/<int:measure_id>/lift")
@blp.arguments(MeasureLiftSchema)
@blp.response(200, MeasureSchema)
def lift_measure(args: dict[str, Any], measure_id: int) -> Measure:
    measure = load_for(Measure, measure_id, "renovation.notice")
    check_if_match(measure)
    measures.lift(db(), current_actor(), now(), measure, **args)
    commit()
    set_etag(measure)
    return measure


def _properties(args: dict[str, Any], action: str) -> list[int]:
    """The one property asked for (404/403 for it, like a record), or all where allowed."""
    if "property_id" in args:
        return [property_for(args["property_id"], action).id]
    return property_ids_for(action)


# --- queues -------------------------------------------------------------------------------


@blp.get("/open-notices")
@blp.arguments(QueueArgsSchema, location="query")
@blp.response(200, OpenNoticeListSchema)
def open_notices(args: dict[str, Any]) -> dict[str, Any]:
    """Open notices, earliest deadline first (then by id); ``overdue=true`` for overdue/escalated
    ones, ``mine=true`` for those I raised or issued, ``issued_by=<user id>`` for one issuer's.
    Keyset-paged on (deadline, id): ``limit`` (default 500) and ``cursor`` = the previous
    page's ``next_cursor``."""
    allowed = _properties(args, "renovation.read")
    after = decode_time_id_cursor(args["cursor"]) if args.get("cursor") else None
    # Without ``limit``, the 500 rows this list always gave: the phone reads the first page whole.
    limit = page_size(args.get("limit"), 500, max(platform().settings.page_size_max, 500))
    items, next_key = queries.open_notices(
        db(),
        current_actor(),
        allowed,
        args["overdue"],
        now(),
        mine=args["mine"],
        issued_by=args.get("issued_by"),
        limit=limit,
        after=after,
    )
    next_cursor = encode_time_id_cursor(*next_key) if next_key else None
    return {"items": items, "next_cursor": next_cursor}


@blp.get("/approvals")
@blp.arguments(ApprovalArgsSchema, location="query")
@blp.response(200, ApprovalsSchema)
def approvals(args: dict[str, Any]) -> dict[str, Any]:
    """What waits for the manager: applications, measures M5–M7, deposit settlements."""
    out = queries.approvals(db(), _properties(args, "renovation.approve"))
    # Each decision needs If-Match; with the ETag listed, a manager can decide with no signal.
    for key, model in (("measures", Measure), ("settlements", Settlement)):
        out[key] = [{**row, "etag": etag_for(model, row["id"], row["version"])} for row in out[key]]
    return out
