"""Schemas for properties, calendars and the building structure."""

from __future__ import annotations

import marshmallow as ma

from ..web import fields
from ..web.pagination import PageArgsSchema, page_schema
from ..web.smorest import Schema

_id = ma.validate.Range(min=1, max=2**31 - 1)
_lat = ma.validate.Range(min=-90, max=90)
_lon = ma.validate.Range(min=-180, max=180)


class PropertySchema(Schema):
    id = ma.fields.Integer(dump_only=True)
    client_id = ma.fields.UUID(load_default=None)
    code = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=40))
    name_zh = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    name_en = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))
    address = ma.fields.String(load_default="", validate=ma.validate.Length(max=400))
    timezone = ma.fields.String(load_default="Asia/Shanghai", validate=ma.validate.Length(max=64))
    working_days = ma.fields.List(
        ma.fields.Integer(validate=ma.validate.Range(min=1, max=7)),
        load_default=lambda: [1, 2, 3, 4, 5],
        validate=ma.validate.Length(min=1, max=7),
        metadata={"description": "ISO weekdays, Monday = 1"},
    )
    day_shift_start = ma.fields.Time(load_default=None)
    day_shift_end = ma.fields.Time(load_default=None)
    late_shift_end = ma.fields.Time(load_default=None)
    night_handover = ma.fields.Time(load_default=None)
    settings = ma.fields.Dict(
        keys=ma.fields.String(validate=ma.validate.Length(max=60)),
        load_default=dict,
        metadata={"description": "per-property overrides of product defaults"},
    )
    version = ma.fields.Integer(dump_only=True)


class PropertyPatchSchema(Schema):
    name_zh = ma.fields.String(validate=ma.validate.Length(min=1, max=200))
    name_en = ma.fields.String(validate=ma.validate.Length(max=200))
    address = ma.fields.String(validate=ma.validate.Length(max=400))
    timezone = ma.fields.String(validate=ma.validate.Length(max=64))
    working_days = ma.fields.List(
        ma.fields.Integer(validate=ma.validate.Range(min=1, max=7)),
        validate=ma.validate.Length(min=1, max=7),
    )
    day_shift_start = ma.fields.Time()
    day_shift_end = ma.fields.Time()
    late_shift_end = ma.fields.Time()
    night_handover = ma.fields.Time()
    settings = ma.fields.Dict(keys=ma.fields.String(validate=ma.validate.Length(max=60)))


class CalendarDaySchema(Schema):
    id = ma.fields.Integer(dump_only=True)
    client_id = ma.fields.UUID(load_default=None, load_only=True)
    property_id = ma.fields.Integer(dump_only=True)
    day = fields.Date(required=True)
    is_working_day = ma.fields.Boolean(
        required=True,
        metadata={"description": "false = holiday; true = make-up working day (调休)"},
    )
    name = ma.fields.String(load_default="", validate=ma.validate.Length(max=100))


class CalendarQueryArgsSchema(PageArgsSchema):
    year = ma.fields.Integer(validate=ma.validate.Range(min=2000, max=2100))


class BuildingSchema(Schema):
    id = ma.fields.Integer(dump_only=True)
    client_id = ma.fields.UUID(load_default=None, load_only=True)
    property_id = ma.fields.Integer(required=True, validate=_id)
    code = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=40))
    name_zh = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    name_en = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))
    latitude = ma.fields.Float(load_default=None, allow_none=True, validate=_lat)
    longitude = ma.fields.Float(load_default=None, allow_none=True, validate=_lon)
    version = ma.fields.Integer(dump_only=True)


class BuildingPatchSchema(Schema):
    code = ma.fields.String(validate=ma.validate.Length(min=1, max=40))
    name_zh = ma.fields.String(validate=ma.validate.Length(min=1, max=200))
    name_en = ma.fields.String(validate=ma.validate.Length(max=200))
    latitude = ma.fields.Float(allow_none=True, validate=_lat)
    longitude = ma.fields.Float(allow_none=True, validate=_lon)


class BuildingQueryArgsSchema(PageArgsSchema):
    property_id = ma.fields.Integer(validate=_id)


class FloorSchema(Schema):
    id = ma.fields.Integer(dump_only=True)
    client_id = ma.fields.UUID(load_default=None, load_only=True)
    property_id = ma.fields.Integer(dump_only=True)
    building_id = ma.fields.Integer(dump_only=True)
    level = ma.fields.Integer(required=True, validate=ma.validate.Range(min=-20, max=300))
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=40))
    version = ma.fields.Integer(dump_only=True)


class FloorPatchSchema(Schema):
    level = ma.fields.Integer(validate=ma.validate.Range(min=-20, max=300))
    name = ma.fields.String(validate=ma.validate.Length(min=1, max=40))


class UnitSchema(Schema):
    id = ma.fields.Integer(dump_only=True)
    client_id = ma.fields.UUID(load_default=None, load_only=True)
    property_id = ma.fields.Integer(dump_only=True)
    building_id = ma.fields.Integer(dump_only=True)
    floor_id = ma.fields.Integer(dump_only=True)
    number = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=40))
    kind = ma.fields.String(
        load_default="residential",
        validate=ma.validate.OneOf(["residential", "commercial", "office", "other"]),
    )
    owner_name = ma.fields.String(load_default="", validate=ma.validate.Length(max=100))
    owner_phone = ma.fields.String(load_default="", validate=ma.validate.Length(max=40))
    version = ma.fields.Integer(dump_only=True)


class UnitPatchSchema(Schema):
    number = ma.fields.String(validate=ma.validate.Length(min=1, max=40))
    kind = ma.fields.String(
        validate=ma.validate.OneOf(["residential", "commercial", "office", "other"])
    )
    owner_name = ma.fields.String(validate=ma.validate.Length(max=100))
    owner_phone = ma.fields.String(validate=ma.validate.Length(max=40))


class UnitQueryArgsSchema(PageArgsSchema):
    property_id = ma.fields.Integer(validate=_id)
    building_id = ma.fields.Integer(validate=_id)
    floor_id = ma.fields.Integer(validate=_id)


class StructureImportSchema(Schema):
    format = ma.fields.String(load_default="yaml", validate=ma.validate.OneOf(["yaml", "json"]))
    content = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=2_000_000),
        metadata={"description": "the file's text (schemas/property_structure.schema.json)"},
    )


class StructureImportResultSchema(Schema):
    counts = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Integer(),
        required=True,
        metadata={"description": "e.g. buildings_created, floors_updated, units_created"},
    )


PropertyPageSchema = page_schema(PropertySchema, "PropertyPageSchema")
CalendarDayPageSchema = page_schema(CalendarDaySchema, "CalendarDayPageSchema")
BuildingPageSchema = page_schema(BuildingSchema, "BuildingPageSchema")
FloorPageSchema = page_schema(FloorSchema, "FloorPageSchema")
UnitPageSchema = page_schema(UnitSchema, "UnitPageSchema")
