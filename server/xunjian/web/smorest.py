"""flask-smorest subclassed once for the whole API (one error shape, one Schema base)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import marshmallow as ma
from flask_smorest import Api as BaseApi
from flask_smorest import Blueprint as BaseBlueprint
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict
from werkzeug.exceptions import HTTPException

from .errors import error_response


def _paths_with_nul(value: Any, path: str = "") -> list[str]:
    if isinstance(value, str):
        return [path or "_schema"] if "\x00" in value else []
    if isinstance(value, Mapping):
        return [p for k, v in value.items() for p in _paths_with_nul(v, f"{path}.{k}".lstrip("."))]
    if isinstance(value, list | tuple):
        return [p for i, v in enumerate(value) for p in _paths_with_nul(v, f"{path}.{i}")]
    return []


class Schema(ma.Schema):
    """Base schema: unknown fields are refused, so a typo never silently drops data."""

    class Meta:
        unknown = ma.RAISE

    @ma.pre_load(pass_collection=True)
    def _refuse_nul_characters(self, data: Any, **_: Any) -> Any:
        # PostgreSQL cannot store U+0000 in text; refuse it here (422) for every field of every
        # schema instead of letting the database turn it into a 500.
        if bad := _paths_with_nul(data if isinstance(data, Mapping | list) else {}):
            raise ma.ValidationError({p: ["NUL characters are not allowed."] for p in bad})
        return data


def _decimal_as_string(_converter: Any, field: ma.fields.Field, **_: Any) -> dict[str, Any]:
    # apispec calls every Decimal a "number"; ours are sent as strings ("1234.50"), exact to the
    # cent, which a JSON number (a binary float in JavaScript) is not.
    if isinstance(field, ma.fields.Decimal) and field.as_string:
        return {"type": "string", "format": "decimal", "example": "1234.50"}
    return {}


class Api(BaseApi):
    def _init_spec(self, *args: Any, **kwargs: Any) -> None:
        super()._init_spec(*args, **kwargs)
        self.ma_plugin.converter.add_attribute_function(_decimal_as_string)

    def handle_http_exception(self, error: HTTPException) -> Any:
        return error_response(error)


class MultipartParser(FlaskParser):
    """``location="files"`` reads the whole multipart body: the files and the fields beside them.

    flask-smorest documents one request body per view; a photo upload is one multipart body
    with a file and form fields, so one schema with both gives a correct OpenAPI requestBody
    (two decorators, "form" and "files", would leave the fields as invalid OAS3 "formData").
    """

    def load_files(self, req: Any, schema: ma.Schema) -> Any:
        return self._makeproxy(CombinedMultiDict([req.files, req.form]), schema)


class Blueprint(BaseBlueprint):
    ARGUMENTS_PARSER = MultipartParser()


class ApiErrorSchema(Schema):
    code = ma.fields.String(required=True, metadata={"description": "machine-readable error code"})
    message = ma.fields.String(
        required=True, metadata={"description": "what went wrong, in English"}
    )
    details = ma.fields.Dict(
        required=True,
        metadata={"description": "field errors, `message_zh` (Chinese message) and context"},
    )


# Documented error responses use our shape, not flask-smorest's default.
Api.ERROR_SCHEMA = ApiErrorSchema
