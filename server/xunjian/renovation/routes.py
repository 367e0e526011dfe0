"""Renovation API: registry, checklist, inspections, the patrol log (thin views).

Order of checks everywhere: scope (404) → role (403) → ETag (428/412) → rules (409/422).
Notices, measures and deposits are in ``routes_notices.py``.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView

from ..org.localtime import local_day
from ..org.models import Property
from ..patrol.models import Finding
from ..web.access import find, load_for, property_for, property_ids_for, require_anywhere
from ..web.conditional import check_if_match, set_etag
from ..web.context import (
    client_id_from,
    commit,
    current_actor,
    db,
    idempotent_create,
    now,
)
from ..web.pagination import PageArgsSchema, paginate_request
from ..web.smorest import Blueprint
from . import checklist, inspections, queries, registry
from .models import ChecklistVersion, Inspection, Renovation
from .schemas import (
    ApproveSchema,
    ChecklistEditSchema,
    ChecklistQueryArgsSchema,
    ChecklistSchema,
    ChecklistVersionListSchema,
    DayArgsSchema,
    DueSiteListSchema,
    InspectionCreateSchema,
    InspectionPageSchema,
    InspectionSchema,
    PatrolLogSchema,
    RenovationPageSchema,
    RenovationPatchSchema,
    RenovationQueryArgsSchema,
    RenovationReasonSchema,
    RenovationSchema,
    SuggestionArgsSchema,
    SuggestionSchema,
    TransitionSchema,
)

blp = Blueprint(
    "renovation",
    __name__,
    url_prefix="/renovation",
    description="Renovation enforcement (装修管理)",
)


def site_out(renovation: Renovation) -> dict[str, Any]:
    set_etag(renovation)
    return queries.renovation_out(db(), renovation)


# --- registry -----------------------------------------------------------------------------


@blp.route("/properties/<int:property_id>/renovations")
class Renovations(MethodView):
    @blp.arguments(RenovationQueryArgsSchema, location="query")
    @blp.response(200, RenovationPageSchema)
    def get(self, args: dict[str, Any], property_id: int) -> dict[str, Any]:
        prop = property_for(property_id, "renovation.read")
        stmt = queries.renovations(prop.id, args.get("state"), args.get("unit_id"))
        page = paginate_request(stmt, Renovation.id, args)
        return {
            "items": [queries.renovation_out(db(), r) for r in page.items],
            "next_cursor": page.next_cursor,
        }

    @blp.arguments(RenovationSchema)
    @blp.response(201, RenovationSchema)
    def post(self, args: dict[str, Any], property_id: int) -> dict[str, Any]:
        """Register a renovation application (state: applied)."""
        prop = property_for(property_id, "renovation.register")
        client_id = client_id_from(args)
        renovation = idempotent_create(
            Renovation,
            client_id,
            lambda: registry.register(
                db(), current_actor(), now(), prop, client_id=client_id, **args
            ),
        )
        return site_out(renovation)


@blp.route("/renovations/<int:renovation_id>")
class RenovationItem(MethodView):
    @blp.response(200, RenovationSchema)
    def get(self, renovation_id: int) -> dict[str, Any]:
        return site_out(load_for(Renovation, renovation_id, "renovation.read"))

    @blp.arguments(RenovationPatchSchema)
    @blp.response(200, RenovationSchema)
    def patch(self, args: dict[str, Any], renovation_id: int) -> dict[str, Any]:
        renovation = load_for(Renovation, renovation_id, "renovation.register")
        check_if_match(renovation)
        registry.update(
            db(), current_actor(), find(Property, renovation.property_id), renovation, args
        )
        commit()
        return site_out(renovation)


def _move(renovation_id: int, action: str, event: str, **kw: Any) -> dict[str, Any]:
    renovation = load_for(Renovation, renovation_id, action)
    check_if_match(renovation)
    registry.transition(db(), current_actor(), now(), renovation, event, **kw)
    commit()
    return site_out(renovation)


@blp.post("/renovations/<int:renovation_id>/approve")
@blp.arguments(ApproveSchema)
@blp.response(200, RenovationSchema)
def approve_renovation(args: dict[str, Any], renovation_id: int) -> dict[str, Any]:
    """Approve the application and issue the work permit (施工证)."""
    note = args.pop("note")
    return _move(renovation_id, "renovation.approve", "approve", reason=note, permit=args)


@blp.post("/renovations/<int:renovation_id>/transition")
@blp.arguments(TransitionSchema)
@blp.response(200, RenovationSchema)
def transition_renovation(args: dict[str, Any], renovation_id: int) -> dict[str, Any]:
    """Work started; completion inspection requested; or back to work after it."""
    return _move(renovation_id, "renovation.register", args["event"], reason=args["note"])


@blp.post("/renovations/<int:renovation_id>/suspend")
@blp.arguments(RenovationReasonSchema)
@blp.response(200, RenovationSchema)
def suspend_renovation(args: dict[str, Any], renovation_id: int) -> dict[str, Any]:
    return _move(renovation_id, "renovation.notice", "suspend", reason=args["reason"])


@blp.post("/renovations/<int:renovation_id>/resume")
@blp.arguments(RenovationReasonSchema)
@blp.response(200, RenovationSchema)
def resume_renovation(args: dict[str, Any], renovation_id: int) -> dict[str, Any]:
    return _move(renovation_id, "renovation.notice", "resume", reason=args["reason"])


# --- checklist ----------------------------------------------------------------------------


@blp.route("/checklist")
class Checklist(MethodView):
    @blp.arguments(ChecklistQueryArgsSchema, location="query")
    @blp.response(200, ChecklistSchema)
    def get(self, args: dict[str, Any]) -> ChecklistVersion:
        """Your company's checklist: the newest version, or ``?version=N``."""
        actor = current_actor()
        require_anywhere("renovation.read")
        if "version" in args:
            return checklist.version_by_number(db(), actor.company_id, args["version"])
        version = checklist.current_version(db(), actor.company_id)
        commit()  # the defaults become version 1 on first use
        return version

    @blp.arguments(ChecklistEditSchema)
    @blp.response(201, ChecklistSchema)
    def post(self, args: dict[str, Any]) -> ChecklistVersion:
        """Edit, add or retire items, or change severities' deadlines: makes the next version."""
        actor = current_actor()
        require_anywhere("renovation.checklist.edit")
        client_id = client_id_from(args)
        return idempotent_create(
            ChecklistVersion,
            client_id,
            lambda: checklist.new_version(db(), actor, now(), client_id=client_id, **args),
        )


@blp.get("/checklist/versions")
@blp.response(200, ChecklistVersionListSchema)
def checklist_versions() -> dict[str, Any]:
    require_anywhere("renovation.read")
    items = checklist.list_versions(db(), current_actor().company_id)
    commit()
    return {"items": items}


# --- inspections --------------------------------------------------------------------------


@blp.get("/renovations/<int:renovation_id>/suggestions")
@blp.arguments(SuggestionArgsSchema, location="query")
@blp.response(200, SuggestionSchema)
def suggested_items(args: dict[str, Any], renovation_id: int) -> dict[str, Any]:
    """What the phone pre-ticks before an inspection (R24 outside the permitted hours)."""
    renovation = load_for(Renovation, renovation_id, "renovation.read")
    prop = find(Property, renovation.property_id)
    version = checklist.current_version(db(), prop.company_id)
    result = inspections.suggestions(db(), prop, renovation, version, args["at"] or now())
    commit()
    return result


def _inspect(
    renovation: Renovation, args: dict[str, Any], finding: Finding | None = None
) -> dict[str, Any]:
    client_id = client_id_from(args) or uuid.uuid4()
    prop = find(Property, renovation.property_id)
    inspection = idempotent_create(
        Inspection,
        client_id,
        lambda: inspections.record_inspection(
            db(),
            current_actor(),
            now(),
            prop,
            renovation,
            client_id=client_id,
            finding=finding,
            **args,
        ),
    )
    loaded = inspections.load_inspection(db(), inspection.id)
    assert loaded is not None
    return inspections.inspection_out(db(), loaded)


@blp.route("/renovations/<int:renovation_id>/inspections")
class Inspections(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, InspectionPageSchema)
    def get(self, args: dict[str, Any], renovation_id: int) -> dict[str, Any]:
        renovation = load_for(Renovation, renovation_id, "renovation.read")
        stmt = queries.inspections_of(renovation.id)
        return paginate_request(stmt, Inspection.id, args, descending=True).out()

    @blp.arguments(InspectionCreateSchema)
    @blp.response(201, InspectionSchema)
    def post(self, args: dict[str, Any], renovation_id: int) -> dict[str, Any]:
        """Record a daily inspection: every item OK / violation / not applicable."""
        return _inspect(load_for(Renovation, renovation_id, "renovation.inspect"), args)


@blp.get("/inspections/<int:inspection_id>")
@blp.response(200, InspectionSchema)
def get_inspection(inspection_id: int) -> dict[str, Any]:
    inspection = load_for(
        Inspection, inspection_id, "renovation.read", *inspections.INSPECTION_LOADS
    )
    return inspections.inspection_out(db(), inspection)


@blp.post("/findings/<int:finding_id>/inspection")
@blp.arguments(InspectionCreateSchema)
@blp.response(201, InspectionSchema)
def inspect_finding(args: dict[str, Any], finding_id: int) -> dict[str, Any]:
    """Follow up a patrol finding forwarded to renovation with an inspection of its unit's site."""
    finding = load_for(Finding, finding_id, "renovation.inspect")
    renovation = inspections.renovation_for_finding(db(), finding)
    return _inspect(renovation, args, finding)


@blp.get("/properties/<int:property_id>/patrol-log")
@blp.arguments(DayArgsSchema, location="query")
@blp.response(200, PatrolLogSchema)
def patrol_log(args: dict[str, Any], property_id: int) -> dict[str, Any]:
    """装修施工巡查日志: every active site of the day and whether it was inspected."""
    prop = property_for(property_id, "renovation.read")
    return inspections.patrol_log(db(), prop, args["day"] or local_day(prop, now()))


@blp.get("/my-sites")
@blp.response(200, DueSiteListSchema)
def my_sites() -> dict[str, Any]:
    """Sites you (a floor manager) still have to inspect today."""
    allowed = property_ids_for("renovation.inspect")
    return {"items": inspections.my_sites(db(), current_actor(), now(), allowed)}
