"""Work-order metrics and their export; outbound webhook endpoints and their delivery log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response
from flask.views import MethodView

from ..errors import field_error
from ..org import localtime
from ..org.models import Property
from ..web.access import load_for, property_for
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
from ..web.downloads import file_response
from ..web.pagination import PageArgsSchema, paginate_request
from ..web.smorest import Blueprint
from . import metrics, queries, webhooks
from .models import WebhookDelivery, WebhookEndpoint
from .schemas_admin import (
    DeliveryArgsSchema,
    DeliveryPageSchema,
    ExportArgsSchema,
    MetricsArgsSchema,
    MetricsSchema,
    WebhookCreateSchema,
    WebhookPageSchema,
    WebhookPatchSchema,
    WebhookSchema,
    WebhookWithSecretSchema,
)

blp = Blueprint(
    "workorders_admin", __name__, description="Work-order metrics and outbound webhooks"
)
MAX_PERIOD = dt.timedelta(days=366)


def period(prop: Property, args: dict[str, Any]) -> tuple[dt.date, dt.date]:
    """``month=YYYY-MM``, or ``start``/``end`` (inclusive); default: this month, local time."""
    if "month" in args:
        year, month = (int(x) for x in args["month"].split("-"))
        start = dt.date(year, month, 1)
        following = dt.date(year + month // 12, month % 12 + 1, 1)
        return start, following - dt.timedelta(days=1)
    if "start" in args or "end" in args:
        if "start" not in args or "end" not in args:
            raise field_error("start", "Give both start and end.", "请同时填写开始和结束日期。")
        start, end = args["start"], args["end"]
        if end < start or end - start > MAX_PERIOD:
            raise field_error(
                "end",
                "The period must run forwards and span at most a year.",
                "统计期间须开始早于结束，且不超过一年。",
            )
        return start, end
    today = localtime.local_day(prop, now())
    return today.replace(day=1), today


def _report(property_id: int, args: dict[str, Any]) -> dict[str, Any]:
    prop = property_for(property_id, "metrics.read")
    start, end = period(prop, args)
    return metrics.compute(db(), prop, start, end, now())


@blp.route("/properties/<int:property_id>/workorder-metrics", methods=["GET"])
@blp.arguments(MetricsArgsSchema, location="query")
@blp.response(200, MetricsSchema)
def workorder_metrics(args: dict[str, Any], property_id: int) -> dict[str, Any]:
    """On-time, rework and return-visit rates against their targets, and the backlog by age."""
    return _report(property_id, args)


@blp.route("/properties/<int:property_id>/workorder-metrics/export", methods=["GET"])
@blp.arguments(ExportArgsSchema, location="query")
@blp.response(
    200,
    description="the metrics as CSV or XLSX",
    content_type="application/octet-stream",
)
def export_metrics(args: dict[str, Any], property_id: int) -> Response:
    fmt = args.pop("format")
    report = _report(property_id, args)
    name = f"workorder-metrics-{report['start']}-{report['end']}.{fmt}"
    if fmt == "csv":
        data, mime = metrics.to_csv(report), "text/csv; charset=utf-8"
    else:
        data = metrics.to_xlsx(report)
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return file_response(data, mime, name)


# --- webhooks -----------------------------------------------------------------------------


@blp.route("/properties/<int:property_id>/webhooks")
class Webhooks(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, WebhookPageSchema)
    def get(self, args: dict[str, Any], property_id: int) -> dict[str, Any]:
        prop = property_for(property_id, "webhooks.admin")
        stmt = queries.webhook_endpoints(prop.id)
        return paginate_request(stmt, WebhookEndpoint.id, args).out()

    @blp.arguments(WebhookCreateSchema)
    @blp.response(201, WebhookWithSecretSchema)
    def post(self, args: dict[str, Any], property_id: int) -> WebhookEndpoint:
        """Register an endpoint. The response carries the signing secret (keep it)."""
        prop = property_for(property_id, "webhooks.admin")
        client_id = client_id_from(args)
        actor = current_actor()
        endpoint = idempotent_create(
            WebhookEndpoint,
            client_id,
            lambda: webhooks.create_endpoint(
                db(),
                actor,
                now(),
                prop.id,
                client_id=client_id,
                allow_private=webhooks.private_targets_allowed(platform().settings),
                **args,
            ),
        )
        set_etag(endpoint)
        return endpoint


@blp.route("/webhooks/<int:webhook_id>")
class WebhookItem(MethodView):
    @blp.response(200, WebhookSchema)
    def get(self, webhook_id: int) -> WebhookEndpoint:
        endpoint = load_for(WebhookEndpoint, webhook_id, "webhooks.admin")
        set_etag(endpoint)
        return endpoint

    @blp.arguments(WebhookPatchSchema)
    @blp.response(200, WebhookWithSecretSchema)
    def patch(self, args: dict[str, Any], webhook_id: int) -> dict[str, Any]:
        """Change the URL, events or active flag; ``rotate_secret`` issues a new secret (shown
        in this response only)."""
        endpoint = load_for(WebhookEndpoint, webhook_id, "webhooks.admin")
        check_if_match(endpoint)
        webhooks.update_endpoint(
            db(),
            current_actor(),
            endpoint,
            args,
            allow_private=webhooks.private_targets_allowed(platform().settings),
        )
        commit()
        set_etag(endpoint)
        out = queries.columns(endpoint)
        if not args.get("rotate_secret"):
            out.pop("secret")
        return out


@blp.route("/webhooks/<int:webhook_id>/deliveries", methods=["GET"])
@blp.arguments(DeliveryArgsSchema, location="query")
@blp.response(200, DeliveryPageSchema)
def webhook_deliveries(args: dict[str, Any], webhook_id: int) -> dict[str, Any]:
    """The delivery log: each event, its attempts, status codes and the next retry."""
    endpoint = load_for(WebhookEndpoint, webhook_id, "webhooks.admin")
    stmt = queries.webhook_deliveries(endpoint.id, args.get("state"))
    return paginate_request(stmt, WebhookDelivery.id, args, descending=True).out()
