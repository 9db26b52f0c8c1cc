"""Typed errors mapped to HTTP 4xx in one place (see :func:`ocop_shared.web.install_error_handlers`).

Error body (CONTRACT.md): ``{"error": {"code": "...", "message": "...", "details": [...]?}}``.
"""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, code: str | None = None, message: str = "", details: Any = None) -> None:
        super().__init__(message or code or self.code)
        if code:
            self.code = code
        self.message = message or self.code
        self.details = details


class DomainError(AppError):
    """A business rule says no (422 unless a subclass says otherwise)."""

    status = 422
    code = "rule_violation"


class NotFound(AppError):
    status = 404
    code = "not_found"


class Conflict(AppError):
    status = 409
    code = "conflict"


class Unauthorized(AppError):
    status = 401
    code = "unauthorized"


class Forbidden(AppError):
    status = 403
    code = "forbidden"
