"""Every error leaves the API in one JSON shape: ``{code, message, details}``."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from ..errors import DomainError
from ..storage import StorageUnavailable

log = logging.getLogger("xunjian.errors")

_HTTP_CODES = {
    400: ("bad_request", "The request could not be understood.", "请求无法解析。"),
    401: ("unauthenticated", "Please log in.", "请先登录。"),
    403: ("forbidden", "You are not allowed to do this.", "您无权执行此操作。"),
    404: ("not_found", "Not found.", "未找到。"),
    405: ("method_not_allowed", "This method is not allowed here.", "不支持该请求方法。"),
    406: ("not_acceptable", "Not acceptable.", "无法提供所需格式。"),
    409: ("conflict", "This conflicts with the current state.", "与当前状态冲突。"),
    412: (
        "stale_etag",
        "Someone changed this record meanwhile. Reload it and try again.",
        "该记录已被他人修改，请刷新后重试。",
    ),
    413: ("payload_too_large", "The request body is too large.", "请求内容过大。"),
    415: ("unsupported_media_type", "Unsupported content type.", "不支持的内容类型。"),
    422: ("validation_error", "Some fields are invalid.", "部分字段无效。"),
    428: (
        "if_match_required",
        "Send the record's ETag in If-Match.",
        "请在 If-Match 中提供记录的 ETag。",
    ),
    429: ("too_many_requests", "Too many requests.", "请求过于频繁。"),
}


def _payload(status: int, code: str, message: str, details: dict[str, Any]) -> Response:
    response = jsonify({"code": code, "message": message, "details": details})
    response.status_code = status
    return response


def error_response(error: HTTPException) -> Response:
    status = error.code or 500
    code, message, message_zh = _HTTP_CODES.get(status, ("error", error.name, error.name))
    details: dict[str, Any] = {"message_zh": message_zh}
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") if isinstance(data, dict) else None
    if messages:
        # webargs nests field errors by location ("json", "query", …); keep that: the client
        # needs to know whether the query string or the body was wrong.
        details["fields"] = messages
        if status == 400 and "json" in messages and not isinstance(messages["json"], dict):
            code, message = "malformed_json", "The request body is not valid JSON."
            details["message_zh"] = "请求内容不是有效的 JSON。"
    elif status not in _HTTP_CODES and error.description:
        message = error.description
    response = _payload(status, code, message, details)
    if valid_methods := getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(valid_methods)  # RFC 9110: a 405 names them
    for header, value in (data.get("headers") or {}).items() if isinstance(data, dict) else ():
        response.headers[header] = value
    return response


def domain_error_response(error: DomainError) -> Response:
    details = dict(error.details)
    if error.message_zh:
        details.setdefault("message_zh", error.message_zh)
    response = _payload(error.status, error.code, error.message, details)
    if error.retry_after is not None:
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(error: DomainError) -> Response:
        return domain_error_response(error)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response:
        return error_response(error)

    @app.errorhandler(IntegrityError)
    def _integrity(error: IntegrityError) -> Response:
        log.info("integrity error mapped to 409: %s", error.orig)
        return _payload(
            409,
            "conflict",
            "This would duplicate or orphan an existing record.",
            {"message_zh": "该操作会与已有记录重复或冲突。"},
        )

    @app.errorhandler(StaleDataError)
    def _stale(_error: StaleDataError) -> Response:
        code, message, message_zh = _HTTP_CODES[412]
        return _payload(412, code, message, {"message_zh": message_zh})

    @app.errorhandler(StorageUnavailable)
    def _storage(error: StorageUnavailable) -> Response:
        response = _payload(
            503,
            "storage_unavailable",
            "Photo storage is unavailable right now; your upload is kept on the phone. Try again.",
            {"message_zh": "照片存储暂时不可用，照片仍保留在手机上，请稍后重试。"},
        )
        response.headers["Retry-After"] = str(getattr(error, "retry_after", 5))
        return response

    @app.errorhandler(OperationalError)
    def _database(error: OperationalError) -> Response:
        log.error("database unavailable: %s", error.orig)
        response = _payload(
            503,
            "database_unavailable",
            "The database is unavailable right now. Try again shortly.",
            {"message_zh": "数据库暂时不可用，请稍后重试。"},
        )
        response.headers["Retry-After"] = "10"
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        log.exception("unhandled error")
        return _payload(
            500,
            "internal_error",
            "Something went wrong on the server; it has been logged.",
            {"message_zh": "服务器出错，已记录。"},
        )
