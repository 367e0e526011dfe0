"""Night spot checks (夜间查岗), storm days and shift handovers (交接班): thin views."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from ..web.access import load_for, property_for, property_ids_where
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
from . import handover, queries, spotchecks, staff
from .models import Handover, SpotCheck, StormDay
from .schemas_duty import (
    ComplianceArgsSchema,
    ComplianceSchema,
    DutyStaffListSchema,
    DutyStaffQueryArgsSchema,
    HandoverConfirmSchema,
    HandoverCreateSchema,
    HandoverPageSchema,
    HandoverPatchSchema,
    HandoverQueryArgsSchema,
    HandoverSchema,
    ShortListSchema,
    SpotCheckCreateSchema,
    SpotCheckPageSchema,
    SpotCheckQueryArgsSchema,
    SpotCheckSchema,
    SpotCheckSignaturesSchema,
    StormDayPageSchema,
    StormDayQueryArgsSchema,
    StormDaySchema,
)

blp = Blueprint(
    "patrol_duty",
    __name__,
    url_prefix="/patrol",
    description="Night spot checks (夜间查岗) and shift handovers (交接班)",
)


def _month(args: dict[str, Any]) -> tuple[int, int] | None:
    if "month" not in args:
        return None
    year, month = args["month"].split("-")
    return int(year), int(month)


# --- spot checks --------------------------------------------------------------------------


@blp.route("/properties/<int:property_id>/spot-checks")
class SpotChecks(MethodView):
    @blp.arguments(SpotCheckQueryArgsSchema, location="query")
    @blp.response(200, SpotCheckPageSchema)
    def get(self, args: dict[str, Any], property_id: int) -> dict[str, Any]:
        """Newest first; ``month`` in the property's time zone."""
        prop = property_for(property_id, "spotcheck.read")
        stmt = queries.spot_checks(prop, _month(args))
        return paginate_request(stmt, SpotCheck.id, args, descending=True).out()

    @blp.arguments(SpotCheckCreateSchema)
    @blp.response(201, SpotCheckSchema)
    def post(self, args: dict[str, Any], property_id: int) -> SpotCheck:
        """Record a check with both signatures (PNG data URLs, stored in object storage)."""
        prop = property_for(property_id, "spotcheck.write")
        client_id = client_id_from(args)
        return idempotent_create(
            SpotCheck,
            client_id,
            lambda: spotchecks.create_spot_check(
                db(),
                current_actor(),
                now(),
                platform().store,
                prop.id,
                client_id=client_id,
                **args,
            ),
        )


@blp.route("/spot-checks/<int:spot_check_id>", methods=["GET"])
@blp.response(200, SpotCheckSchema)
def get_spot_check(spot_check_id: int) -> SpotCheck:
    check: SpotCheck = load_for(SpotCheck, spot_check_id, "spotcheck.read")
    return check


@blp.route("/spot-checks/<int:spot_check_id>/signatures", methods=["GET"])
@blp.response(200, SpotCheckSignaturesSchema)
def get_signatures(spot_check_id: int) -> dict[str, Any]:
    """Short-lived links to both signature images, to show beside the record."""
    check: SpotCheck = load_for(SpotCheck, spot_check_id, "spotcheck.read")
    store, seconds = platform().store, platform().settings.presign_seconds

    def url(key: str | None) -> str | None:
        return None if key is None else store.presigned_get(key, expires_seconds=seconds)

    return {
        "checker_url": url(check.checker_signature_key),
        "guard_url": url(check.guard_signature_key),
        "expires_in": seconds,
    }


@blp.route("/properties/<int:property_id>/storm-days")
class StormDays(MethodView):
    @blp.arguments(StormDayQueryArgsSchema, location="query")
    @blp.response(200, StormDayPageSchema)
    def get(self, args: dict[str, Any], property_id: int) -> dict[str, Any]:
        prop = property_for(property_id, "spotcheck.read")
        stmt = queries.storm_days(prop.id, args.get("year"))
        return paginate_request(stmt, StormDay.id, args).out()

    @blp.arguments(StormDaySchema)
    @blp.response(201, StormDaySchema)
    def post(self, args: dict[str, Any], property_id: int) -> StormDay:
        """Mark a typhoon/rainstorm day (it needs its own night check); re-marking updates it."""
        prop = property_for(property_id, "spotcheck.write")
        client_id = client_id_from(args)
        return idempotent_create(
            StormDay,
            client_id,
            lambda: spotchecks.mark_storm_day(
                db(), current_actor(), prop.id, client_id=client_id, **args
            ),
        )


@blp.delete("/storm-days/<int:storm_day_id>")
@blp.response(204)
def delete_storm_day(storm_day_id: int) -> None:
    row = load_for(StormDay, storm_day_id, "spotcheck.write")
    spotchecks.delete_storm_day(db(), current_actor(), row)
    commit()


@blp.route("/properties/<int:property_id>/spot-check-compliance", methods=["GET"])
@blp.arguments(ComplianceArgsSchema, location="query")
@blp.response(200, ComplianceSchema)
def compliance(args: dict[str, Any], property_id: int) -> dict[str, Any]:
    """Quota + storm days against the checks done in a month."""
    prop = property_for(property_id, "spotcheck.read")
    year, month = _month(args) or spotchecks.month_of(prop, now())
    return spotchecks.compliance(db(), prop, year, month)


@blp.route("/spot-check-compliance/short", methods=["GET"])
@blp.arguments(ComplianceArgsSchema, location="query")
@blp.response(200, ShortListSchema)
def short_of_quota(args: dict[str, Any]) -> dict[str, Any]:
    """Your properties still short of night spot checks this month."""
    return {
        "items": spotchecks.short_of_quota(
            db(), property_ids_where("spotcheck.read"), now(), _month(args)
        )
    }


# --- duty staff ---------------------------------------------------------------------------


@blp.route("/properties/<int:property_id>/duty-staff", methods=["GET"])
@blp.arguments(DutyStaffQueryArgsSchema, location="query")
@blp.response(200, DutyStaffListSchema)
def duty_staff(args: dict[str, Any], property_id: int) -> dict[str, Any]:
    """Active staff who stand posts or take over shifts here (id, display name, duty roles), for
    the spot check's guard and the handover's incoming person. One property's staff: not paged."""
    prop = property_for(property_id, "patrol.duty_staff.read")
    return {"items": staff.duty_staff(db(), prop.id, args.get("role"))}


# --- handovers ----------------------------------------------------------------------------


def _with_pending(item: Handover) -> Handover:
    live = [] if item.state == "completed" else handover.pending_photos(db(), item)
    setattr(item, "pending_now", live)  # noqa: B010  transient, for the response only
    return item


@blp.route("/properties/<int:property_id>/handovers")
class Handovers(MethodView):
    @blp.arguments(HandoverQueryArgsSchema, location="query")
    @blp.response(200, HandoverPageSchema)
    def get(self, args: dict[str, Any], property_id: int) -> dict[str, Any]:
        """Newest first."""
        prop = property_for(property_id, "patrol.read")
        stmt = queries.handovers(prop.id, args.get("state"))
        return paginate_request(stmt, Handover.id, args, descending=True).out()

    @blp.arguments(HandoverCreateSchema)
    @blp.response(201, HandoverSchema)
    def post(self, args: dict[str, Any], property_id: int) -> Handover:
        prop = property_for(property_id, "handover.write")
        client_id = client_id_from(args)
        item = idempotent_create(
            Handover,
            client_id,
            lambda: handover.create_handover(
                db(), current_actor(), now(), prop.id, client_id=client_id, **args
            ),
        )
        set_etag(item)
        return _with_pending(item)


@blp.route("/handovers/<int:handover_id>")
class HandoverItemView(MethodView):
    @blp.response(200, HandoverSchema)
    def get(self, handover_id: int) -> Handover:
        item = load_for(Handover, handover_id, "patrol.read")
        set_etag(item)
        return _with_pending(item)

    @blp.arguments(HandoverPatchSchema)
    @blp.response(200, HandoverSchema)
    def patch(self, args: dict[str, Any], handover_id: int) -> Handover:
        item = load_for(Handover, handover_id, "handover.write")
        check_if_match(item)
        handover.update_handover(db(), current_actor(), now(), item, args)
        commit()
        set_etag(item)
        return _with_pending(item)


@blp.route("/handovers/<int:handover_id>/confirm", methods=["POST"])
@blp.arguments(HandoverConfirmSchema)
@blp.response(200, HandoverSchema)
def confirm_handover(args: dict[str, Any], handover_id: int) -> Handover:
    """Confirm as yourself: the outgoing person first, then the incoming one (own login each).
    Photos still on the outgoing phone at completion are recorded as the exception."""
    item = load_for(Handover, handover_id, "handover.write")
    check_if_match(item)
    handover.confirm(db(), current_actor(), now(), item, **args)
    commit()
    set_etag(item)
    return _with_pending(item)
