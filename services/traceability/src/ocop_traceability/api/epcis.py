"""EPCIS 2.0 under ``/epcis``, per GS1's REST bindings (openapi.yaml of gs1/EPCIS; README "EPCIS 2.0").

Not in our OpenAPI document (/docs): GS1's bindings document these routes, their errors are problem+json
and their query parameters are open-ended (``EQ_bizStep=shipping|receiving``, ``MATCH_*``), so every route
reads the raw request and answers through ``epcis_http``.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.routing import Match

from ocop_traceability.api.epcis_http import caller as caller_of
from ocop_traceability.api.epcis_http import (
    empty,
    epcis_route,
    json_response,
    limit_public,
    read_body,
    runtime,
    signed_in,
)
from ocop_traceability.app.epcis import capture, query, subscriptions
from ocop_traceability.app.epcis.resolve import describe
from ocop_traceability.domain.epcis import query as params
from ocop_traceability.domain.epcis.capture import parse_json
from ocop_traceability.domain.epcis.documents import collection
from ocop_traceability.domain.epcis.errors import (
    CaptureLimitExceededException,
    MethodNotAllowedException,
    NoSuchResourceException,
    NotImplementedException,
    QueryParameterException,
    QueryValidationException,
    UnsupportedMediaTypeException,
)
from ocop_traceability.domain.epcis.vocab import BIZ_STEPS, DISPOSITIONS, EVENT_TYPES

router = APIRouter(include_in_schema=False)
TOP_LEVEL = [
    "events",
    "eventTypes",
    "epcs",
    "bizSteps",
    "bizLocations",
    "readPoints",
    "dispositions",
    "capture",
    "queries",
]
JSON_TYPES = ("application/json", "application/ld+json")


def _options(allow: str, extra: dict[str, str] | None = None) -> Response:
    return empty(204, {"Allow": allow, **(extra or {})})


# -- discovery -------------------------------------------------------------------------------------------
@router.api_route("/epcis", methods=["GET", "OPTIONS"])
@epcis_route
async def top_level(request: Request) -> Response:
    if request.method == "OPTIONS":
        return _options("OPTIONS, GET")
    return json_response(collection(TOP_LEVEL), request=request)


# -- capture ---------------------------------------------------------------------------------------------
@router.api_route("/epcis/capture", methods=["GET", "POST", "OPTIONS"])
@epcis_route
async def capture_route(request: Request) -> Response:
    rt = runtime(request)
    limits = rt.epcis.limits
    if request.method == "OPTIONS":
        return _options(
            "OPTIONS, POST, GET",
            {**limits.headers(), "GS1-Capture-Error-Behaviour": "all", "GS1-EPC-Format": "Never_Translates"},
        )
    principal = signed_in(request)
    uow = rt.uow()
    if request.method == "GET":
        return json_response([capture.job_view(j) for j in await capture.list_jobs(principal, uow)], request=request)
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in JSON_TYPES:
        raise UnsupportedMediaTypeException("send the EPCIS document as application/json or application/ld+json")

    def too_large() -> CaptureLimitExceededException:
        return CaptureLimitExceededException(f"more than {limits.file_bytes} bytes", headers=limits.headers())

    body = await read_body(request, limits.file_bytes, too_large)
    behaviour = request.headers.get("GS1-Capture-Error-Behaviour", "rollback").strip()
    job = await capture.submit(capture.CaptureDocument(body, behaviour), principal, uow, limits, rt.epcis.schemas)
    rt.epcis.capture.start(job["_id"])
    return json_response(capture.job_view(job), 202, {"Location": f"/epcis/capture/{job['_id']}"}, request)


@router.api_route("/epcis/capture/{capture_id}", methods=["GET", "OPTIONS"])
@epcis_route
async def capture_job(request: Request, capture_id: str) -> Response:
    if request.method == "OPTIONS":
        return _options("OPTIONS, GET")
    job = await capture.get_job(capture_id, signed_in(request), runtime(request).uow())
    return json_response(capture.job_view(job), request=request)


# -- queries ---------------------------------------------------------------------------------------------
def _values(request: Request, fixed: dict[str, list[str]] | None = None) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for name, value in request.query_params.multi_items():
        values.setdefault(name, []).extend([value] if name == "nextPageToken" else value.split("|"))
    for name, given in (fixed or {}).items():
        if name in values:
            raise QueryParameterException(f"{name} is already given by the path")
        values[name] = given
    return values


async def _events(request: Request, fixed: dict[str, list[str]] | None = None) -> Response:
    principal = caller_of(request)
    limit_public(request, principal)
    rt = runtime(request)
    uow = rt.uow()
    q = params.parse(_values(request, fixed), uow.epcis_config.minting.key)
    page = await query.query_events(q, principal, uow, rt.epcis.tokens)
    return _page(request, page.document, page.next_token)


def _page(request: Request, document: Any, token: str | None) -> Response:
    """The answer, with a ``Link`` to the next page (this request's parameters and the token)."""
    headers = {}
    if token:
        pairs = [(k, v) for k, v in request.query_params.multi_items() if k != "nextPageToken"]
        url = request.url.replace(query=urlencode([*pairs, ("nextPageToken", token)]))
        headers["Link"] = f'<{url}>; rel="next"'
        expires = datetime.fromtimestamp(datetime.now(UTC).timestamp() + query.TOKEN_TTL_S, UTC)
        headers["GS1-Next-Page-Token-Expires"] = expires.isoformat(timespec="seconds").replace("+00:00", "Z")
    return json_response(document, headers=headers, request=request)


@router.api_route("/epcis/events", methods=["GET", "OPTIONS"])
@epcis_route
async def events(request: Request) -> Response:
    if request.method == "OPTIONS":
        return _options("OPTIONS, GET")
    return await _events(request)


_NI = re.compile(r"^ni:/+")


@router.api_route("/epcis/events/{event_id:path}", methods=["GET", "OPTIONS"])
@epcis_route
async def event(request: Request, event_id: str) -> Response:
    if request.method == "OPTIONS":
        return _options("OPTIONS, GET")
    if request.url.query and "?" not in event_id:  # a hash ID sent without encoding its "?ver=CBV2.0"
        event_id = f"{event_id}?{request.url.query}"
    event_id = _NI.sub("ni:///", event_id)  # a proxy may merge the slashes of ni:///
    principal = caller_of(request)
    limit_public(request, principal)
    return json_response(await query.event_by_id(event_id, principal, runtime(request).uow()), request=request)


Listing = Callable[[Request], Awaitable[Response]]


def _resource_routes(resource: str, parameter: str, listing: Listing, members: Callable[[Request], list[str]] | None):
    """``/epcis/<resource>`` (the listing), ``…/{value}`` (a ResourceCollection of "events": a value outside
    a fixed vocabulary is 404) and ``…/{value}/events`` (the query with ``parameter`` = the value)."""

    @router.api_route(f"/epcis/{resource}", methods=["GET", "OPTIONS"], name=f"epcis_{resource}")
    @epcis_route
    async def listed(request: Request) -> Response:
        return _options("OPTIONS, GET") if request.method == "OPTIONS" else await listing(request)

    @router.api_route(
        f"/epcis/{resource}/{{value:path}}/events", methods=["GET", "OPTIONS"], name=f"epcis_{resource}_events"
    )
    @epcis_route
    async def its_events(request: Request, value: str) -> Response:
        if request.method == "OPTIONS":
            return _options("OPTIONS, GET")
        return await _events(request, {parameter: [value]})

    @router.api_route(f"/epcis/{resource}/{{value:path}}", methods=["GET", "OPTIONS"], name=f"epcis_{resource}_one")
    @epcis_route
    async def one(request: Request, value: str) -> Response:
        if request.method == "OPTIONS":
            return _options("OPTIONS, GET")
        if members is not None and value not in members(request):
            raise NoSuchResourceException(f"no {resource[:-1]} {value[:80]}")
        return json_response(collection(["events"]), request=request)


def _vocabulary(values: Callable[[Request], list[str]]) -> Listing:
    async def listing(request: Request) -> Response:
        return json_response(collection(values(request)), request=request)

    return listing


def _biz_steps(request: Request) -> list[str]:
    return [*sorted(BIZ_STEPS), runtime(request).epcis.config.minting.processing_step]


def _offset(request: Request) -> tuple[int, int]:
    values = _values(request)
    if set(values) - {"perPage", "nextPageToken"}:
        raise QueryParameterException("this resource takes only perPage and nextPageToken")
    q = params.parse(values, str)
    offset = runtime(request).epcis.tokens.read(q.page_token, "collection").get("o", 0) if q.page_token else 0
    return offset, q.per_page


def _seen(field: str) -> Listing:
    """The readPoints, bizLocations or EPCs of the events the caller may see, a page at a time."""

    async def listing(request: Request) -> Response:
        principal = caller_of(request)
        limit_public(request, principal)
        offset, per_page = _offset(request)
        rt = runtime(request)
        if field == "epc":
            body, more = await query.epcs(principal, rt.uow(), offset=offset, limit=per_page)
        else:
            body, more = await query.locations(field, principal, rt.uow(), offset=offset, limit=per_page)
        token = rt.epcis.tokens.issue("collection", {"o": offset + per_page}) if more else None
        return _page(request, body, token)

    return listing


_resource_routes("eventTypes", "eventType", _vocabulary(lambda _r: list(EVENT_TYPES)), lambda _r: list(EVENT_TYPES))
_resource_routes(
    "dispositions", "EQ_disposition", _vocabulary(lambda _r: sorted(DISPOSITIONS)), lambda _r: sorted(DISPOSITIONS)
)
_resource_routes("bizSteps", "EQ_bizStep", _vocabulary(_biz_steps), _biz_steps)
_resource_routes("bizLocations", "EQ_bizLocation", _seen("biz_location"), None)
_resource_routes("readPoints", "EQ_readPoint", _seen("read_point"), None)
_resource_routes("epcs", "MATCH_anyEPC", _seen("epc"), None)


# -- named queries and subscriptions ---------------------------------------------------------------------
async def _json_body(request: Request, limit: int = 64 * 1024) -> Any:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in JSON_TYPES:
        raise UnsupportedMediaTypeException("send JSON (application/json)")
    body = await read_body(request, limit, lambda: QueryValidationException(f"the body is larger than {limit} bytes"))
    try:
        return parse_json(body)
    except Exception as exc:
        raise QueryValidationException(str(exc)[:300]) from exc


@router.api_route("/epcis/queries", methods=["GET", "POST", "OPTIONS"])
@epcis_route
async def queries(request: Request) -> Response:
    if request.method == "OPTIONS":
        return _options("OPTIONS, GET, POST")
    principal = signed_in(request)
    rt = runtime(request)
    uow = rt.uow()
    if request.method == "GET":
        return json_response([subscriptions.query_view(d) for d in await subscriptions.list_queries(principal, uow)])
    view = await subscriptions.create_query(await _json_body(request), principal, uow, rt.epcis.schemas)
    return json_response(view, 201, {"Location": f"/epcis/queries/{view['name']}"}, request)


@router.api_route("/epcis/queries/{name}", methods=["GET", "DELETE", "OPTIONS"])
@epcis_route
async def named_query(request: Request, name: str) -> Response:
    if request.method == "OPTIONS":
        return _options("OPTIONS, GET, DELETE")
    principal = signed_in(request)
    uow = runtime(request).uow()
    if request.method == "DELETE":
        await subscriptions.delete_query(name, principal, uow)
        return empty(204)
    return json_response(subscriptions.query_view(await subscriptions.get_query(name, principal, uow)), request=request)


@router.api_route("/epcis/queries/{name}/events", methods=["GET", "OPTIONS"])
@epcis_route
async def named_query_events(request: Request, name: str) -> Response:
    if request.method == "OPTIONS":
        return _options("OPTIONS, GET")
    if request.headers.get("upgrade", "").lower() == "websocket":
        raise NotImplementedException("WebSocket subscriptions are not implemented: subscribe with a webhook")
    principal = signed_in(request)
    rt = runtime(request)
    uow = rt.uow()
    doc = await subscriptions.get_query(name, principal, uow)
    pagination = _values(request)
    if set(pagination) - {"perPage", "nextPageToken"}:
        raise QueryParameterException("a named query takes only perPage and nextPageToken")
    q = subscriptions.named_query(doc, uow, pagination)
    page = await query.query_events(q, principal, uow, rt.epcis.tokens, query_name=name)
    return _page(request, page.document, page.next_token)


@router.api_route("/epcis/queries/{name}/subscriptions", methods=["GET", "POST", "OPTIONS"])
@epcis_route
async def subscriptions_route(request: Request, name: str) -> Response:
    if request.method == "OPTIONS":
        return _options("OPTIONS, GET, POST")
    principal = signed_in(request)
    rt = runtime(request)
    uow = rt.uow()
    if request.method == "GET":
        subs = await subscriptions.list_subscriptions(name, principal, uow)
        return json_response([subscriptions.subscription_view(s) for s in subs], request=request)
    allow = rt.settings.epcis_webhook_allow_private
    view = await subscriptions.subscribe(name, await _json_body(request), principal, uow, allow_private=allow)
    rt.epcis.dispatcher.wake()
    location = f"/epcis/queries/{name}/subscriptions/{view['subscriptionID']}"
    return json_response(view, 201, {"Location": location}, request)


@router.api_route("/epcis/queries/{name}/subscriptions/{sub_id}", methods=["GET", "DELETE", "OPTIONS"])
@epcis_route
async def subscription(request: Request, name: str, sub_id: str) -> Response:
    if request.method == "OPTIONS":
        return _options("OPTIONS, GET, DELETE")
    principal = signed_in(request)
    uow = runtime(request).uow()
    if request.method == "DELETE":
        await subscriptions.unsubscribe(name, sub_id, principal, uow)
        return empty(204)
    sub = await subscriptions.get_subscription(name, sub_id, principal, uow)
    return json_response(subscriptions.subscription_view(sub), request=request)


@router.api_route("/epcis/nextPageToken/{token}", methods=["DELETE", "OPTIONS"])
@epcis_route
async def release_token(request: Request, token: str) -> Response:
    if request.method == "OPTIONS":
        return _options("OPTIONS, DELETE")
    return empty(204)  # page tokens are stateless: nothing is held for them


# -- our URIs resolve to what they name (public facts only) ----------------------------------------------
@router.api_route("/epcis/{kind:path}", methods=["GET"], name="epcis_resolve")
@epcis_route
async def resolve(request: Request, kind: str) -> Response:
    rt = runtime(request)
    found = await describe(request.url.path, rt.uow(), rt.epcis.config.minting)
    if found is not None:
        return json_response(found, request=request)
    return _unknown(request)


@router.api_route("/epcis/{rest:path}", methods=["POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"])
@epcis_route
async def elsewhere(request: Request, rest: str) -> Response:
    return _unknown(request)


def _unknown(request: Request) -> Response:
    for route in router.routes:
        if getattr(route, "name", None) in ("epcis_resolve", "elsewhere"):
            continue
        match, _ = route.matches({**request.scope, "method": "__none__"})
        if match == Match.PARTIAL:
            raise MethodNotAllowedException(f"{request.method} is not allowed here")
    raise NoSuchResourceException(f"no EPCIS resource at {request.url.path[:200]}")
