"""Rectification Notices (违章整改通知单): one state machine from draft to closed.

draft → issued → acknowledged (signed) | refused (photo of the posted notice) → re-inspection
passed → closed; issued/acknowledged/refused → overdue (periodic job, when the deadline passes)
→ escalated (owner interview 约谈 with date and outcome, further measures) → re-inspection
passed → closed, or closed with a written reason, or referred. Every move is audited.

Deadlines are **calendar days** (the owner reads "7 days" on paper as a week, and renovation
hazards do not wait for the office's working days): the notice must be rectified by the end of
the local day ``issue date + days``; it is overdue from the next local midnight.
No Flask imports.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..errors import Conflict, field_error
from ..org import localtime, phone_clock
from ..org.models import Property
from ..signatures import decode_signature, store_signature
from ..tenancy import Actor, unscoped
from . import checklist, measures, registry
from .deadlines import allocate_serial, check_deadline, deadline_for
from .models import (
    SEVERITIES,
    InspectionResult,
    Notice,
    Reinspection,
    Renovation,
)
from .photos import check_photos
from .states import NOTICE, RENOVATION
from .units import property_of

STOP_WORK_MEASURE = "M2"


def _violations(session: Session, renovation: Renovation, ids: list[int]) -> list[InspectionResult]:
    if not ids:
        raise field_error("violation_ids", "Name at least one violation.", "请至少选择一项违章。")
    if len(set(ids)) != len(ids):
        raise field_error("violation_ids", "A violation is listed twice.", "违章项重复。")
    rows = {
        r.id: r
        for r in session.scalars(select(InspectionResult).where(InspectionResult.id.in_(ids)))
    }
    for index, ident in enumerate(ids):
        row = rows.get(ident)
        if row is None or row.renovation_id != renovation.id or row.result != "violation":
            raise field_error(
                f"violation_ids[{index}]",
                f"{ident} is not a violation found at this site.",
                f"{ident} 不是本装修现场检查出的违章。",
            )
        if row.notice_id is not None:
            raise Conflict(
                f"Violation {row.code} (#{ident}) is already on another notice.",
                message_zh=f"违章 {row.code} 已列入其他整改通知单。",
                code="violation_on_notice",
                details={"violation_id": ident, "notice_id": row.notice_id},
            )
    return [rows[i] for i in ids]


def create_notice(
    session: Session,
    actor: Actor,
    now: dt.datetime,
    prop: Property,
    renovation: Renovation,
    *,
    violation_ids: list[int],
    client_id: uuid.UUID | None = None,
    deadline: dt.date | None = None,
    measure_codes: list[str] | None = None,
    stop_work: bool | None = None,
    note: str = "",
    issue: bool = False,
    store: Any = None,
) -> Notice:
    RENOVATION.check(renovation, "raise_notice")
    rows = _violations(session, renovation, violation_ids)
    check_deadline(prop, deadline, now)
    version = checklist.current_version(session, prop.company_id)
    codes = measures.check_codes(version, measure_codes or [])
    severity = min((r.item.severity or "minor" for r in rows), key=SEVERITIES.index)
    notice = Notice(
        property_id=renovation.property_id,
        client_id=client_id,
        renovation_id=renovation.id,
        state="draft",
        severity=severity,
        stop_work=severity in version.stop_work_severities if stop_work is None else stop_work,
        note=note,
        planned_measures=codes,
        requested_deadline=deadline,
        created_by_id=actor.user_id,
        created_at=now,
    )
    session.add(notice)
    session.flush()
    for row in rows:
        row.notice_id = notice.id
    audit.record(
        session,
        actor,
        notice,
        "create",
        after={**audit.snapshot(notice), "violations": violation_ids},
    )
    if issue:
        issue_notice(session, actor, now, prop, renovation, notice)
    return notice


def issue_notice(
    session: Session,
    actor: Actor,
    now: dt.datetime,
    prop: Property,
    renovation: Renovation,
    notice: Notice,
) -> Notice:
    NOTICE.check(notice, "issue")
    # Both query (and flush): work them out before the notice changes, or the autoflush would
    # write a half-issued row that the CHECK constraints refuse.
    deadline, deadline_at = deadline_for(session, prop, notice, now)
    serial = allocate_serial(session, prop, localtime.local_day(prop, now).year)
    NOTICE.apply(
        session,
        actor,
        notice,
        "issue",
        now=now,
        deadline=deadline,
        deadline_at=deadline_at,
        serial=serial,
        issued_at=now,
        issued_by_id=actor.user_id,
    )
    codes = list(notice.planned_measures)
    if notice.stop_work and STOP_WORK_MEASURE not in codes:
        codes.insert(0, STOP_WORK_MEASURE)
    version = checklist.current_version(session, prop.company_id)
    for code in codes:
        measures.create(session, actor, now, notice, version, code, note="")
    if notice.stop_work:
        registry.suspend_for_notice(session, actor, now, renovation, f"停工令 {notice.serial}")
    return notice


def cancel(session: Session, actor: Actor, now: dt.datetime, notice: Notice) -> Notice:
    NOTICE.check(notice, "cancel")
    for row in session.scalars(
        select(InspectionResult).where(InspectionResult.notice_id == notice.id)
    ):
        row.notice_id = None  # the violations may go on another notice
    NOTICE.apply(session, actor, notice, "cancel", now=now)
    return notice


def acknowledge(
    session: Session,
    actor: Actor,
    now: dt.datetime,
    store: Any,
    notice: Notice,
    *,
    outcome: str,
    signer_name: str = "",
    signer_role: str | None = None,
    signature: str | None = None,
    refusal_photo_client_id: uuid.UUID | None = None,
    note: str = "",
    at: dt.datetime | None = None,
) -> Notice:
    """The owner or contractor signs on the phone, or refuses: then a photo of the notice as
    posted at the door stands for the service."""
    event = "acknowledge" if outcome == "signed" else "refuse"
    NOTICE.check(notice, event)
    clock = phone_clock.judge(
        property_of(session, notice.property_id), at, now, not_before=notice.issued_at
    )
    when = clock.at
    columns: dict[str, Any] = {}
    if outcome == "signed":
        if not signer_name.strip():
            raise field_error("signer_name", "Who signed? Give their name.", "请填写签收人姓名。")
        if signer_role is None:
            raise field_error(
                "signer_role",
                "Say whether the owner or the contractor signed.",
                "请选择签收人身份（业主或施工方）。",
            )
        if not signature:
            raise field_error(
                "signature", "The signature is missing.", "缺少签名。", code="invalid_signature"
            )
        key, sha256 = store_signature(store, decode_signature(signature))
        columns.update(
            signature_key=key,
            signature_sha256=sha256,
            signer_name=signer_name.strip(),
            signer_role=signer_role,
        )
    else:
        if refusal_photo_client_id is None:
            raise field_error(
                "refusal_photo_client_id",
                "A refusal needs a photo of the notice as posted.",
                "拒签时须拍摄张贴通知单的照片。",
                code="photo_required",
            )
        check_photos(
            session,
            notice.property_id,
            [refusal_photo_client_id],
            "refusal_photo_client_id",
            required=True,
        )
        columns.update(refusal_photo_client_id=refusal_photo_client_id)
    NOTICE.apply(
        session,
        actor,
        notice,
        event,
        now=now,
        audit_extra=clock.audit(),
        ack_kind=outcome,
        acknowledged_at=when,
        acknowledged_by_id=actor.user_id,
        ack_note=note,
        **columns,
    )
    return notice


def reinspect(
    session: Session,
    actor: Actor,
    now: dt.datetime,
    notice: Notice,
    *,
    client_id: uuid.UUID,
    passed: bool,
    photo_client_ids: list[uuid.UUID],
    note: str = "",
    inspected_at: dt.datetime | None = None,
) -> Reinspection:
    """A re-inspection needs photos whether it passes (proof of rectification) or not."""
    event = "pass_reinspection" if passed else "fail_reinspection"
    NOTICE.check(notice, event)
    clock = phone_clock.judge(
        property_of(session, notice.property_id), inspected_at, now, not_before=notice.issued_at
    )
    when = clock.at
    photos = check_photos(
        session,
        notice.property_id,
        photo_client_ids,
        "photo_client_ids",
        required=True,
        what="A re-inspection",
        what_zh="复查",
    )
    if not passed and not note.strip():
        raise field_error("note", "Say what is still not rectified.", "请说明仍未整改的内容。")
    row = Reinspection(
        property_id=notice.property_id,
        client_id=client_id,
        notice_id=notice.id,
        inspector_id=actor.user_id,
        inspected_at=when,
        passed=passed,
        note=note.strip(),
        photo_client_ids=photos,
    )
    session.add(row)
    session.flush()  # the audit entry names the re-inspection
    columns: dict[str, Any] = {"reinspection_passed_at": when} if passed else {}
    NOTICE.apply(
        session,
        actor,
        notice,
        event,
        now=now,
        audit_extra={"reinspection_id": row.id, "photos": photos, **clock.audit()},
        **columns,
    )
    return row


def escalate(
    session: Session,
    actor: Actor,
    now: dt.datetime,
    notice: Notice,
    *,
    interview_at: dt.datetime,
    interview_outcome: str,
    measure_codes: list[str] | None = None,
) -> Notice:
    """The owner ignored the notice: the interview (约谈) and the further measures decided."""
    NOTICE.check(notice, "escalate")
    if not interview_outcome.strip():
        raise field_error(
            "interview_outcome", "Record the interview's outcome.", "请记录约谈结果。"
        )
    prop = property_of(session, notice.property_id)
    # Typed by the person who held the interview, not read off a clock: it must be possible.
    phone_clock.check_stated(prop, interview_at, now, "interview_at", not_before=notice.issued_at)
    version = checklist.current_version(session, prop.company_id)
    codes = measures.check_codes(version, measure_codes or [])
    NOTICE.apply(
        session,
        actor,
        notice,
        "escalate",
        now=now,
        audit_extra={"measures": codes},
        escalated_at=now,
        escalated_by_id=actor.user_id,
        interview_at=interview_at,
        interview_outcome=interview_outcome.strip(),
    )
    for code in codes:
        measures.create(session, actor, now, notice, version, code, note="约谈后措施")
    return notice


def close(
    session: Session, actor: Actor, now: dt.datetime, notice: Notice, *, reason: str = ""
) -> Notice:
    """Archive the notice: after a passed re-inspection, or (escalated) with a written reason."""
    NOTICE.check(notice, "close")
    if notice.state == "escalated" and not reason.strip():
        raise field_error(
            "reason",
            "Closing an escalated notice without a passed re-inspection needs a written reason.",
            "未经复查合格关闭已升级的通知单，须填写书面理由。",
        )
    NOTICE.apply(
        session,
        actor,
        notice,
        "close",
        now=now,
        close_reason=reason.strip(),
        closed_at=now,
        closed_by_id=actor.user_id,
    )
    return notice


def refer(
    session: Session,
    actor: Actor,
    now: dt.datetime,
    notice: Notice,
    *,
    referred_to: str,
    reason: str = "",
) -> Notice:
    """Hand an escalated case to an outside body (e.g. 城管, the housing authority)."""
    NOTICE.check(notice, "refer")
    if not referred_to.strip():
        raise field_error("referred_to", "Say to whom the case is referred.", "请填写移交单位。")
    NOTICE.apply(
        session,
        actor,
        notice,
        "refer",
        now=now,
        referred_to=referred_to.strip(),
        close_reason=reason.strip(),
        closed_at=now,
        closed_by_id=actor.user_id,
    )
    return notice


def mark_overdue(session: Session, now: dt.datetime) -> int:
    """The periodic job: open notices whose deadline has passed become overdue (unscoped)."""
    due = session.scalars(
        unscoped(
            select(Notice)
            .where(
                Notice.state.in_(("issued", "acknowledged", "refused")),
                Notice.deadline_at <= now,
            )
            .order_by(Notice.id)
        )
    ).all()
    for notice in due:
        NOTICE.apply(session, None, notice, "mark_overdue", now=now, overdue_at=now)
    return len(due)
