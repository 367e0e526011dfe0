"""Request/response schemas for login and staff accounts."""

from __future__ import annotations

import marshmallow as ma

from ..permissions import ROLES
from ..web import fields
from ..web.pagination import PageArgsSchema, page_schema
from ..web.smorest import Schema

_locale = ma.validate.OneOf(["zh-CN", "en"])


class LoginSchema(Schema):
    username = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=80))
    password = ma.fields.String(
        required=True, load_only=True, validate=ma.validate.Length(min=1, max=200)
    )
    device_id = ma.fields.String(load_default="", validate=ma.validate.Length(max=100))


class AssignmentSchema(Schema):
    id = ma.fields.Integer(dump_only=True)
    property_id = ma.fields.Integer(required=True)
    property_name = ma.fields.String(dump_only=True)
    role = ma.fields.String(required=True, validate=ma.validate.OneOf(ROLES))


class NewAssignmentSchema(Schema):
    property_id = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=2**31 - 1))
    role = ma.fields.String(required=True, validate=ma.validate.OneOf(ROLES))


class AssignmentCreateSchema(Schema):
    client_id = ma.fields.UUID(load_default=None)
    property_id = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=2**31 - 1))
    role = ma.fields.String(required=True, validate=ma.validate.OneOf(ROLES))


class UserSchema(Schema):
    id = ma.fields.Integer(dump_only=True)
    username = ma.fields.String(dump_only=True)
    display_name = ma.fields.String(dump_only=True)
    phone = ma.fields.String(dump_only=True)
    locale = ma.fields.String(dump_only=True)
    is_admin = ma.fields.Boolean(dump_only=True)
    active = ma.fields.Boolean(dump_only=True)
    must_change_password = ma.fields.Boolean(dump_only=True)
    assignments = ma.fields.List(ma.fields.Nested(AssignmentSchema), dump_only=True)


class LoginResponseSchema(Schema):
    token = ma.fields.String(required=True)
    token_type = ma.fields.String(required=True)
    expires_at = fields.AwareDateTime(required=True)
    user = ma.fields.Nested(UserSchema, required=True)


class UserCreateSchema(Schema):
    client_id = ma.fields.UUID(load_default=None)
    username = ma.fields.String(
        required=True,
        validate=[
            ma.validate.Length(min=2, max=80),
            ma.validate.Regexp(r"^[A-Za-z0-9_.@-]+$", error="letters, digits and _ . @ - only"),
        ],
    )
    display_name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100))
    password = ma.fields.String(required=True, load_only=True, validate=ma.validate.Length(max=200))
    phone = ma.fields.String(load_default="", validate=ma.validate.Length(max=40))
    locale = ma.fields.String(load_default="zh-CN", validate=_locale)
    is_admin = ma.fields.Boolean(load_default=False)
    assignments = ma.fields.List(
        ma.fields.Nested(NewAssignmentSchema),
        load_default=list,
        validate=ma.validate.Length(max=50),
    )


class UserPatchSchema(Schema):
    display_name = ma.fields.String(validate=ma.validate.Length(min=1, max=100))
    phone = ma.fields.String(validate=ma.validate.Length(max=40))
    locale = ma.fields.String(validate=_locale)
    active = ma.fields.Boolean()
    is_admin = ma.fields.Boolean()


class PasswordResetSchema(Schema):
    new_password = ma.fields.String(
        required=True, load_only=True, validate=ma.validate.Length(max=200)
    )


class PasswordChangeSchema(Schema):
    old_password = ma.fields.String(
        required=True, load_only=True, validate=ma.validate.Length(max=200)
    )
    new_password = ma.fields.String(
        required=True, load_only=True, validate=ma.validate.Length(max=200)
    )


class UserQueryArgsSchema(PageArgsSchema):
    property_id = ma.fields.Integer(validate=ma.validate.Range(min=1, max=2**31 - 1))
    role = ma.fields.String(validate=ma.validate.OneOf(ROLES))


UserPageSchema = page_schema(UserSchema, "UserPageSchema")
