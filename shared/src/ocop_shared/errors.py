"""Typed errors mapped to HTTP 4xx in one place (see :func:`ocop_shared.web.install_error_handlers`).

Error body (CONTRACT.md): ``{"error": {"code": "...", "message": "...", "details": [...]?}}``.

An error class states its status and code in its header (``class NotFound(AppError, status=404,
code="not_found"): ...``). A service's named refusals are one line each on :class:`Refusal`.
"""

from __future__ import annotations

import re
from typing import Any


class AppError(Exception):
    status = 400
    code = "bad_request"
    headers: dict[str, str] | None = None  # sent with the error answer (e.g. Retry-After of a 429)

    def __init_subclass__(cls, status: int | None = None, code: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if status is not None:
            cls.status = status
        if code is not None:
            cls.code = code

    def __init__(self, code: str | None = None, message: str = "", details: Any = None) -> None:
        super().__init__(message or code or self.code)
        if code:
            self.code = code
        self.message = message or self.code
        self.details = details


class DomainError(AppError, status=422, code="rule_violation"):
    """A business rule says no (422 unless a subclass says otherwise)."""


class NotFound(AppError, status=404, code="not_found"): ...


class Conflict(AppError, status=409, code="conflict"): ...


class Unauthorized(AppError, status=401, code="unauthorized"): ...


class Forbidden(AppError, status=403, code="forbidden"): ...


class Refusal(AppError):
    """A named refusal, declared in one line: ``class BatchNotFound(Refusal, NotFound, text="…"): ...``.

    Its status comes from its other base (NotFound 404, Forbidden 403, Conflict 409, DomainError 422, else 400),
    its code is its name in snake_case (``ProducerNotFound`` → ``producer_not_found``) unless ``code=`` names
    another, and ``text`` is its Vietnamese message, which a raise site may replace with a more precise one.
    """

    text = ""

    def __init_subclass__(cls, text: str = "", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if kwargs.get("code") is None:
            cls.code = re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower()
        cls.text = text

    def __init__(self, message: str | None = None, details: Any = None) -> None:
        super().__init__(self.code, message or self.text, details)


class OutOfScope(Refusal, Forbidden, text="Cán bộ chỉ thao tác với chủ thể trong tỉnh mình phụ trách"):
    """An official acting on a producer outside their provinces (``Principal.reaches``), in every service."""
