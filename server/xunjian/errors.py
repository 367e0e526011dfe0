"""The one hierarchy of domain errors. Services raise these; the web layer maps them to HTTP.

Every error carries a machine-readable ``code``, an English ``message`` a person can act on, and
the same in Chinese (``message_zh``) because the phone app's default language is Chinese.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        message_zh: str | None = None,
        code: str | None = None,
        details: dict[str, Any] | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.message_zh = message_zh
        if code:
            self.code = code
        self.details = dict(details or {})
        self.retry_after = retry_after


class InvalidInput(DomainError):
    status = 422
    code = "validation_error"


class Unauthenticated(DomainError):
    status = 401
    code = "unauthenticated"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class IllegalTransition(Conflict):
    code = "illegal_transition"


class PreconditionFailed(DomainError):
    status = 412
    code = "stale_etag"


class PreconditionRequired(DomainError):
    status = 428
    code = "if_match_required"


class PayloadTooLarge(DomainError):
    status = 413
    code = "payload_too_large"


class TooManyRequests(DomainError):
    status = 429
    code = "too_many_attempts"


class ServiceUnavailable(DomainError):
    status = 503
    code = "service_unavailable"


def field_error(
    field: str, message: str, message_zh: str, code: str = "validation_error", **extra: Any
) -> InvalidInput:
    """A 422 about one field of the JSON body, in the same shape as a schema's field errors."""
    return InvalidInput(
        message,
        message_zh=message_zh,
        code=code,
        details={"fields": {"json": {field: [message]}}, **extra},
    )
