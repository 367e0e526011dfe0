"""Engineering work orders (派工单) and the requests they come from (接待业主情况记录).

States are CHECK-constrained strings tied to the columns each state needs, so the database
refuses e.g. a "done" order without its completion time or an "unresolvable" one without its
written reason, whatever the code does. The states and transitions live in one table each
(``states.ORDER``, ``states.REQUEST``, ``states.COMPLETION``), which the state CHECKs come from.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, Versioned, none_of, one_of
from ..tenancy import PropertyScoped
from .states import COMPLETION, ORDER, REQUEST
from .states import OPEN_ORDER_STATES as OPEN_ORDER_STATES  # re-exported for queries

CHANNELS = ("visit", "phone", "online", "patrol_finding")
REQUEST_KINDS = ("repair", "complaint", "inquiry")
COMPLAINT_FORMS = ("oral", "written")
REQUEST_STATES = REQUEST.states
SOURCES = ("request", "finding", "direct")
CATEGORIES = ("plumbing", "electrical", "lift", "civil", "public_area", "hvac", "other")
PRIORITIES = ("urgent", "high", "normal", "low")
ORDER_STATES = ORDER.states
COMPLETION_STATES = COMPLETION.states
ASSIGNMENT_ENDS = ("declined", "returned", "reassigned", "taken", "superseded", "closed")
VISIT_METHODS = ("phone", "on_site")
ESCALATION_LEVELS = ("supervisor", "manager")
DELIVERY_STATES = ("pending", "delivered", "failed")


class ServiceRequest(PropertyScoped, Versioned, Base):
    """One line of the reception record (《接待业主情况记录》): a report, complaint or question."""

    __tablename__ = "service_requests"
    __table_args__ = (
        CheckConstraint(one_of("channel", CHANNELS), name="channel"),
        CheckConstraint(one_of("kind", REQUEST_KINDS), name="kind"),
        REQUEST.check_constraint(),
        CheckConstraint(
            "complaint_form IS NULL OR " + one_of("complaint_form", COMPLAINT_FORMS),
            name="complaint_form",
        ),
        # Only complaints have a form (oral/written), and exactly those have a reply deadline.
        CheckConstraint("(kind = 'complaint') = (complaint_form IS NOT NULL)", name="form_iff"),
        CheckConstraint("(complaint_form IS NULL) = (reply_due_at IS NULL)", name="reply_due"),
        CheckConstraint("(replied_at IS NULL) = (replied_by_id IS NULL)", name="replied_by"),
        CheckConstraint("state != 'handled' OR handled_at IS NOT NULL", name="handled_at"),
        CheckConstraint(
            "(state IN ('closed', 'unresolvable')) = (closed_at IS NOT NULL)", name="closed_at"
        ),
        CheckConstraint("state != 'unresolvable' OR close_reason != ''", name="reason"),
        Index("ix_service_requests_property_state", "property_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[uuid.UUID | None] = mapped_column(unique=True)
    channel: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(12))
    complaint_form: Mapped[str | None] = mapped_column(String(10))
    owner_name: Mapped[str] = mapped_column(String(100), default="")
    owner_phone: Mapped[str] = mapped_column(String(40), default="")
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"))
    floor_id: Mapped[int | None] = mapped_column(ForeignKey("floors.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    place_text: Mapped[str] = mapped_column(String(200), default="")
    matter: Mapped[str] = mapped_column(String(2000))
    received_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    received_at: Mapped[dt.datetime] = mapped_column(index=True)
    recorded_at: Mapped[dt.datetime]
    # "A problem reported twice → the first receiver": the receiver of the first report.
    responsible_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    repeat_of_id: Mapped[int | None] = mapped_column(ForeignKey("service_requests.id"), index=True)
    reply_due_at: Mapped[dt.datetime | None]
    replied_at: Mapped[dt.datetime | None]
    replied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reply_note: Mapped[str] = mapped_column(String(1000), default="")
    state: Mapped[str] = mapped_column(String(12), default="open")
    handled_at: Mapped[dt.datetime | None]
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    handling_note: Mapped[str] = mapped_column(String(1000), default="")
    follow_up_due_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    close_reason: Mapped[str] = mapped_column(String(1000), default="")


class WorkOrder(PropertyScoped, Versioned, Base):
    """A work order for engineering (派工单)."""

    __tablename__ = "work_orders"
    __table_args__ = (
        ORDER.check_constraint(),
        CheckConstraint(one_of("source", SOURCES), name="source"),
        CheckConstraint(one_of("category", CATEGORIES), name="category"),
        CheckConstraint(one_of("priority", PRIORITIES), name="priority"),
        CheckConstraint("(source = 'request') = (request_id IS NOT NULL)", name="from_request"),
        CheckConstraint("(source = 'finding') = (finding_id IS NOT NULL)", name="from_finding"),
        CheckConstraint(
            "state != 'new' OR (assignee_id IS NULL AND team IS NULL)", name="new_is_unassigned"
        ),
        CheckConstraint(
            "state != 'assigned' OR assignee_id IS NOT NULL OR team IS NOT NULL",
            name="assigned_has_assignee",
        ),
        CheckConstraint(
            none_of("state", ("accepted", "on_site", "paused", "rework"))
            + " OR assignee_id IS NOT NULL",
            name="engineer_holds_it",
        ),
        CheckConstraint(
            none_of("state", ("accepted", "on_site", "paused")) + " OR accepted_at IS NOT NULL",
            name="accepted_at",
        ),
        CheckConstraint(
            none_of("state", ("on_site", "paused")) + " OR on_site_at IS NOT NULL",
            name="on_site_at",
        ),
        CheckConstraint("(state = 'paused') = (paused_at IS NOT NULL)", name="paused_at"),
        CheckConstraint("state != 'paused' OR pause_reason != ''", name="pause_reason"),
        CheckConstraint(
            none_of("state", ("done", "verified", "visited", "closed")) + " OR done_at IS NOT NULL",
            name="done_at",
        ),
        CheckConstraint("(first_done_at IS NULL) = (done_at IS NULL)", name="first_done_at"),
        CheckConstraint(
            none_of("state", ("verified", "visited", "closed")) + " OR verified_at IS NOT NULL",
            name="verified_at",
        ),
        CheckConstraint(
            none_of("state", ("visited", "closed")) + " OR visited_at IS NOT NULL",
            name="visited_at",
        ),
        CheckConstraint(
            "(state IN ('closed', 'unresolvable')) = (closed_at IS NOT NULL)", name="closed_at"
        ),
        CheckConstraint("state != 'unresolvable' OR close_reason != ''", name="reason"),
        CheckConstraint("state != 'rework' OR rework_due_at IS NOT NULL", name="rework_due"),
        CheckConstraint("rework_count >= 0", name="rework_count"),
        CheckConstraint("rework_due_at IS NULL OR rework_count > 0", name="rework_counted"),
        Index("ix_work_orders_property_state", "property_id", "state"),
        Index("ix_work_orders_assignee_state", "assignee_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[uuid.UUID | None] = mapped_column(unique=True)
    source: Mapped[str] = mapped_column(String(10))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("service_requests.id"), index=True)
    # One order per patrol finding: a second "create from finding" is a conflict, not a copy.
    finding_id: Mapped[int | None] = mapped_column(ForeignKey("patrol_findings.id"), unique=True)
    category: Mapped[str] = mapped_column(String(20))
    priority: Mapped[str] = mapped_column(String(10))
    description: Mapped[str] = mapped_column(String(2000))
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"))
    floor_id: Mapped[int | None] = mapped_column(ForeignKey("floors.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    place_text: Mapped[str] = mapped_column(String(200), default="")
    # Evidence client UUIDs: a photo may arrive before or after the order (offline phones).
    before_photo_client_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(12), default="new")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(index=True)
    response_due_at: Mapped[dt.datetime]
    completion_due_at: Mapped[dt.datetime]
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    team: Mapped[str | None] = mapped_column(String(40))
    assigned_at: Mapped[dt.datetime | None]
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    accepted_at: Mapped[dt.datetime | None]
    first_accepted_at: Mapped[dt.datetime | None]
    on_site_at: Mapped[dt.datetime | None]
    paused_at: Mapped[dt.datetime | None]
    pause_reason: Mapped[str] = mapped_column(String(500), default="")
    last_return_reason: Mapped[str] = mapped_column(String(500), default="")
    done_at: Mapped[dt.datetime | None]
    first_done_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_at: Mapped[dt.datetime | None]
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    visited_at: Mapped[dt.datetime | None]
    rework_count: Mapped[int] = mapped_column(default=0)
    rework_due_at: Mapped[dt.datetime | None]
    rework_reason: Mapped[str] = mapped_column(String(500), default="")
    closed_at: Mapped[dt.datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    close_reason: Mapped[str] = mapped_column(String(1000), default="")


class Assignment(PropertyScoped, Base):
    """Who held an order when: "an order not reached on time → the one who took it"."""

    __tablename__ = "work_order_assignments"
    __table_args__ = (
        CheckConstraint("assignee_id IS NOT NULL OR team IS NOT NULL", name="someone"),
        CheckConstraint(
            "end_reason IS NULL OR " + one_of("end_reason", ASSIGNMENT_ENDS), name="end_reason"
        ),
        CheckConstraint("(ended_at IS NULL) = (end_reason IS NULL)", name="ended"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    team: Mapped[str | None] = mapped_column(String(40))
    assigned_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[dt.datetime]
    ended_at: Mapped[dt.datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(12))
    note: Mapped[str] = mapped_column(String(500), default="")


class Completion(PropertyScoped, Versioned, Base):
    """An engineer's report that the work is done, exactly as it arrived from the phone.

    Applied at once when it comes from the order's engineer in a state that allows it; an
    offline report that arrives after the order went to someone else is kept as
    ``late_pending`` for the front desk to adopt or dismiss — never lost, never applied silently.
    """

    __tablename__ = "work_order_completions"
    __table_args__ = (
        COMPLETION.check_constraint(),
        CheckConstraint(
            "(status IN ('adopted', 'dismissed')) = (resolved_at IS NOT NULL)", name="resolved"
        ),
        CheckConstraint("status = 'applied' OR late_reason != ''", name="late_reason"),
        CheckConstraint("status != 'dismissed' OR resolution_note != ''", name="dismiss_note"),
        Index("ix_work_order_completions_property_status", "property_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), index=True)
    engineer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    device_time: Mapped[dt.datetime | None]
    done_at: Mapped[dt.datetime]
    received_at: Mapped[dt.datetime]
    work_notes: Mapped[str] = mapped_column(String(2000))
    parts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    after_photo_client_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    owner_signature_key: Mapped[str | None] = mapped_column(String(200))
    owner_signature_sha256: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12))
    late_reason: Mapped[str] = mapped_column(String(40), default="")
    resolved_at: Mapped[dt.datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolution_note: Mapped[str] = mapped_column(String(500), default="")


class Escalation(PropertyScoped, Base):
    """A matter not finished in time, handed up to the supervisor or the manager."""

    __tablename__ = "work_escalations"
    __table_args__ = (
        CheckConstraint(one_of("level", ESCALATION_LEVELS), name="level"),
        CheckConstraint(
            "(work_order_id IS NULL) != (request_id IS NULL)", name="exactly_one_matter"
        ),
        UniqueConstraint("work_order_id", "level"),
        UniqueConstraint("request_id", "level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_orders.id"), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("service_requests.id"), index=True)
    level: Mapped[str] = mapped_column(String(12))
    due_at: Mapped[dt.datetime]
    escalated_at: Mapped[dt.datetime] = mapped_column(index=True)
    notified_user_ids: Mapped[list[int]] = mapped_column(JSON, default=list)


class ReturnVisit(PropertyScoped, Base):
    """A return visit (回访) after a repair or a handled complaint."""

    __tablename__ = "return_visits"
    __table_args__ = (
        CheckConstraint(one_of("method", VISIT_METHODS), name="method"),
        CheckConstraint(
            "(work_order_id IS NULL) != (request_id IS NULL)", name="exactly_one_matter"
        ),
        *(
            CheckConstraint(f"{r} BETWEEN 1 AND 5", name=f"{r}_range")
            for r in ("attitude", "speed", "quality", "result")
        ),
        # On site, the owner signs; a phone visit is marked as such and needs no signature.
        CheckConstraint(
            "method != 'on_site' OR owner_signature_key IS NOT NULL", name="on_site_signed"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_orders.id"), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("service_requests.id"), index=True)
    method: Mapped[str] = mapped_column(String(10))
    visitor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    visited_at: Mapped[dt.datetime] = mapped_column(index=True)
    attitude: Mapped[int]
    speed: Mapped[int]
    quality: Mapped[int]
    result: Mapped[int]
    satisfied: Mapped[bool]
    comment: Mapped[str] = mapped_column(String(1000), default="")
    special_follow_up: Mapped[bool] = mapped_column(default=False)
    owner_signature_key: Mapped[str | None] = mapped_column(String(200))
    owner_signature_sha256: Mapped[str | None] = mapped_column(String(64))


class Notification(PropertyScoped, Base):
    """One line of a person's in-app feed, which the phone polls (``?after=<cursor>``)."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_id_id", "user_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(30))
    message: Mapped[str] = mapped_column(String(300))
    message_zh: Mapped[str] = mapped_column(String(300))
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_orders.id"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("service_requests.id"))
    created_at: Mapped[dt.datetime]
    read_at: Mapped[dt.datetime | None]


class PushSubscription(Base):
    """A phone's Web Push subscription (only used where the deployment has VAPID keys).

    Belongs to a person, not a property: one ping wakes the phone for all of its feed.
    ``last_notified_id`` is the newest feed row the phone was woken for, so the sweep pings
    once per batch of news and a failed ping is simply tried again at the next sweep."""

    __tablename__ = "push_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    endpoint: Mapped[str] = mapped_column(String(1000), unique=True)
    p256dh: Mapped[str] = mapped_column(String(200))
    auth: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime]
    last_notified_id: Mapped[int] = mapped_column(default=0)
    last_success_at: Mapped[dt.datetime | None]
    failures: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(String(300), default="")


class WebhookEndpoint(PropertyScoped, Versioned, Base):
    """Where a property's work-order events are POSTed (signed with the endpoint's secret)."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[uuid.UUID | None] = mapped_column(unique=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(100))
    event_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    description: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime]


class WebhookDelivery(PropertyScoped, Base):
    """One event for one endpoint, and the log of trying to deliver it."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        CheckConstraint(one_of("state", DELIVERY_STATES), name="state"),
        CheckConstraint("(state = 'pending') = (next_attempt_at IS NOT NULL)", name="next"),
        CheckConstraint("(state = 'delivered') = (delivered_at IS NOT NULL)", name="delivered"),
        Index("ix_webhook_deliveries_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id"), index=True)
    event_type: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime]
    state: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime | None]
    # A worker holds a delivery until this time, so two sweeps never send it twice at once.
    lease_until: Mapped[dt.datetime | None]
    last_attempt_at: Mapped[dt.datetime | None]
    last_status_code: Mapped[int | None]
    last_error: Mapped[str] = mapped_column(String(300), default="")
    delivered_at: Mapped[dt.datetime | None]
    # [{attempt, at, status_code, error, duration_ms}] — the delivery log.
    log: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
