"""Properties, calendars, buildings, floors and units (thin views over org.service)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask.views import MethodView
from sqlalchemy import select

from ..permissions import require
from ..structured_files import validate_document
from ..web.conditional import check_if_match, set_etag
from ..web.context import client_id_from, commit, current_actor, db, get_or_404, idempotent_create
from ..web.pagination import PageArgsSchema, paginate_request
from ..web.smorest import Blueprint
from . import importer, service
from .models import Building, CalendarDay, Floor, Property, Unit
from .schemas import (
    BuildingPageSchema,
    BuildingPatchSchema,
    BuildingQueryArgsSchema,
    BuildingSchema,
    CalendarDayPageSchema,
    CalendarDaySchema,
    CalendarQueryArgsSchema,
    FloorPageSchema,
    FloorPatchSchema,
    FloorSchema,
    PropertyPageSchema,
    PropertyPatchSchema,
    PropertySchema,
    StructureImportResultSchema,
    StructureImportSchema,
    UnitPageSchema,
    UnitPatchSchema,
    UnitQueryArgsSchema,
    UnitSchema,
)

blp = Blueprint("org", __name__, description="Properties and their structure")


def _page(page: Any) -> dict[str, Any]:
    return {"items": page.items, "next_cursor": page.next_cursor}


def _drop_none(args: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in args.items() if v is not None}


def _readable(item: Any) -> Any:
    require(
        current_actor(), "org.read", item.property_id if hasattr(item, "property_id") else item.id
    )
    return item


@blp.route("/properties")
class Properties(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, PropertyPageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The properties you are assigned to."""
        return _page(paginate_request(select(Property), Property.id, args))

    @blp.arguments(PropertySchema)
    @blp.response(201, PropertySchema)
    def post(self, args: dict[str, Any]) -> Property:
        client_id = client_id_from(args)
        actor = current_actor()
        prop = idempotent_create(
            Property,
            client_id,
            lambda: service.create_property(db(), actor, client_id=client_id, **_drop_none(args)),
        )
        set_etag(prop)
        return prop


@blp.route("/properties/<int:property_id>")
class PropertyItem(MethodView):
    @blp.response(200, PropertySchema)
    def get(self, property_id: int) -> Property:
        prop = _readable(get_or_404(Property, property_id, "property", "项目"))
        set_etag(prop)
        return prop

    @blp.arguments(PropertyPatchSchema)
    @blp.response(200, PropertySchema)
    def patch(self, args: dict[str, Any], property_id: int) -> Property:
        prop = get_or_404(Property, property_id, "property", "项目")
        require(current_actor(), "org.property.update", prop.id)
        check_if_match(prop)
        service.update_property(db(), current_actor(), prop, args)
        commit()
        set_etag(prop)
        return prop


@blp.route("/properties/<int:property_id>/structure/import", methods=["POST"])
@blp.arguments(StructureImportSchema)
@blp.response(200, StructureImportResultSchema)
def import_structure(args: dict[str, Any], property_id: int) -> dict[str, Any]:
    """Create or update this property's buildings, floors and units from a YAML/JSON file,
    matched by code, level and number (idempotent). A file that does not fit the schema is a 422
    whose ``details.problems`` give each problem's line and column."""
    prop = _readable(get_or_404(Property, property_id, "property", "项目"))
    require(current_actor(), "org.structure.write", prop.id)
    filename = f"structure.{args['format']}"
    data = validate_document(args["content"], filename, "property_structure.schema.json")
    counts = importer.import_into(db(), current_actor(), prop, data)
    commit()
    return {"counts": counts}


@blp.route("/properties/<int:property_id>/calendar")
class Calendar(MethodView):
    @blp.arguments(CalendarQueryArgsSchema, location="query")
    @blp.response(200, CalendarDayPageSchema)
    def get(self, args: dict[str, Any], property_id: int) -> dict[str, Any]:
        """Holidays and make-up working days that differ from the weekly pattern."""
        prop = _readable(get_or_404(Property, property_id, "property", "项目"))
        stmt = select(CalendarDay).where(CalendarDay.property_id == prop.id)
        if "year" in args:
            stmt = stmt.where(
                CalendarDay.day >= dt.date(args["year"], 1, 1),
                CalendarDay.day <= dt.date(args["year"], 12, 31),
            )
        return _page(paginate_request(stmt, CalendarDay.id, args))

    @blp.arguments(CalendarDaySchema)
    @blp.response(201, CalendarDaySchema)
    def post(self, args: dict[str, Any], property_id: int) -> CalendarDay:
        """Mark a day as a holiday or a working day (replaces an existing mark for that day)."""
        prop = get_or_404(Property, property_id, "property", "项目")
        client_id = client_id_from(args)
        return idempotent_create(
            CalendarDay,
            client_id,
            lambda: service.set_calendar_day(
                db(), current_actor(), prop, client_id=client_id, **args
            ),
        )


@blp.delete("/properties/<int:property_id>/calendar/<int:day_id>")
@blp.response(204)
def delete_calendar_day(property_id: int, day_id: int) -> None:
    row = get_or_404(CalendarDay, day_id, "calendar day", "日历日")
    if row.property_id != property_id:
        get_or_404(CalendarDay, -1, "calendar day", "日历日")
    service.delete_calendar_day(db(), current_actor(), row)
    commit()


@blp.route("/buildings")
class Buildings(MethodView):
    @blp.arguments(BuildingQueryArgsSchema, location="query")
    @blp.response(200, BuildingPageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        stmt = select(Building)
        if "property_id" in args:
            stmt = stmt.where(Building.property_id == args["property_id"])
        return _page(paginate_request(stmt, Building.id, args))

    @blp.arguments(BuildingSchema)
    @blp.response(201, BuildingSchema)
    def post(self, args: dict[str, Any]) -> Building:
        get_or_404(Property, args["property_id"], "property", "项目")
        client_id = client_id_from(args)
        return idempotent_create(
            Building,
            client_id,
            lambda: service.create_building(db(), current_actor(), client_id=client_id, **args),
        )


def _patch_structure(
    model: type[Any], ident: int, args: dict[str, Any], what: str, what_zh: str
) -> Any:
    item = get_or_404(model, ident, what, what_zh)
    require(current_actor(), "org.structure.write", item.property_id)
    check_if_match(item)
    service.update_structure(db(), current_actor(), item, args)
    commit()
    set_etag(item)
    return item


def _get_structure(model: type[Any], ident: int, what: str, what_zh: str) -> Any:
    item = _readable(get_or_404(model, ident, what, what_zh))
    set_etag(item)
    return item


@blp.route("/buildings/<int:building_id>")
class BuildingItem(MethodView):
    @blp.response(200, BuildingSchema)
    def get(self, building_id: int) -> Building:
        return _get_structure(Building, building_id, "building", "楼栋")

    @blp.arguments(BuildingPatchSchema)
    @blp.response(200, BuildingSchema)
    def patch(self, args: dict[str, Any], building_id: int) -> Building:
        return _patch_structure(Building, building_id, args, "building", "楼栋")


@blp.route("/buildings/<int:building_id>/floors")
class Floors(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, FloorPageSchema)
    def get(self, args: dict[str, Any], building_id: int) -> dict[str, Any]:
        building = _readable(get_or_404(Building, building_id, "building", "楼栋"))
        return _page(
            paginate_request(select(Floor).where(Floor.building_id == building.id), Floor.id, args)
        )

    @blp.arguments(FloorSchema)
    @blp.response(201, FloorSchema)
    def post(self, args: dict[str, Any], building_id: int) -> Floor:
        building = get_or_404(Building, building_id, "building", "楼栋")
        client_id = client_id_from(args)
        return idempotent_create(
            Floor,
            client_id,
            lambda: service.create_floor(
                db(), current_actor(), building, client_id=client_id, **args
            ),
        )


@blp.route("/floors/<int:floor_id>")
class FloorItem(MethodView):
    @blp.response(200, FloorSchema)
    def get(self, floor_id: int) -> Floor:
        return _get_structure(Floor, floor_id, "floor", "楼层")

    @blp.arguments(FloorPatchSchema)
    @blp.response(200, FloorSchema)
    def patch(self, args: dict[str, Any], floor_id: int) -> Floor:
        return _patch_structure(Floor, floor_id, args, "floor", "楼层")


@blp.route("/floors/<int:floor_id>/units")
class FloorUnits(MethodView):
    @blp.arguments(UnitSchema)
    @blp.response(201, UnitSchema)
    def post(self, args: dict[str, Any], floor_id: int) -> Unit:
        floor = get_or_404(Floor, floor_id, "floor", "楼层")
        client_id = client_id_from(args)
        return idempotent_create(
            Unit,
            client_id,
            lambda: service.create_unit(db(), current_actor(), floor, client_id=client_id, **args),
        )


@blp.route("/units")
class Units(MethodView):
    @blp.arguments(UnitQueryArgsSchema, location="query")
    @blp.response(200, UnitPageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        stmt = select(Unit)
        for name in ("property_id", "building_id", "floor_id"):
            if name in args:
                stmt = stmt.where(getattr(Unit, name) == args[name])
        return _page(paginate_request(stmt, Unit.id, args))


@blp.route("/units/<int:unit_id>")
class UnitItem(MethodView):
    @blp.response(200, UnitSchema)
    def get(self, unit_id: int) -> Unit:
        return _get_structure(Unit, unit_id, "unit", "房号")

    @blp.arguments(UnitPatchSchema)
    @blp.response(200, UnitSchema)
    def patch(self, args: dict[str, Any], unit_id: int) -> Unit:
        return _patch_structure(Unit, unit_id, args, "unit", "房号")
