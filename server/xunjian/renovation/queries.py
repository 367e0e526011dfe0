"""What the API and the PDFs show: notices with their violations and measures, settlements,
the open-notice and approval queues. No Flask imports."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session, selectinload

from ..auth.models import User
from ..org import localtime
from ..org.models import Property
from ..tenancy import Actor
from .inspections import result_out
from .models import (
    OPEN_NOTICE_STATES,
    Inspection,
    InspectionResult,
    Measure,
    Notice,
    Renovation,
    Settlement,
)
from .pdf import NoticeDoc
from .photos import evidence_by_client_ids
from .units import unit_label, unit_labels

log = logging.getLogger("xunjian.renovation")


def columns(row: Any) -> dict[str, Any]:
    return {c: getattr(row, c) for c in type(row).__table__.columns.keys()}  # noqa: SIM118


def renovation_out(session: Session, renovation: Renovation) -> dict[str, Any]:
    return {**columns(renovation), "unit_label": unit_label(session, renovation.unit_id)}


# What a notice's page shows with it: violations (with checklist items), measures, reinspections.
NOTICE_LOADS = (
    selectinload(Notice.violations).selectinload(InspectionResult.item),
    selectinload(Notice.measures),
    selectinload(Notice.reinspections),
)
SETTLEMENT_LOADS = (selectinload(Settlement.deductions),)


def load_notice(session: Session, notice_id: int) -> Notice | None:
    return session.scalar(select(Notice).where(Notice.id == notice_id).options(*NOTICE_LOADS))


def notice_out(session: Session, notice: Notice, now: dt.datetime | None = None) -> dict[str, Any]:
    site = session.scalar(select(Renovation).where(Renovation.id == notice.renovation_id))
    out = columns(notice)
    out["unit_label"] = unit_label(session, site.unit_id) if site else ""
    out["violations"] = [result_out(v) for v in notice.violations]
    out["measures"] = [columns(m) for m in notice.measures]
    out["reinspections"] = [columns(r) for r in notice.reinspections]
    return out


def notice_document(
    session: Session, store: Any, notice: Notice, lang: str, base_url: str
) -> NoticeDoc:
    site = session.scalar(select(Renovation).where(Renovation.id == notice.renovation_id))
    prop = session.scalar(select(Property).where(Property.id == notice.property_id))
    assert site is not None and prop is not None
    photo_ids = [c for v in notice.violations for c in v.photo_client_ids]
    photos = evidence_by_client_ids(session, photo_ids)
    thumbs = []
    for evidence in photos[:4]:
        if evidence.thumb_key:
            try:
                thumbs.append(store.get(evidence.thumb_key))
            except Exception:  # storage down: print without the thumbnail
                log.warning("thumbnail %s not available for a notice", evidence.thumb_key)
    signature = None
    if notice.signature_key:
        try:
            signature = store.get(notice.signature_key)
        except Exception:
            log.warning("signature %s not available for a notice", notice.signature_key)
    en = lang == "en"
    measure_names = [f"{m.code} {m.name_en if en else m.name_zh}" for m in notice.measures]
    if not measure_names:
        measure_names = list(notice.planned_measures)
    return NoticeDoc(
        lang=lang,
        serial=notice.serial,
        property_name=(prop.name_en or prop.name_zh) if en else prop.name_zh,
        unit=unit_label(session, site.unit_id, lang),
        owner=site.owner_name,
        contractor=" ".join(p for p in (site.contractor_company, site.foreman_name) if p),
        permit_no=site.permit_no or "",
        issued=localtime.local_day(prop, notice.issued_at).isoformat() if notice.issued_at else "",
        deadline=notice.deadline.isoformat() if notice.deadline else "",
        stop_work=notice.stop_work,
        violations=[
            {
                "code": v.code,
                "name": (v.item.name_en or v.item.name_zh) if en else v.item.name_zh,
                "note": v.note,
                "severity": v.item.severity or "",
            }
            for v in notice.violations
        ],
        measures=measure_names,
        photos=thumbs,
        qr_url=f"{base_url.rstrip('/')}/v/{photos[0].short_code}" if photos else "",
        signed_by=notice.signer_name,
        signature_png=signature,
        refused=notice.ack_kind == "refused",
    )


def load_settlement(session: Session, settlement_id: int) -> Settlement | None:
    return session.scalar(
        select(Settlement).where(Settlement.id == settlement_id).options(*SETTLEMENT_LOADS)
    )


# --- list statements (the views page them) ------------------------------------------------


def renovations(
    property_id: int, state: str | None = None, unit_id: int | None = None
) -> Select[Any]:
    stmt = select(Renovation).where(Renovation.property_id == property_id)
    if state is not None:
        stmt = stmt.where(Renovation.state == state)
    if unit_id is not None:
        stmt = stmt.where(Renovation.unit_id == unit_id)
    return stmt


def inspections_of(renovation_id: int) -> Select[Any]:
    return select(Inspection).where(Inspection.renovation_id == renovation_id)


def notices(
    property_id: int, state: str | None = None, renovation_id: int | None = None
) -> Select[Any]:
    stmt = select(Notice).where(Notice.property_id == property_id)
    if state is not None:
        stmt = stmt.where(Notice.state == state)
    if renovation_id is not None:
        stmt = stmt.where(Notice.renovation_id == renovation_id)
    return stmt


def settlement_out(settlement: Settlement) -> dict[str, Any]:
    out = columns(settlement)
    out["deductions"] = [columns(d) for d in settlement.deductions]
    return out


def statement_data(session: Session, settlement: Settlement, lang: str) -> dict[str, Any]:
    site = session.scalar(select(Renovation).where(Renovation.id == settlement.renovation_id))
    prop = session.scalar(select(Property).where(Property.id == settlement.property_id))
    assert site is not None and prop is not None
    approver = (
        session.scalar(select(User.display_name).where(User.id == settlement.decided_by_id))
        if settlement.decided_by_id and settlement.state == "approved"
        else None
    )
    return {
        "property_name": (prop.name_en or prop.name_zh) if lang == "en" else prop.name_zh,
        "unit": unit_label(session, site.unit_id, lang),
        "owner": site.owner_name,
        "permit_no": site.permit_no or "",
        "state": settlement.state,
        "deposit": f"{settlement.deposit_amount:.2f}",
        "deductions": [
            {"description": d.description, "amount": f"{d.amount:.2f}"}
            for d in settlement.deductions
        ],
        "total": f"{settlement.total_deductions:.2f}",
        "refund": f"{settlement.refund_amount:.2f}",
        "shortfall": f"{settlement.shortfall_amount:.2f}",
        "approved_by": approver or "",
        "approved_at": localtime.local_day(prop, settlement.decided_at).isoformat()
        if approver and settlement.decided_at
        else "",
    }


def open_notices(
    session: Session,
    actor: Actor,
    property_ids: list[int],
    overdue_only: bool,
    now: dt.datetime,
    *,
    mine: bool = False,
    issued_by: int | None = None,
    limit: int = 500,
    after: tuple[dt.datetime, int] | None = None,
) -> tuple[list[dict[str, Any]], tuple[dt.datetime, int] | None]:
    """Open notices at ``property_ids``, earliest deadline first (the supervisor's list);
    overdue only on request.

    ``mine``: notices the actor raised (drafted) or issued — a floor manager follows up both the
    notices they wrote and those they handed over on site. ``issued_by``: issued by that person.

    Keyset-paged on (``deadline_at``, ``id``): up to ``limit`` rows after the key ``after``, and
    the key to continue from (None on the last page). Every open notice has been issued, so
    ``deadline_at`` is never NULL (CHECK ``deadline_at``).
    """
    states = ("overdue", "escalated") if overdue_only else OPEN_NOTICE_STATES
    stmt = (
        select(Notice, Renovation.unit_id)
        .join(Renovation, Renovation.id == Notice.renovation_id)
        .where(Notice.property_id.in_(property_ids), Notice.state.in_(states))
    )
    if mine:
        stmt = stmt.where(
            or_(Notice.created_by_id == actor.user_id, Notice.issued_by_id == actor.user_id)
        )
    if issued_by is not None:
        stmt = stmt.where(Notice.issued_by_id == issued_by)
    if after is not None:
        after_at, after_id = after
        stmt = stmt.where(
            or_(
                Notice.deadline_at > after_at,
                and_(Notice.deadline_at == after_at, Notice.id > after_id),
            )
        )
    rows = session.execute(stmt.order_by(Notice.deadline_at, Notice.id).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    next_key = None
    if more and rows:
        last = rows[-1][0]
        assert last.deadline_at is not None  # an open notice has been issued
        next_key = (last.deadline_at, last.id)
    labels = unit_labels(session, [unit_id for _, unit_id in rows])
    people = {n.created_by_id for n, _ in rows} | {n.issued_by_id for n, _ in rows}
    names = _display_names(session, {p for p in people if p is not None})
    items = [
        {
            "id": n.id,
            "property_id": n.property_id,
            "renovation_id": n.renovation_id,
            "serial": n.serial,
            "state": n.state,
            "severity": n.severity,
            "stop_work": n.stop_work,
            "deadline": n.deadline,
            "deadline_at": n.deadline_at,
            "past_deadline": n.deadline_at is not None and n.deadline_at <= now,
            "unit_label": labels.get(unit_id, ""),
            "created_by_id": n.created_by_id,
            "created_by_name": names.get(n.created_by_id, ""),
            "issued_by_id": n.issued_by_id,
            "issued_by_name": names.get(n.issued_by_id, "") if n.issued_by_id else None,
        }
        for n, unit_id in rows
    ]
    return items, next_key


def _display_names(session: Session, user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    return dict(
        session.execute(
            select(User.id, User.display_name).where(User.id.in_(sorted(user_ids)))
        ).all()
    )


def approvals(session: Session, property_ids: list[int]) -> dict[str, Any]:
    """What waits for a manager at ``property_ids``: applications, measures M5–M7, deposit
    settlements."""
    ids = property_ids
    applied = session.scalars(
        select(Renovation)
        .where(Renovation.property_id.in_(ids), Renovation.state == "applied")
        .order_by(Renovation.created_at)
    ).all()
    measures = session.execute(
        select(Measure, Notice.serial)
        .join(Notice, Notice.id == Measure.notice_id)
        .where(Measure.property_id.in_(ids), Measure.state == "requested")
        .order_by(Measure.requested_at)
    ).all()
    settlements = session.scalars(
        select(Settlement)
        .where(Settlement.property_id.in_(ids), Settlement.state == "submitted")
        .order_by(Settlement.submitted_at)
    ).all()
    return {
        "renovations": [renovation_out(session, r) for r in applied],
        "measures": [{**columns(m), "notice_serial": serial} for m, serial in measures],
        "settlements": [settlement_out(s) for s in settlements],
    }
