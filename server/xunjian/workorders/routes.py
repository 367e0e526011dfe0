"""Requests and work orders: intake, dispatch, the engineer's actions, verification (thin views).

Order of checks everywhere: scope (404) → role (403) → ETag (428/412) → rules (409/422).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.views import MethodView
from sqlalchemy import or_, select

from ..org.models import Property
from ..permissions import properties_where, require, require_anywhere
from ..tenancy import Actor
from ..web.conditional import check_if_match, etag_of, set_etag
from ..web.context import (
    client_id_from,
    commit,
    current_actor,
    db,
    get_or_404,
    idempotent_create,
    now,
)
from ..web.pagination import paginate_request
from ..web.smorest import Blueprint
from . import closing, engineer, orders, queries, sla
from . import requests as request_service
from .models import OPEN_ORDER_STATES, ServiceRequest, WorkOrder
from .schemas import (
    AssignSchema,
    RequestCreateSchema,
    RequestNoteSchema,
    RequestPageSchema,
    RequestQueryArgsSchema,
    RequestSchema,
    WorkOrderCreateSchema,
    WorkOrderDetailSchema,
    WorkOrderPageSchema,
    WorkOrderPatchSchema,
    WorkOrderQueryArgsSchema,
    WorkQueueArgsSchema,
    WorkQueueSchema,
    WorkReasonSchema,
)

requests_blp = Blueprint(
    "requests", __name__, url_prefix="/requests", description="Reception record (接待业主情况记录)"
)
blp = Blueprint(
    "workorders", __name__, url_prefix="/workorders", description="Work orders (派工单)"
)


def property_for(property_id: int, action: str) -> Property:
    """The property named in a body or path: another property's is a 404, like any record."""
    prop = get_or_404(Property, property_id, "property", "项目")
    require(current_actor(), action, prop.id)
    return prop


def _scoped_list(stmt: Any, model: Any, action: str, args: dict[str, Any]) -> Any:
    actor = current_actor()
    require_anywhere(actor, action)
    allowed = properties_where(actor, action)
    if "property_id" in args:
        allowed = allowed & {args["property_id"]}
    return stmt.where(model.property_id.in_(sorted(allowed)))


# --- requests -----------------------------------------------------------------------------


def _request(request_id: int, action: str) -> ServiceRequest:
    request = get_or_404(ServiceRequest, request_id, "request", "报事记录")
    require(current_actor(), action, request.property_id)
    return request


def _request_out(request: ServiceRequest) -> dict[str, Any]:
    set_etag(request)
    return queries.requests_out(db(), [request], now())[0]


@requests_blp.route("")
class Requests(MethodView):
    @requests_blp.arguments(RequestQueryArgsSchema, location="query")
    @requests_blp.response(200, RequestPageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The reception record, newest first; ``reply_overdue=true`` for late complaint replies."""
        stmt = _scoped_list(select(ServiceRequest), ServiceRequest, "requests.read", args)
        for name in ("state", "kind", "channel", "unit_id", "repeat_of_id"):
            if name in args:
                stmt = stmt.where(getattr(ServiceRequest, name) == args[name])
        if args.get("reply_overdue") is True:
            stmt = stmt.where(request_service.reply_late_clause(now()))
        page = paginate_request(stmt, ServiceRequest.id, args, descending=True)
        return {
            "items": queries.requests_out(db(), page.items, now()),
            "next_cursor": page.next_cursor,
        }

    @requests_blp.arguments(RequestCreateSchema)
    @requests_blp.response(201, RequestSchema)
    def post(self, args: dict[str, Any]) -> dict[str, Any]:
        """Record a report, complaint or question. A repeat of a matter is linked automatically
        (same unit or place, similar words, last 30 days) or by ``repeat_of_id``."""
        client_id = client_id_from(args)
        actor = current_actor()
        property_for(args["property_id"], "requests.write")
        request = idempotent_create(
            ServiceRequest,
            client_id,
            lambda: request_service.receive(db(), actor, now(), client_id=client_id, **args),
        )
        return _request_out(request)


@requests_blp.route("/<int:request_id>")
class RequestItem(MethodView):
    @requests_blp.response(200, RequestSchema)
    def get(self, request_id: int) -> dict[str, Any]:
        return _request_out(_request(request_id, "requests.read"))


def _request_action(
    request_id: int, action: str, call: Callable[[Actor, ServiceRequest], Any]
) -> dict[str, Any]:
    request = _request(request_id, action)
    check_if_match(request)
    call(current_actor(), request)
    commit()
    return _request_out(request)


@requests_blp.route("/<int:request_id>/reply", methods=["POST"])
@requests_blp.arguments(RequestNoteSchema)
@requests_blp.response(200, RequestSchema)
def reply_request(args: dict[str, Any], request_id: int) -> dict[str, Any]:
    """Record the reply to the owner (complaints: by the reply deadline)."""
    return _request_action(
        request_id,
        "requests.write",
        lambda a, r: request_service.reply(db(), a, r, args["note"], now()),
    )


@requests_blp.route("/<int:request_id>/handle", methods=["POST"])
@requests_blp.arguments(RequestNoteSchema)
@requests_blp.response(200, RequestSchema)
def handle_request(args: dict[str, Any], request_id: int) -> dict[str, Any]:
    """Handled at the desk, without a work order."""
    return _request_action(
        request_id,
        "requests.write",
        lambda a, r: request_service.handle(db(), a, r, args["note"], now()),
    )


@requests_blp.route("/<int:request_id>/close", methods=["POST"])
@requests_blp.response(200, RequestSchema)
def close_request(request_id: int) -> dict[str, Any]:
    return _request_action(
        request_id, "requests.write", lambda a, r: request_service.close(db(), a, r, now())
    )


@requests_blp.route("/<int:request_id>/close-unresolvable", methods=["POST"])
@requests_blp.arguments(WorkReasonSchema)
@requests_blp.response(200, RequestSchema)
def close_request_unresolvable(args: dict[str, Any], request_id: int) -> dict[str, Any]:
    """The manager closes a matter that cannot be resolved, with a written reason."""
    return _request_action(
        request_id,
        "workorders.close_unresolvable",
        lambda a, r: request_service.close_unresolvable(db(), a, r, args["reason"], now()),
    )


# --- work orders --------------------------------------------------------------------------


def _order(order_id: int, action: str) -> WorkOrder:
    order = get_or_404(WorkOrder, order_id, "work order", "派工单")
    require(current_actor(), action, order.property_id)
    return order


def _order_out(order: WorkOrder) -> dict[str, Any]:
    set_etag(order)
    return {**queries.order_detail(db(), order, now()), "etag": etag_of(order)}


def _orders_out(items: list[WorkOrder]) -> list[dict[str, Any]]:
    """List rows with each order's ETag (the single GET's header, same helper), so a phone can
    send If-Match for a listed order without reading it first."""
    rows = queries.orders_out(db(), items, now())
    return [{**row, "etag": etag_of(order)} for row, order in zip(rows, items, strict=True)]


@blp.route("")
class WorkOrders(MethodView):
    @blp.arguments(WorkOrderQueryArgsSchema, location="query")
    @blp.response(200, WorkOrderPageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Work orders at your properties, newest first."""
        stmt = _scoped_list(select(WorkOrder), WorkOrder, "workorders.read", args)
        for name in ("state", "priority", "category", "assignee_id", "request_id"):
            if name in args:
                stmt = stmt.where(getattr(WorkOrder, name) == args[name])
        if "open" in args:
            in_open = WorkOrder.state.in_(OPEN_ORDER_STATES)
            stmt = stmt.where(in_open if args["open"] else ~in_open)
        if "overdue" in args:
            late = sla.overdue_clause(now())
            stmt = stmt.where(late if args["overdue"] else ~late)
        page = paginate_request(stmt, WorkOrder.id, args, descending=True)
        return {"items": _orders_out(list(page.items)), "next_cursor": page.next_cursor}

    @blp.arguments(WorkOrderCreateSchema)
    @blp.response(201, WorkOrderDetailSchema)
    def post(self, args: dict[str, Any]) -> dict[str, Any]:
        """Dispatch a work order, from a request, a patrol finding, or directly; optionally
        assigned at once to an engineer or a team queue."""
        client_id = client_id_from(args)
        actor = current_actor()
        property_for(args["property_id"], "workorders.dispatch")
        order = idempotent_create(
            WorkOrder,
            client_id,
            lambda: orders.create(db(), actor, now(), client_id=client_id, **args),
        )
        return _order_out(order)


@blp.route("/queue", methods=["GET"])
@blp.arguments(WorkQueueArgsSchema, location="query")
@blp.response(200, WorkQueueSchema)
def my_queue(args: dict[str, Any]) -> dict[str, Any]:
    """The engineer's queue: assigned to me, or waiting in a team queue; by priority, then due.
    A work list (at most ``limit`` items), not an archive: it is not paged."""
    actor = current_actor()
    require_anywhere(actor, "workorders.work")
    allowed = properties_where(actor, "workorders.work")
    if "property_id" in args:
        allowed = allowed & {args["property_id"]}
    mine = WorkOrder.assignee_id == actor.user_id
    team_queue = (WorkOrder.state == "assigned") & WorkOrder.assignee_id.is_(None)
    stmt = select(WorkOrder).where(
        WorkOrder.property_id.in_(sorted(allowed)),
        WorkOrder.state.in_(("assigned", "accepted", "on_site", "paused", "rework")),
        or_(mine, team_queue),
    )
    items = list(db().scalars(queries.queue_order(stmt).limit(args["limit"])))
    return {"items": _orders_out(items)}


@blp.route("/<int:order_id>")
class WorkOrderItem(MethodView):
    @blp.response(200, WorkOrderDetailSchema)
    def get(self, order_id: int) -> dict[str, Any]:
        """One order with its place and directions, photos, reports, history and visits."""
        return _order_out(_order(order_id, "workorders.read"))

    @blp.arguments(WorkOrderPatchSchema)
    @blp.response(200, WorkOrderDetailSchema)
    def patch(self, args: dict[str, Any], order_id: int) -> dict[str, Any]:
        """Correct category, priority (due times follow), description or place before an
        engineer has accepted it."""
        order = _order(order_id, "workorders.dispatch")
        check_if_match(order)
        orders.edit(db(), current_actor(), order, args, now())
        commit()
        return _order_out(order)


def _order_action(order_id: int, action: str, call: Callable[[Actor, WorkOrder], Any]) -> Any:
    order = _order(order_id, action)
    check_if_match(order)
    call(current_actor(), order)
    commit()
    return _order_out(order)


@blp.route("/<int:order_id>/assign", methods=["POST"])
@blp.arguments(AssignSchema)
@blp.response(200, WorkOrderDetailSchema)
def assign_order(args: dict[str, Any], order_id: int) -> dict[str, Any]:
    """Assign or reassign to an engineer of this property, or to a team queue."""
    return _order_action(
        order_id,
        "workorders.dispatch",
        lambda a, o: orders.assign(db(), a, o, now(), **args),
    )


@blp.route("/<int:order_id>/accept", methods=["POST"])
@blp.response(200, WorkOrderDetailSchema)
def accept_order(order_id: int) -> dict[str, Any]:
    return _order_action(
        order_id, "workorders.work", lambda a, o: engineer.accept(db(), a, o, now())
    )


@blp.route("/<int:order_id>/decline", methods=["POST"])
@blp.arguments(WorkReasonSchema)
@blp.response(200, WorkOrderDetailSchema)
def decline_order(args: dict[str, Any], order_id: int) -> dict[str, Any]:
    """Not mine to do (before accepting): back to the front desk for reassignment."""
    return _order_action(
        order_id,
        "workorders.work",
        lambda a, o: engineer.decline(db(), a, o, args["reason"], now(), event="decline"),
    )


@blp.route("/<int:order_id>/return", methods=["POST"])
@blp.arguments(WorkReasonSchema)
@blp.response(200, WorkOrderDetailSchema)
def return_order(args: dict[str, Any], order_id: int) -> dict[str, Any]:
    """Give an accepted order back (e.g. it needs another trade), for reassignment."""
    return _order_action(
        order_id,
        "workorders.work",
        lambda a, o: engineer.decline(db(), a, o, args["reason"], now(), event="return"),
    )


@blp.route("/<int:order_id>/arrive", methods=["POST"])
@blp.response(200, WorkOrderDetailSchema)
def arrive_order(order_id: int) -> dict[str, Any]:
    return _order_action(
        order_id, "workorders.work", lambda a, o: engineer.arrive(db(), a, o, now())
    )


@blp.route("/<int:order_id>/pause", methods=["POST"])
@blp.arguments(WorkReasonSchema)
@blp.response(200, WorkOrderDetailSchema)
def pause_order(args: dict[str, Any], order_id: int) -> dict[str, Any]:
    """Pause on site (waiting for parts, owner away…): a reason is required."""
    return _order_action(
        order_id,
        "workorders.work",
        lambda a, o: engineer.pause(db(), a, o, args["reason"], now()),
    )


@blp.route("/<int:order_id>/resume", methods=["POST"])
@blp.response(200, WorkOrderDetailSchema)
def resume_order(order_id: int) -> dict[str, Any]:
    return _order_action(
        order_id, "workorders.work", lambda a, o: engineer.resume(db(), a, o, now())
    )


@blp.route("/<int:order_id>/verify", methods=["POST"])
@blp.response(200, WorkOrderDetailSchema)
def verify_order(order_id: int) -> dict[str, Any]:
    """The front desk checks the returned order (the after-photo must have arrived)."""
    return _order_action(
        order_id, "workorders.verify", lambda a, o: closing.verify(db(), a, o, now())
    )


@blp.route("/<int:order_id>/reject", methods=["POST"])
@blp.arguments(WorkReasonSchema)
@blp.response(200, WorkOrderDetailSchema)
def reject_order(args: dict[str, Any], order_id: int) -> dict[str, Any]:
    """Verification failed: rework (counted), back to the engineer, due within 24 h."""
    return _order_action(
        order_id,
        "workorders.verify",
        lambda a, o: closing.fail_verification(db(), a, o, args["reason"], now()),
    )


@blp.route("/<int:order_id>/close", methods=["POST"])
@blp.response(200, WorkOrderDetailSchema)
def close_order(order_id: int) -> dict[str, Any]:
    """Close after the return visit."""
    return _order_action(
        order_id, "workorders.verify", lambda a, o: closing.close(db(), a, o, now())
    )


@blp.route("/<int:order_id>/close-unresolvable", methods=["POST"])
@blp.arguments(WorkReasonSchema)
@blp.response(200, WorkOrderDetailSchema)
def close_order_unresolvable(args: dict[str, Any], order_id: int) -> dict[str, Any]:
    """The manager closes an order that cannot be resolved, with a written reason."""
    return _order_action(
        order_id,
        "workorders.close_unresolvable",
        lambda a, o: closing.close_unresolvable(db(), a, o, args["reason"], now()),
    )
