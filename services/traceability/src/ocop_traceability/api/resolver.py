"""The GS1-Conformant resolver on the stamp URLs (GS1-Conformant Resolver standard 1.2; RFC 9264 linksets).

``/01/<GTIN>[/22/…][/10/<lot>][/21/<serial>]`` (any case, trailing slash tolerated) and its compressed form
``/<base64url>``:

- ``Accept: application/linkset+json`` or ``?linkType=linkset`` (``all``, deprecated) → the linkset of every
  level we know (``app.resolver``), ``Content-Type: application/linkset+json``; 404 if we know none.
- ``?linkType=<type>`` (``gs1:pip``, or the type's full URI) → 307 to that link of the most specific level
  that has one, the rest of the query passed on; 404 when no level has it; 300 if several tie.
- neither: a stamp (serial given) answers its scan page / verify JSON directly — a deliberate deviation from
  the standard's redirect to the default link, which would cost every phone scan a round trip (README,
  "GS1 resolver"); a lot or a GTIN redirects (307) to its default link.
- Syntax errors (bad check digit, unknown AI, qualifiers out of order, value too long): 400 on resolver
  requests (linkset, linkType), ``unknown`` (404) for the page and the verify JSON like any bad code.

Every answer carries ``Link: <…?linkType=linkset>; rel="linkset"`` and CORS headers; ``OPTIONS`` answers 204.
``/.well-known/gs1resolver`` describes the resolver; ``/lo-hang/<GTIN>/<lot>`` is the public batch page;
``/api/v1/public/stamps/<serial>`` the verify JSON the ``gs1:verificationService`` link names.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.convertors import Convertor, register_url_convertor
from starlette.routing import Route

from ocop_shared.i18n import Translator
from ocop_shared.openapi import errors, page
from ocop_shared.web import runtime_of
from ocop_traceability.api.scan import answer, localized, page_headers, rate_limited, render_page, translator
from ocop_traceability.app.scan_view import unknown_view
from ocop_traceability.domain.clients import client_of
from ocop_traceability.domain.digital_link import (
    DEFAULT_LINK,
    LINKSET,
    DigitalLink,
    InvalidDigitalLink,
    curie,
    link_type,
    parse_path,
)
from ocop_traceability.domain.dl_compression import SEGMENT, NotCompressed, decompress
from ocop_traceability.domain.linkset import LINKSET_MEDIA_TYPE, choose, link_header, linkset, resolver_description
from ocop_traceability.runtime import TraceabilityRuntime

pages = APIRouter(tags=["GS1 resolver"])
public = APIRouter(tags=["public scan"])

CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Accept-Language",
    "Access-Control-Expose-Headers": "Link, Location, Content-Language",
}


def _error(status: int, code: str, message: str, headers: dict[str, str], **details: Any) -> JSONResponse:
    body: dict[str, Any] = {"error": {"code": code, "message": message}}
    if details:
        body["error"]["details"] = [details]
    return JSONResponse(body, status_code=status, headers=headers)


def _resolver_request(request: Request) -> str | None:
    """The requested link type (``linkset`` for the linkset), None for a plain request, ``""`` when the
    ``linkType`` parameter is there but names no link type."""
    if LINKSET_MEDIA_TYPE in request.headers.get("accept", ""):
        return LINKSET
    requested = request.query_params.get("linkType")
    if requested is None:
        return None
    return link_type(requested) or ""


def _passed_on(href: str, request: Request) -> str:
    """``href`` with the request's query (all but ``linkType``) appended, before any fragment."""
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "linkType"]
    if not query:
        return href
    base, hash_, fragment = href.partition("#")
    return base + ("&" if "?" in base else "?") + urlencode(query) + hash_ + fragment


async def resolve(request: Request, dl: DigitalLink | None, problem: str = "", same_as: str | None = None) -> Response:
    """Answer a Digital Link request (``dl`` None: it did not parse, ``problem`` says why)."""
    runtime: TraceabilityRuntime = runtime_of(request)
    root = runtime.resolver.targets.root
    t = translator(request)
    headers = {**CORS, "Vary": "Accept, Accept-Language", "Content-Language": t.lang}
    if dl is not None:
        headers["Link"] = link_header(f"{root}{dl.path}?linkType=linkset", same_as=same_as)
    if request.method == "OPTIONS":
        return Response(status_code=204, headers=headers | {"Allow": "GET, HEAD, OPTIONS"})
    wanted = _resolver_request(request)
    if wanted is None and (dl is None or dl.serial is not None):  # a stamp for a person or a verify client
        gtin, lot, serial = (dl.gtin, dl.lot, dl.serial) if dl else (None, None, "")
        extra = {k: headers[k] for k in ("Link",) if k in headers}
        return await answer(request, serial or "", gtin, lot or "", headers=extra)
    if dl is None:
        return _error(400, "invalid_digital_link", t("error.invalid_digital_link"), headers, reason=problem)
    client = client_of(request.client.host if request.client else "", "", runtime.secret_key)
    wait = runtime.scan_limiter.allow(client.network)
    if wait:
        limited = rate_limited(wait, t)
        limited.headers.update(headers)
        return limited
    if wanted == "":
        return _error(400, "invalid_link_type", t("error.no_link", link_type="?"), headers)
    known = await runtime.resolver.known(dl)
    items = runtime.resolver.items(known, t)
    if not items:
        if wanted is None:  # a GTIN or lot for a person: the scan page's "unknown"
            return _unknown(request, t, headers)
        return _error(404, "unknown_item", t("error.unknown_item"), headers)
    headers["Cache-Control"] = "no-store"
    if wanted == LINKSET:
        headers["Link"] = link_header(
            f"{root}{dl.path}?linkType=linkset", json_ld=True, same_as=same_as
        )  # the linkset's JSON-LD context
        return JSONResponse(linkset(items), headers=headers, media_type=LINKSET_MEDIA_TYPE)
    rel = wanted or DEFAULT_LINK
    chosen = choose(items, rel, t.lang)
    if chosen is None:
        return _error(404, "no_link", t("error.no_link", link_type=curie(rel)), headers)
    if isinstance(chosen, list):
        return JSONResponse([link.as_json() for link in chosen], status_code=300, headers=headers)
    return RedirectResponse(_passed_on(chosen.href, request), status_code=307, headers=headers)


def _unknown(request: Request, t: Translator, headers: dict[str, str]) -> Response:
    """The scan page's "unknown" (or its JSON) for an identifier we do not know."""
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse(localized(unknown_view(), t), status_code=404, headers=headers)
    page = render_page(request, unknown_view(), "verdict.unknown", t, 404)
    page.headers.update(headers)
    return page


async def stamp_route(request: Request) -> Response:
    """``/01/<GTIN>/10/<lot>/21/<serial>`` exactly: the URL in every GS1 stamp (the hot path)."""
    p = request.path_params
    if (
        request.method == "GET"
        and "linkType" not in request.query_params
        and "linkset" not in request.headers.get("accept", "")
    ):
        gtin = p["gtin"]
        root = runtime_of(request).resolver.targets.root
        if not gtin.isdigit() or len(gtin) > 14:
            return await answer(request, "", None, None)  # answers "unknown" like any bad code
        link = {"Link": link_header(f"{root}/01/{gtin.zfill(14)}/10/{p['lot']}/21/{p['serial']}?linkType=linkset")}
        return await answer(request, p["serial"], gtin, p["lot"], headers=link)
    return await any_route(request)


async def any_route(request: Request) -> Response:
    """``/01/…``: every other Digital Link path (a GTIN, a lot, a variant, a trailing slash)."""
    try:
        dl = parse_path(request.url.path)
    except InvalidDigitalLink as exc:
        return await resolve(request, None, str(exc))
    return await resolve(request, dl)


class _Compressed(Convertor):
    regex = SEGMENT.pattern

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("gs1compressed", _Compressed())


async def compressed_route(request: Request) -> Response:
    """``/<base64url>``: a compressed Digital Link, answered like its uncompressed form (``owl:sameAs``)."""
    try:
        dl = decompress(request.path_params["segment"])
    except NotCompressed:
        return _error(404, "not_found", "Not Found", CORS)
    root = runtime_of(request).resolver.targets.root
    return await resolve(request, dl, same_as=f"{root}{dl.path}")


# The GS1 stamp URL first in the application's routes (main.py), like the short URLs; every other /01/ path here.
STAMP_ROUTE = Route("/01/{gtin}/10/{lot}/21/{serial}", stamp_route, methods=["GET", "OPTIONS"])
pages.routes.append(Route("/01/{rest:path}", any_route, methods=["GET", "OPTIONS"]))

# Appended to the application's routes last (main.py): a single path segment of base64url, 10+ characters, is
# tried as a compressed URI only when no other route matched it.
COMPRESSED = Route("/{segment:gs1compressed}", compressed_route, methods=["GET", "OPTIONS"])


@pages.get("/.well-known/gs1resolver", summary="GS1 resolver description (GS1-Conformant Resolver standard)")
async def well_known(request: Request) -> JSONResponse:
    runtime: TraceabilityRuntime = runtime_of(request)
    t = translator(request)
    return JSONResponse(
        resolver_description(runtime.resolver.targets.root, t("resolver.name")),
        headers={**CORS, "Content-Language": t.lang, "Vary": "Accept-Language"},
    )


@pages.get(
    "/lo-hang/{gtin}/{lot}",
    summary="Public batch page: origin and journey (gs1:traceability)",
    responses={**page(200, 404), **errors(429)},
)
async def lot_page(request: Request, gtin: str, lot: str) -> Response:
    runtime: TraceabilityRuntime = runtime_of(request)
    t = translator(request)
    client = client_of(request.client.host if request.client else "", "", runtime.secret_key)
    wait = runtime.scan_limiter.allow(client.network)
    if wait:
        return rate_limited(wait, t)
    try:
        dl = parse_path(f"/01/{gtin}/10/{lot}")
    except InvalidDigitalLink:
        dl = None
    known = await runtime.resolver.known(dl) if dl else None
    if known is None or known.parts is None or known.parts.batch is None:
        return _unknown(request, t, {**page_headers(t), **CORS})
    view = {"verdict": None, **known.parts.shown, "stamp": None}
    if "application/json" in request.headers.get("accept", ""):
        body = localized(view, t)
        body.pop("verdict")
        return JSONResponse(body, headers={**page_headers(t), **CORS})
    page = render_page(request, view, "lot", t, 200)
    page.headers.update(CORS)
    return page


@public.get(
    "/public/stamps/{serial}",
    summary="Verify a stamp (gs1:verificationService): the verify JSON, in the caller's language",
    response_model=None,
    responses={
        200: {"description": "The verdict", "content": {"application/json": {"schema": {"type": "object"}}}},
        404: {
            "description": "Unknown stamp: the verdict and the API's error",
            "content": {"application/json": {"schema": {"type": "object", "required": ["error"]}}},
        },
        **errors(429),
    },
)
async def verification(request: Request, serial: str) -> Response:
    response = await answer(request, serial[:64], None, None, json_only=True)
    if response.status_code == 404:  # an API route: the error in the API's shape too, beside the verdict
        body = json.loads(bytes(response.body))
        body["error"] = {"code": "unknown_stamp", "message": body["message"]["title"]}
        kept = {k: v for k, v in response.headers.items() if k not in ("content-length", "content-type")}
        response = JSONResponse(body, status_code=404, headers=kept)
    response.headers.update(CORS)
    return response
