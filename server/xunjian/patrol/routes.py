"""Patrol API: checkpoints, routes, runs, check-ins and findings (thin views).

Order of checks everywhere: scope (404) → role (403) → ETag (428/412) → rules (409/422).
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response
from flask.views import MethodView

from ..org.models import Building
from ..web.access import find, load_for, not_found, property_for
from ..web.conditional import check_if_match, set_etag
from ..web.context import (
    client_id_from,
    commit,
    current_actor,
    db,
    idempotent_create,
    now,
)
from ..web.downloads import file_response
from ..web.pagination import paginate_request
from ..web.smorest import Blueprint
from . import planning, queries, routefiles, runs
from .labels import labels_pdf
from .models import Checkin, Checkpoint, Finding, Route, Run
from .schemas import (
    CheckinCreateSchema,
    CheckinSchema,
    CheckpointPageSchema,
    CheckpointPatchSchema,
    CheckpointQrSchema,
    CheckpointQueryArgsSchema,
    CheckpointSchema,
    CheckpointSetupSchema,
    FindingCreateSchema,
    FindingPageSchema,
    FindingQueryArgsSchema,
    FindingSchema,
    FinishSchema,
    ForwardSchema,
    LabelSheetArgsSchema,
    LocatedListSchema,
    LocateSchema,
    RouteExportArgsSchema,
    RouteImportResultSchema,
    RouteImportSchema,
    RoutePageSchema,
    RoutePatchSchema,
    RouteQueryArgsSchema,
    RouteSchema,
    RunDetailSchema,
    RunPageSchema,
    RunQueryArgsSchema,
    RunSchema,
    RunStartSchema,
)

blp = Blueprint("patrol", __name__, url_prefix="/patrol", description="Building patrols (巡楼)")


# --- checkpoints --------------------------------------------------------------------------


@blp.route("/properties/<int:property_id>/checkpoints")
class Checkpoints(MethodView):
    @blp.arguments(CheckpointQueryArgsSchema, location="query")
    @blp.response(200, CheckpointPageSchema)
    def get(self, args: dict[str, Any], property_id: int) -> dict[str, Any]:
        prop = property_for(property_id, "patrol.read")
        stmt = queries.checkpoints(prop.id, args.get("building_id"), args.get("active"))
        return paginate_request(stmt, Checkpoint.id, args).out()

    @blp.arguments(CheckpointSchema)
    @blp.response(201, CheckpointSetupSchema)
    def post(self, args: dict[str, Any], property_id: int) -> Checkpoint:
        """Create a checkpoint; the answer carries its QR token (for set-up staff only)."""
        prop = property_for(property_id, "patrol.setup")
        client_id = client_id_from(args)
        checkpoint = idempotent_create(
            Checkpoint,
            client_id,
            lambda: planning.create_checkpoint(
                db(), current_actor(), prop.id, client_id=client_id, **args
            ),
        )
        set_etag(checkpoint)
        return checkpoint


@blp.route("/checkpoints/<int:checkpoint_id>")
class CheckpointItem(MethodView):
    @blp.response(200, CheckpointSchema)
    def get(self, checkpoint_id: int) -> Checkpoint:
        checkpoint = load_for(Checkpoint, checkpoint_id, "patrol.read")
        set_etag(checkpoint)
        return checkpoint

    @blp.arguments(CheckpointPatchSchema)
    @blp.response(200, CheckpointSetupSchema)
    def patch(self, args: dict[str, Any], checkpoint_id: int) -> Checkpoint:
        checkpoint = load_for(Checkpoint, checkpoint_id, "patrol.setup")
        check_if_match(checkpoint)
        planning.update_checkpoint(db(), current_actor(), checkpoint, args)
        commit()
        set_etag(checkpoint)
        return checkpoint


@blp.route("/checkpoints/<int:checkpoint_id>/qr", methods=["GET"])
@blp.response(200, CheckpointQrSchema)
def checkpoint_qr(checkpoint_id: int) -> dict[str, Any]:
    """The QR token and what its label encodes (set-up staff only: it proves presence)."""
    checkpoint = load_for(Checkpoint, checkpoint_id, "patrol.setup")
    return {
        "checkpoint_id": checkpoint.id,
        "qr_token": checkpoint.qr_token,
        "qr_content": planning.QR_PREFIX + checkpoint.qr_token,
    }


@blp.route("/properties/<int:property_id>/locate", methods=["POST"])
@blp.arguments(LocateSchema)
@blp.response(200, LocatedListSchema)
def locate(args: dict[str, Any], property_id: int) -> dict[str, Any]:
    """Checkpoints whose geofence contains a GPS fix (its accuracy as the buffer). A POST so
    that people's positions stay out of URLs and access logs."""
    prop = property_for(property_id, "patrol.read")
    items = queries.located_checkpoints(
        db(), prop.id, args["longitude"], args["latitude"], args["accuracy_m"]
    )
    return {"items": items}


@blp.route("/properties/<int:property_id>/labels.pdf", methods=["GET"])
@blp.arguments(LabelSheetArgsSchema, location="query")
@blp.response(200, description="A4 sheet of QR labels", content_type="application/pdf")
def labels(args: dict[str, Any], property_id: int) -> Response:
    prop = property_for(property_id, "patrol.setup")
    building = None
    if "building_id" in args:
        building = find(Building, args["building_id"])
        if building.property_id != prop.id:
            raise not_found(Building)
    suffix = f"-{building.code}" if building else ""
    return file_response(
        labels_pdf(db(), prop, building), "application/pdf", f"labels-{prop.code}{suffix}.pdf"
    )


# --- routes -------------------------------------------------------------------------------


@blp.route("/properties/<int:property_id>/routes")
class Routes(MethodView):
    @blp.arguments(RouteQueryArgsSchema, location="query")
    @blp.response(200, RoutePageSchema)
    def get(self, args: dict[str, Any], property_id: int) -> dict[str, Any]:
        prop = property_for(property_id, "patrol.read")
        stmt = queries.routes(prop.id, args.get("active"))
        return paginate_request(stmt, Route.id, args).out()

    @blp.arguments(RouteSchema)
    @blp.response(201, RouteSchema)
    def post(self, args: dict[str, Any], property_id: int) -> Route:
        prop = property_for(property_id, "patrol.setup")
        client_id = client_id_from(args)
        route = idempotent_create(
            Route,
            client_id,
            lambda: planning.create_route(
                db(), current_actor(), now(), prop.id, client_id=client_id, **args
            ),
        )
        set_etag(route)
        return route


@blp.route("/routes/<int:route_id>")
class RouteItem(MethodView):
    @blp.response(200, RouteSchema)
    def get(self, route_id: int) -> Route:
        route = load_for(Route, route_id, "patrol.read")
        set_etag(route)
        return route

    @blp.arguments(RoutePatchSchema)
    @blp.response(200, RouteSchema)
    def patch(self, args: dict[str, Any], route_id: int) -> Route:
        route = load_for(Route, route_id, "patrol.setup")
        check_if_match(route)
        planning.update_route(db(), current_actor(), now(), route, args)
        commit()
        set_etag(route)
        return route


@blp.route("/properties/<int:property_id>/routes/import", methods=["POST"])
@blp.arguments(RouteImportSchema)
@blp.response(200, RouteImportResultSchema)
def import_routes(args: dict[str, Any], property_id: int) -> dict[str, Any]:
    """Create or update routes from a YAML/JSON file, matched by route code (idempotent)."""
    prop = property_for(property_id, "patrol.setup")
    filename = f"routes.{args['format']}"
    result = routefiles.import_routes(db(), current_actor(), now(), prop, args["content"], filename)
    commit()
    return result


@blp.route("/properties/<int:property_id>/routes/export", methods=["GET"])
@blp.arguments(RouteExportArgsSchema, location="query")
@blp.response(200, description="the routes file", content_type="application/yaml")
def export_routes(args: dict[str, Any], property_id: int) -> Response:
    prop = property_for(property_id, "patrol.setup")
    fmt = args["format"]
    text = routefiles.dump(routefiles.export_routes(db(), prop), fmt)
    mimetype = "application/json" if fmt == "json" else "application/yaml"
    return file_response(text.encode("utf-8"), mimetype, f"routes-{prop.code}.{fmt}")


# --- runs ---------------------------------------------------------------------------------


@blp.route("/routes/<int:route_id>/runs", methods=["POST"])
@blp.arguments(RunStartSchema)
@blp.response(201, RunSchema)
def start_run(args: dict[str, Any], route_id: int) -> Run:
    route = load_for(Route, route_id, "patrol.run")
    client_id = client_id_from(args)
    run = idempotent_create(
        Run,
        client_id,
        lambda: runs.start_run(db(), current_actor(), now(), route, client_id=client_id, **args),
    )
    set_etag(run)
    return run


@blp.route("/properties/<int:property_id>/runs", methods=["GET"])
@blp.arguments(RunQueryArgsSchema, location="query")
@blp.response(200, RunPageSchema)
def list_runs(args: dict[str, Any], property_id: int) -> dict[str, Any]:
    """Newest first."""
    prop = property_for(property_id, "patrol.read")
    stmt = queries.runs(
        prop,
        args.get("date"),
        state=args.get("state"),
        route_id=args.get("route_id"),
        runner_id=args.get("runner_id"),
    )
    return paginate_request(stmt, Run.id, args, descending=True).out()


@blp.route("/runs/<int:run_id>", methods=["GET"])
@blp.response(200, RunDetailSchema)
def get_run(run_id: int) -> dict[str, Any]:
    """The run with its stops (visited or not), check-ins, findings and flags."""
    run = load_for(Run, run_id, "patrol.read")
    detail = runs.run_detail(db(), run)
    _with_photos(detail["findings"])
    set_etag(run)
    return detail


@blp.route("/runs/<int:run_id>/checkins", methods=["POST"])
@blp.arguments(CheckinCreateSchema)
@blp.response(201, CheckinSchema)
def check_in(args: dict[str, Any], run_id: int) -> Checkin:
    """Check in by QR token, NFC tag or GPS fix; a replay of the same client_id counts once."""
    run = load_for(Run, run_id, "patrol.run")
    client_id = client_id_from(args) or uuid.uuid4()
    return idempotent_create(
        Checkin,
        client_id,
        lambda: runs.check_in(db(), current_actor(), now(), run, client_id=client_id, **args),
    )


@blp.route("/runs/<int:run_id>/findings", methods=["POST"])
@blp.arguments(FindingCreateSchema)
@blp.response(201, FindingSchema)
def record_finding(args: dict[str, Any], run_id: int) -> Finding:
    run = load_for(Run, run_id, "patrol.run")
    client_id = client_id_from(args) or uuid.uuid4()
    finding = idempotent_create(
        Finding,
        client_id,
        lambda: runs.record_finding(db(), current_actor(), now(), run, client_id=client_id, **args),
    )
    _with_photos([finding])
    set_etag(finding)
    return finding


@blp.route("/runs/<int:run_id>/finish", methods=["POST"])
@blp.arguments(FinishSchema)
@blp.response(200, RunSchema)
def finish_run(args: dict[str, Any], run_id: int) -> Run:
    """Finish; with checkpoints not visited this is an early finish and needs a reason."""
    run = load_for(Run, run_id, "patrol.run")
    check_if_match(run)
    runs.finish_run(db(), current_actor(), now(), run, **args)
    commit()
    set_etag(run)
    return run


# --- findings -----------------------------------------------------------------------------


def _with_photos(findings: list[Finding]) -> list[Finding]:
    arrived = runs.photos_of(db(), [p for f in findings for p in f.photo_client_ids])
    for finding in findings:
        # A transient attribute for the response only (photos are linked, not foreign keys).
        setattr(finding, "photos", runs.photo_list(finding.photo_client_ids, arrived))  # noqa: B010
    return findings


@blp.route("/properties/<int:property_id>/findings", methods=["GET"])
@blp.arguments(FindingQueryArgsSchema, location="query")
@blp.response(200, FindingPageSchema)
def list_findings(args: dict[str, Any], property_id: int) -> dict[str, Any]:
    """E.g. ``status=forwarded&forward_target=work_order``: what the work-order area picks up."""
    prop = property_for(property_id, "patrol.read")
    stmt = queries.findings(
        prop.id,
        status=args.get("status"),
        forward_target=args.get("forward_target"),
        run_id=args.get("run_id"),
    )
    result = paginate_request(stmt, Finding.id, args, descending=True)
    _with_photos(result.items)
    return result.out()


@blp.route("/findings/<int:finding_id>", methods=["GET"])
@blp.response(200, FindingSchema)
def get_finding(finding_id: int) -> Finding:
    finding = load_for(Finding, finding_id, "patrol.read")
    _with_photos([finding])
    set_etag(finding)
    return finding


@blp.route("/findings/<int:finding_id>/forward", methods=["POST"])
@blp.arguments(ForwardSchema)
@blp.response(200, FindingSchema)
def forward_finding(args: dict[str, Any], finding_id: int) -> Finding:
    """Hand a problem on: to a work-order request or a renovation inspection (one step)."""
    finding = load_for(Finding, finding_id, "patrol.finding.forward")
    check_if_match(finding)
    runs.forward_finding(db(), current_actor(), now(), finding, **args)
    commit()
    _with_photos([finding])
    set_etag(finding)
    return finding
