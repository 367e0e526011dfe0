"""Completion reports, late reports, return visits, escalations and the notification feed
(thin views). Order of checks: scope (404) → role (403) → ETag (428/412) → rules (409/422)."""

from __future__ import annotations

import uuid
from typing import Any

from ..org import localtime
from ..web.access import load_for, property_for, scoped_list
from ..web.conditional import check_if_match, set_etag
from ..web.context import (
    client_id_from,
    commit,
    current_actor,
    db,
    idempotent_create,
    now,
    platform,
)
from ..web.pagination import paginate_request
from ..web.smorest import Blueprint
from . import completions, notifications, push, queries, visits, webhooks
from .models import Completion, Escalation, ReturnVisit, ServiceRequest, WorkOrder
from .schemas import (
    LateCompletionArgsSchema,
    ResolveSchema,
    VisitCreateSchema,
    VisitSchema,
    WorkCompletionCreateSchema,
    WorkCompletionPageSchema,
    WorkCompletionSchema,
)
from .schemas_desk import (
    BatchArgsSchema,
    BatchSchema,
    EscalationArgsSchema,
    EscalationPageSchema,
    FeedArgsSchema,
    FeedSchema,
    LimitArgsSchema,
    MarkedSchema,
    MarkReadSchema,
    PushConfigSchema,
    PushSubscribeSchema,
    PushSubscriptionSchema,
    PushUnsubscribeSchema,
    VisitQueueSchema,
)

blp = Blueprint(
    "workorders_desk",
    __name__,
    description="Completion reports, return visits (回访), escalations, notifications",
)


# --- completion reports -------------------------------------------------------------------


@blp.route("/workorders/<int:order_id>/completions", methods=["POST"])
@blp.arguments(WorkCompletionCreateSchema)
@blp.response(201, WorkCompletionSchema)
def report_completion(args: dict[str, Any], order_id: int) -> dict[str, Any]:
    """Report the work done (after-photos, notes, parts, the owner's signature inside a unit).

    Queued offline by the phone and replayed with the same ``client_id``; no If-Match. From an
    engineer the order was taken away from meanwhile, the report is kept (``applied: false``)
    for the front desk instead of being refused or applied."""
    order = load_for(WorkOrder, order_id, "workorders.work")
    client_id = client_id_from(args) or uuid.uuid4()
    actor = current_actor()
    completion = idempotent_create(
        Completion,
        client_id,
        lambda: completions.report(
            db(), actor, platform().store, now(), order, client_id=client_id, **args
        ),
    )
    set_etag(completion)
    return queries.completion_out(db(), completion)


@blp.route("/workorders/late-completions", methods=["GET"])
@blp.arguments(LateCompletionArgsSchema, location="query")
@blp.response(200, WorkCompletionPageSchema)
def late_completions(args: dict[str, Any]) -> dict[str, Any]:
    """For the front desk: reports that arrived after their order was reassigned."""
    stmt = scoped_list(
        queries.late_completions(args["status"]),
        Completion,
        "workorders.dispatch",
        args.get("property_id"),
    )
    page = paginate_request(stmt, Completion.id, args)
    return {
        "items": [queries.completion_out(db(), c) for c in page.items],
        "next_cursor": page.next_cursor,
    }


@blp.route("/workorders/late-completions/<int:completion_id>/resolve", methods=["POST"])
@blp.arguments(ResolveSchema)
@blp.response(200, WorkCompletionSchema)
def resolve_late_completion(args: dict[str, Any], completion_id: int) -> dict[str, Any]:
    """Adopt the late report (the order becomes done with it) or dismiss it with a note."""
    completion = load_for(Completion, completion_id, "workorders.dispatch")
    check_if_match(completion)
    decide = completions.adopt if args["decision"] == "adopt" else completions.dismiss
    decide(db(), current_actor(), completion, args["note"], now())
    commit()
    set_etag(completion)
    return queries.completion_out(db(), completion)


# --- return visits ------------------------------------------------------------------------


def _visit(args: dict[str, Any], **matter: Any) -> ReturnVisit:
    item = matter.get("work_order") or matter["request"]
    client_id = client_id_from(args) or uuid.uuid4()
    actor = current_actor()
    ratings = {name: args.pop(name) for name in visits.RATINGS}
    return idempotent_create(
        ReturnVisit,
        client_id,
        lambda: visits.record(
            db(),
            actor,
            platform().store,
            now(),
            client_id=client_id,
            property_id=item.property_id,
            ratings=ratings,
            **matter,
            **args,
        ),
    )


@blp.route("/workorders/<int:order_id>/visits", methods=["POST"])
@blp.arguments(VisitCreateSchema)
@blp.response(201, VisitSchema)
def visit_order(args: dict[str, Any], order_id: int) -> ReturnVisit:
    """Return visit of a verified order, by phone or on site (the owner signs). Unsatisfied →
    rework with a special follow-up due within 24 hours."""
    order = load_for(WorkOrder, order_id, "visits.write")
    return _visit(args, work_order=order)


@blp.route("/requests/<int:request_id>/visits", methods=["POST"])
@blp.arguments(VisitCreateSchema)
@blp.response(201, VisitSchema)
def visit_request(args: dict[str, Any], request_id: int) -> ReturnVisit:
    """Return visit of a complaint handled at the desk. Unsatisfied → reopened, follow-up due
    within 24 hours."""
    request = load_for(ServiceRequest, request_id, "visits.write")
    return _visit(args, request=request)


@blp.route("/properties/<int:property_id>/visit-queue", methods=["GET"])
@blp.arguments(LimitArgsSchema, location="query")
@blp.response(200, VisitQueueSchema)
def visit_queue(args: dict[str, Any], property_id: int) -> dict[str, Any]:
    """Verified orders and handled complaints awaiting a return visit; special follow-ups first.
    A work list (at most ``limit`` items), not paged."""
    prop = property_for(property_id, "visits.write")
    return {"items": visits.queue(db(), prop.id, args["limit"])}


@blp.route("/properties/<int:property_id>/visit-batch", methods=["GET"])
@blp.arguments(BatchArgsSchema, location="query")
@blp.response(200, BatchSchema)
def visit_batch(args: dict[str, Any], property_id: int) -> dict[str, Any]:
    """The Friday hand-over: orders engineering completed in the 7 days before that Friday."""
    prop = property_for(property_id, "visits.write")
    tz = localtime.tz(prop)
    friday = args.get("friday") or visits.last_friday(tz, now())
    return visits.weekly_batch(db(), prop.id, tz, friday)


# --- escalations and notifications --------------------------------------------------------


@blp.route("/escalations", methods=["GET"])
@blp.arguments(EscalationArgsSchema, location="query")
@blp.response(200, EscalationPageSchema)
def list_escalations(args: dict[str, Any]) -> dict[str, Any]:
    """Matters handed up to the supervisor (after 2 working days) or the manager; newest first."""
    stmt = scoped_list(
        queries.escalations(args.get("level")),
        Escalation,
        "escalations.read",
        args.get("property_id"),
    )
    return paginate_request(stmt, Escalation.id, args, descending=True).out()


@blp.route("/notifications", methods=["GET"])
@blp.arguments(FeedArgsSchema, location="query")
@blp.response(200, FeedSchema)
def notification_feed(args: dict[str, Any]) -> dict[str, Any]:
    """Your notifications after ``after`` (the cursor of your last poll), oldest first."""
    return notifications.feed(
        db(),
        current_actor(),
        after=args["after"],
        limit=args["limit"],
        unread_only=args["unread_only"],
    )


@blp.route("/notifications/read", methods=["POST"])
@blp.arguments(MarkReadSchema)
@blp.response(200, MarkedSchema)
def mark_notifications_read(args: dict[str, Any]) -> dict[str, int]:
    """Mark your notifications read: ``ids``, or everything ``up_to`` an id."""
    marked = notifications.mark_read(
        db(), current_actor(), ids=args["ids"], up_to=args["up_to"], now=now()
    )
    commit()
    return {"marked": marked}


@blp.route("/notifications/push", methods=["GET"])
@blp.response(200, PushConfigSchema)
def push_config() -> dict[str, Any]:
    """Whether this server sends Web Push wake-ups, and the key to subscribe with."""
    return push.public_config(push.keys_from(platform().settings))


@blp.route("/notifications/push-subscriptions", methods=["POST"])
@blp.arguments(PushSubscribeSchema)
@blp.response(201, PushSubscriptionSchema)
def push_subscribe(args: dict[str, Any]) -> Any:
    """Register this phone for content-free wake-ups (409 where Web Push is not configured)."""
    row = push.subscribe(
        db(),
        current_actor(),
        push.keys_from(platform().settings),
        now(),
        endpoint=args["endpoint"],
        p256dh=args["keys"]["p256dh"],
        auth=args["keys"]["auth"],
        allow_private=webhooks.private_targets_allowed(platform().settings),
    )
    commit()
    return row


@blp.route("/notifications/push-subscriptions", methods=["DELETE"])
@blp.arguments(PushUnsubscribeSchema)
@blp.response(204)
def push_unsubscribe(args: dict[str, Any]) -> None:
    """Stop wake-ups for this phone (e.g. on sign-out)."""
    push.unsubscribe(db(), current_actor(), args["endpoint"])
    commit()
