"""The OpenAPI documents tell the truth: every error a route can answer, in the one error shape, and the real
content types of what it returns.

:func:`install` wraps the app's document generation. For every operation it adds the error statuses the
route's shape implies, each with the shared :class:`ErrorBody` schema, unless the route declares that status
itself (``responses=``) or has an error format of its own (``openapi_extra={"x-ocop-errors": "own"}``, e.g.
RFC 7807 problem details):

=============================  =========================================================================
the operation                  may answer
=============================  =========================================================================
declares bearer security       401 (no valid token, with ``WWW-Authenticate``), 403 (role or scope)
has a path parameter           404 (no such record, or not the caller's), 422
has query parameters           422
has a request body             400 (undecodable: bad UTF-8, nesting too deep), 404 (a record the body
                               names), 413 (larger than the route's limit, ``ocop_shared.limits``), 422
writes (POST/PUT/PATCH/DELETE) 409 (a duplicate key, or the stored state does not allow it)
=============================  =========================================================================

FastAPI's own 422 schema (``HTTPValidationError``, ``{"detail": [...]}``), which is not what we answer, is
replaced by :class:`ErrorBody`. A route returning something else than JSON says so with :func:`returns`
(xlsx, csv, pdf, text, html), so content-type checks compare with the truth. Services with settings that shape
their rules (growing-area code schemes, the largest stamp run) pass ``patches`` that write them into the document.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BINARY = {"type": "string", "format": "binary"}
TEXT = {"type": "string"}

Patch = Callable[[dict[str, Any]], None]


class ErrorDetail(BaseModel):
    """One field at fault (422): its dotted path, the message and the kind of error."""

    model_config = ConfigDict(extra="allow")
    field: str = Field(description="dotted path of the field in the body or parameters, e.g. images.0")
    message: str
    type: str = Field(description="kind of error, e.g. string_too_long, text_forbidden_character")


class ErrorInfo(BaseModel):
    code: str = Field(description="machine-readable, snake_case (e.g. duplicate_product, validation_error)")
    message: str = Field(description="for people, in Vietnamese")
    details: list[dict[str, Any]] | None = Field(
        default=None,
        description="422 validation_error: the fields at fault (ErrorDetail); a named rule may give its own "
        "(e.g. unknown_admin_unit: given, level, suggestions)",
    )


class ErrorBody(BaseModel):
    """Every error of the API: ``{"error": {"code", "message", "details"?}}`` with a 4xx status."""

    error: ErrorInfo


DESCRIPTIONS = {
    400: "The body could not be decoded (invalid UTF-8, nesting too deep, malformed multipart)",
    401: "No valid bearer token",
    403: "The caller's role or scope does not allow it",
    404: "No such record (or not one the caller may see)",
    405: "Method not allowed (the Allow header lists the methods of this path)",
    409: "Conflicts with what is stored: a duplicate (unique key) or a state that does not allow it",
    413: "The body is larger than this route accepts",
    415: "Unsupported content type",
    422: "Invalid input; details name each field at fault",
    429: "Too many requests; retry after the Retry-After header's seconds",
    503: "A dependency is down",
}
HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {"schema": {"type": "string"}, "required": True, "description": "Bearer"}},
    405: {"Allow": {"schema": {"type": "string"}, "required": True}},
    429: {"Retry-After": {"schema": {"type": "string", "pattern": "^[0-9]+$"}, "required": True}},
}
ERROR_REF = "#/components/schemas/ErrorBody"
WRITES = {"post", "put", "patch", "delete"}


def error_response(status: int, description: str | None = None) -> dict[str, Any]:
    """The OpenAPI response object of an error ``status`` (for a route's ``responses=``)."""
    response: dict[str, Any] = {
        "description": description or DESCRIPTIONS.get(status, "Error"),
        "content": {"application/json": {"schema": {"$ref": ERROR_REF}}},
    }
    if status in HEADERS:
        response["headers"] = HEADERS[status]
    return response


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=errors(429)``: statuses a route answers beyond what its shape implies."""
    return {status: error_response(status) for status in statuses}


def returns(
    *media_types: str, schema: dict[str, Any] | None = None, status: int = 200, description: str = "OK"
) -> dict[int | str, dict[str, Any]]:
    """``responses=returns("application/json", XLSX)``: what a route returns in types FastAPI cannot see (files,
    text, pages); ``schema`` is the JSON one (an object if not given)."""

    def schema_of(media_type: str) -> dict[str, Any]:
        if media_type.endswith("json"):
            return schema or {"type": "object"}
        return TEXT if media_type.startswith("text/") else BINARY

    return {status: {"description": description, "content": {m: {"schema": schema_of(m)} for m in media_types}}}


def page(*statuses: int, json: bool = True) -> dict[int | str, dict[str, Any]]:
    """A public page's answers for ``statuses`` (e.g. its 404 verdict page): HTML, or its JSON with
    ``Accept: application/json`` (not the API's error shape)."""
    content: dict[str, Any] = {"text/html": {"schema": TEXT}}
    if json:
        content["application/json"] = {"schema": {"type": "object"}}
    return {s: {"description": DESCRIPTIONS.get(s, "OK"), "content": content} for s in statuses}


def implied_statuses(method: str, operation: dict[str, Any]) -> set[int]:
    params = operation.get("parameters", [])
    statuses: set[int] = set()
    if operation.get("security"):
        statuses |= {401, 403}
    if any(p.get("in") == "path" for p in params):
        statuses |= {404, 422}
    if params:
        statuses.add(422)
    if "requestBody" in operation:
        statuses |= {400, 404, 413, 422}
    if method in WRITES:
        statuses.add(409)
    return statuses


def document_errors(doc: dict[str, Any]) -> None:
    """Add the implied error responses to every operation of ``doc`` (in place)."""
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    generated = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas["ErrorDetail"] = ErrorDetail.model_json_schema()
    schemas.update(generated.pop("$defs", {}))
    schemas["ErrorBody"] = generated
    for item in doc.get("paths", {}).values():
        for method, operation in item.items():
            if not isinstance(operation, dict) or operation.get("x-ocop-errors") == "own":
                continue
            responses = operation.setdefault("responses", {})
            for status in sorted(implied_statuses(method, operation)):
                responses.setdefault(str(status), error_response(status))
            validation = responses.get("422", {}).get("content", {}).get("application/json", {})
            if validation.get("schema", {}).get("$ref", "").endswith("/HTTPValidationError"):
                responses["422"] = error_response(422)
    if "HTTPValidationError" not in str(doc.get("paths")):
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)


def install(app: FastAPI, patches: Sequence[Patch] = ()) -> None:
    """Generate ``app``'s document once, with the implied errors and the service's ``patches`` applied."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if getattr(app.state, "openapi_done", False):
            return app.openapi_schema  # type: ignore[return-value]
        doc = generate()
        document_errors(doc)
        for patch in patches:
            patch(doc)
        app.state.openapi_done = True
        return doc

    app.openapi = openapi  # type: ignore[method-assign]


def set_schema(model: str, field: str, **keywords: Any) -> Patch:
    """A patch writing ``keywords`` (e.g. ``pattern=``, ``maximum=``) into ``model``'s property ``field``."""

    def patch(doc: dict[str, Any]) -> None:
        for name in (model, f"{model}-Input"):  # FastAPI splits a model used in and out into -Input/-Output
            prop = doc["components"]["schemas"].get(name, {}).get("properties", {}).get(field)
            if prop is not None:
                prop.update(keywords)

    return patch


def alternatives(patterns: Iterable[str]) -> str:
    """One pattern matching what any of ``patterns`` (each anchored, ^…$) matches."""
    return "^(?:" + "|".join(p.removeprefix("^").removesuffix("$") for p in patterns) + ")$"
