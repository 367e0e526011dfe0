"""Properties, calendars, buildings, floors and units (thin views over org.structure)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from ..structured_files import validate_document
from ..web.access import find, load_for, not_found, property_for, require_anywhere, require_at
from ..web.conditional import check_if_match, set_etag
from ..web.context import client_id_from, commit, current_actor, db, idempotent_create
from ..web.pagination import PageArgsSchema, paginate_request
from ..web.smorest import Blueprint
from . import importer, queries, structure
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


def _drop_none(args: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in args.items() if v is not None}


@blp.route("/properties")
class Properties(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, PropertyPageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The properties you are assigned to."""
        return paginate_request(queries.properties(), Property.id, args).out()

    @blp.arguments(PropertySchema)
    @blp.response(201, PropertySchema)
    def post(self, args: dict[str, Any]) -> Property:
        require_anywhere("org.property.create")
        client_id = client_id_from(args)
        actor = current_actor()
        prop = idempotent_create(
            Property,
            client_id,
            lambda: structure.create_property(db(), actor, client_id=client_id, **_drop_none(args)),
        )
        set_etag(prop)
        return prop


@blp.route("/properties/<int:property_id>")
class PropertyItem(MethodView):
    @blp.response(200, PropertySchema)
    def get(self, property_id: int) -> Property:
        prop = property_for(property_id, "org.read")
        set_etag(prop)
        return prop

    @blp.arguments(PropertyPatchSchema)
    @blp.response(200, PropertySchema)
    def patch(self, args: dict[str, Any], property_id: int) -> Property:
        prop = property_for(property_id, "org.property.update")
        check_if_match(prop)
        structure.update_property(db(), current_actor(), prop, args)
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
    prop = property_for(property_id, "org.structure.write")
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
        prop = property_for(property_id, "org.read")
        stmt = queries.calendar_days(prop.id, args.get("year"))
        return paginate_request(stmt, CalendarDay.id, args).out()

    @blp.arguments(CalendarDaySchema)
    @blp.response(201, CalendarDaySchema)
    def post(self, args: dict[str, Any], property_id: int) -> CalendarDay:
        """Mark a day as a holiday or a working day (replaces an existing mark for that day)."""
        prop = property_for(property_id, "org.calendar.write")
        client_id = client_id_from(args)
        return idempotent_create(
            CalendarDay,
            client_id,
            lambda: structure.set_calendar_day(
                db(), current_actor(), prop, client_id=client_id, **args
            ),
        )


@blp.delete("/properties/<int:property_id>/calendar/<int:day_id>")
@blp.response(204)
def delete_calendar_day(property_id: int, day_id: int) -> None:
    row = find(CalendarDay, day_id)
    if row.property_id != property_id:
        raise not_found(CalendarDay)
    require_at(row.property_id, "org.calendar.write")
    structure.delete_calendar_day(db(), current_actor(), row)
    commit()


@blp.route("/buildings")
class Buildings(MethodView):
    @blp.arguments(BuildingQueryArgsSchema, location="query")
    @blp.response(200, BuildingPageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        stmt = queries.buildings(args.get("property_id"))
        return paginate_request(stmt, Building.id, args).out()

    @blp.arguments(BuildingSchema)
    @blp.response(201, BuildingSchema)
    def post(self, args: dict[str, Any]) -> Building:
        property_for(args["property_id"], "org.structure.write")
        client_id = client_id_from(args)
        return idempotent_create(
            Building,
            client_id,
            lambda: structure.create_building(db(), current_actor(), client_id=client_id, **args),
        )


def _patch_structure(model: type[Any], ident: int, args: dict[str, Any]) -> Any:
    item = load_for(model, ident, "org.structure.write")
    check_if_match(item)
    structure.update_structure(db(), current_actor(), item, args)
    commit()
    set_etag(item)
    return item


def _get_structure(model: type[Any], ident: int) -> Any:
    item = load_for(model, ident, "org.read")
    set_etag(item)
    return item


@blp.route("/buildings/<int:building_id>")
class BuildingItem(MethodView):
    @blp.response(200, BuildingSchema)
    def get(self, building_id: int) -> Building:
        return _get_structure(Building, building_id)

    @blp.arguments(BuildingPatchSchema)
    @blp.response(200, BuildingSchema)
    def patch(self, args: dict[str, Any], building_id: int) -> Building:
        return _patch_structure(Building, building_id, args)


@blp.route("/buildings/<int:building_id>/floors")
class Floors(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, FloorPageSchema)
    def get(self, args: dict[str, Any], building_id: int) -> dict[str, Any]:
        building = load_for(Building, building_id, "org.read")
        return paginate_request(queries.floors(building.id), Floor.id, args).out()

    @blp.arguments(FloorSchema)
    @blp.response(201, FloorSchema)
    def post(self, args: dict[str, Any], building_id: int) -> Floor:
        building = load_for(Building, building_id, "org.structure.write")
        client_id = client_id_from(args)
        return idempotent_create(
            Floor,
            client_id,
            lambda: structure.create_floor(
                db(), current_actor(), building, client_id=client_id, **args
            ),
        )


@blp.route("/floors/<int:floor_id>")
class FloorItem(MethodView):
    @blp.response(200, FloorSchema)
    def get(self, floor_id: int) -> Floor:
        return _get_structure(Floor, floor_id)

    @blp.arguments(FloorPatchSchema)
    @blp.response(200, FloorSchema)
    def patch(self, args: dict[str, Any], floor_id: int) -> Floor:
        return _patch_structure(Floor, floor_id, args)


@blp.route("/floors/<int:floor_id>/units")
class FloorUnits(MethodView):
    @blp.arguments(UnitSchema)
    @blp.response(201, UnitSchema)
    def post(self, args: dict[str, Any], floor_id: int) -> Unit:
        floor = load_for(Floor, floor_id, "org.structure.write")
        client_id = client_id_from(args)
        return idempotent_create(
            Unit,
            client_id,
            lambda: structure.create_unit(
                db(), current_actor(), floor, client_id=client_id, **args
            ),
        )


@blp.route("/units")
class Units(MethodView):
    @blp.arguments(UnitQueryArgsSchema, location="query")
    @blp.response(200, UnitPageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        stmt = queries.units(args.get("property_id"), args.get("building_id"), args.get("floor_id"))
        return paginate_request(stmt, Unit.id, args).out()


@blp.route("/units/<int:unit_id>")
class UnitItem(MethodView):
    @blp.response(200, UnitSchema)
    def get(self, unit_id: int) -> Unit:
        return _get_structure(Unit, unit_id)

    @blp.arguments(UnitPatchSchema)
    @blp.response(200, UnitSchema)
    def patch(self, args: dict[str, Any], unit_id: int) -> Unit:
        return _patch_structure(Unit, unit_id, args)
