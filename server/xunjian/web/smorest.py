"""flask-smorest subclassed once for the whole API (one error shape, one Schema base)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import marshmallow as ma
from flask_smorest import Api as BaseApi
from flask_smorest import Blueprint as BaseBlueprint
from webargs.core import missing
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.datastructures import CombinedMultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from .. import jsontext
from .errors import error_response
from .fields import INT_MAX, INT_MIN

# U+0000 cannot be stored in PostgreSQL text; a lone surrogate (U+D800–U+DFFF, which JSON's
# "\ud800" escape produces) cannot be encoded as UTF-8 by either database driver, nor sent back.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _unstorable_paths(value: Any) -> list[str]:
    """Paths of strings (keys included) that no database can store. Iterative: deep input
    cannot make it recurse out."""
    found = []
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            if _UNSTORABLE.search(item):
                found.append(path or "_schema")
        elif isinstance(item, Mapping):
            for key, child in item.items():
                child_path = f"{path}.{key}".lstrip(".")
                if isinstance(key, str) and _UNSTORABLE.search(key):
                    found.append(path or "_schema")
                    continue
                stack.append((child_path, child))
        elif isinstance(item, list | tuple):
            stack.extend((f"{path}.{i}", child) for i, child in enumerate(item))
    return sorted(found)


class Schema(ma.Schema):
    """Base schema for every request and response.

    Unknown fields are refused, so a typo never silently drops data; text no database can
    store is refused; an integer without its own upper bound gets the database's 32-bit range.
    """

    class Meta:
        unknown = ma.RAISE

    @ma.pre_load(pass_collection=True)
    def _refuse_unstorable_characters(self, data: Any, **_: Any) -> Any:
        # Refused here (422) for every field of every schema, instead of letting the database
        # driver turn it into a 500.
        if bad := _unstorable_paths(data if isinstance(data, Mapping | list) else {}):
            raise ma.ValidationError(
                {p: ["NUL characters and lone surrogates are not allowed."] for p in bad}
            )
        return data

    def on_bind_field(self, field_name: str, field_obj: ma.fields.Field) -> None:
        if isinstance(field_obj, ma.fields.Integer) and not any(
            isinstance(v, ma.validate.Range) and v.max is not None for v in field_obj.validators
        ):
            field_obj.validators = [*field_obj.validators, _INT_RANGE]
        super().on_bind_field(field_name, field_obj)


_INT_RANGE = ma.validate.Range(min=INT_MIN, max=INT_MAX)


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route is a database id: 1 to 2**31 - 1, else the route does not
    match (404). Werkzeug's own accepts any length, and an id beyond 64 bits overflows the
    database driver (a 500)."""

    def __init__(self, url_map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", INT_MAX)
        super().__init__(url_map, *args, **kwargs)


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

    def init_app(self, app: Any, *args: Any, **kwargs: Any) -> None:
        # Before any blueprint is registered, so every rule is built with it.
        app.url_map.converters["int"] = IdConverter
        super().init_app(app, *args, **kwargs)

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

    def _raw_load_json(self, req: Any) -> Any:
        # webargs parses with json.loads; ours also refuses nesting too deep to walk.
        if not is_json_request(req):
            return missing
        return jsontext.loads(req.get_data(cache=True))


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
