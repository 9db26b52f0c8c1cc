"""HTTP of the EPCIS routes: every answer carries the version headers, every refusal is RFC 7807
``application/problem+json`` with an ``epcisException:…`` type (the REST bindings' way, deliberately not
our ``{"error": …}``), whatever goes wrong inside a route (a bug answers a 500 problem, logged)."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from ocop_shared.auth import Principal, bearer_principal
from ocop_shared.errors import Unauthorized
from ocop_shared.logging import get_logger
from ocop_shared.web import runtime_of
from ocop_traceability.domain.clients import client_of
from ocop_traceability.domain.epcis.errors import (
    EpcisError,
    NotAcceptableException,
    SecurityException,
    UnauthorizedException,
    UriTooLongException,
)
from ocop_traceability.domain.epcis.vocab import CBV_VERSION, EPCIS_VERSION
from ocop_traceability.runtime import TraceabilityRuntime

log = get_logger(__name__)
VERSIONS = {"GS1-EPCIS-Version": EPCIS_VERSION, "GS1-CBV-Version": CBV_VERSION}
MAX_QUERY_STRING = 8192
_VERSION = re.compile(r"^\d+(\.\d+)*$")


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None, request: Request | None = None):
    media = "application/json"
    if request is not None and "application/ld+json" in request.headers.get("accept", ""):
        media = "application/ld+json"
    content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(content, status_code=status, media_type=media, headers={**VERSIONS, **(headers or {})})


def empty(status: int = 204, headers: dict[str, str] | None = None) -> Response:
    return Response(status_code=status, headers={**VERSIONS, **(headers or {})})


def problem(error: EpcisError) -> Response:
    content = json.dumps(error.problem(), ensure_ascii=False).encode()
    headers = {**VERSIONS, **error.headers}
    if error.status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return Response(content, status_code=error.status, media_type="application/problem+json", headers=headers)


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split("."))


def negotiate(request: Request) -> None:
    """406 when the client's GS1-EPCIS-Min/Max (or CBV) range excludes 2.0.0; 414 for an oversized query."""
    if len(request.url.query) > MAX_QUERY_STRING:
        raise UriTooLongException(f"the query string is longer than {MAX_QUERY_STRING} characters")
    for name, ours in (("EPCIS", EPCIS_VERSION), ("CBV", CBV_VERSION)):
        low, high = request.headers.get(f"GS1-{name}-Min"), request.headers.get(f"GS1-{name}-Max")
        for bound in (low, high):
            if bound is not None and not _VERSION.match(bound.strip()):
                raise NotAcceptableException(f"GS1-{name}-Min/Max must be a version like 2.0.0")
        if (low and _version_tuple(low.strip()) > _version_tuple(ours)) or (
            high and _version_tuple(high.strip()) < _version_tuple(ours)
        ):
            raise NotAcceptableException(f"this repository speaks {name} {ours} only")


def epcis_route(endpoint: Callable[..., Awaitable[Response]]) -> Callable[..., Awaitable[Response]]:
    """Versions negotiated, refusals and bugs as problem+json."""

    @functools.wraps(endpoint)
    async def wrapper(*args: Any, **kwargs: Any) -> Response:
        try:
            negotiate(kwargs["request"])
            return await endpoint(*args, **kwargs)
        except EpcisError as exc:
            return problem(exc)
        except Exception:
            log.exception("epcis.unhandled", path=kwargs["request"].url.path)
            return problem(EpcisError("unexpected error (logged)"))

    return wrapper


def runtime(request: Request) -> TraceabilityRuntime:
    return runtime_of(request)


def caller(request: Request) -> Principal | None:
    """The bearer token's principal; None without a token (the public); 401 for a bad one."""
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise UnauthorizedException("Authorization must be a bearer token")
    try:
        return bearer_principal(request, token.strip())
    except Unauthorized as exc:
        raise UnauthorizedException(exc.message) from exc


def signed_in(request: Request) -> Principal:
    principal = caller(request)
    if principal is None:
        raise UnauthorizedException("this resource needs a bearer token")
    if principal.role not in ("producer", "official", "operator"):
        raise SecurityException(f"role {principal.role} may not use EPCIS")
    return principal


def limit_public(request: Request, principal: Principal | None) -> None:
    """The public shares the scan page's per-network rate limit (stamp serials cannot be probed here
    faster than there)."""
    if principal is not None:
        return
    rt = runtime(request)
    ip = request.client.host if request.client else ""
    wait = rt.scan_limiter.allow(client_of(ip, request.headers.get("user-agent", ""), rt.secret_key, None).network)
    if wait:
        error = EpcisError("too many requests: try again shortly", headers={"Retry-After": str(max(1, round(wait)))})
        error.status = 429
        raise error


async def read_body(request: Request, limit: int, too_large: Callable[[], EpcisError]) -> bytes:
    """The body, refused before reading past ``limit`` bytes (Content-Length first, then while streaming)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.strip().isdigit() and int(declared) > limit:
        raise too_large()
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large()
        chunks.append(chunk)
    return b"".join(chunks)
