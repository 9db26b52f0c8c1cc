"""The URL printed in every stamp: a page for people, JSON for programs, in Vietnamese or (``Accept-Language:
en``) English from the message catalogue. No login. The GS1 Digital Link stamp route and the resolver's other
routes are in ``api.resolver``."""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from pathlib import Path
from typing import Annotated, Any, get_args

import js_lib_leaflet
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from prometheus_client import Counter
from starlette.routing import Route

from ocop_shared.console import TEMPLATES
from ocop_shared.headers import csp_nonce
from ocop_shared.i18n import CATALOGUE, Translator
from ocop_shared.openapi import errors, page
from ocop_shared.web import runtime_of
from ocop_traceability.api.deps import Actor, UowDep
from ocop_traceability.app import alerts as alerts_app
from ocop_traceability.domain.clients import client_of
from ocop_traceability.domain.codes import normalize_serial
from ocop_traceability.domain.verdict import Verdict
from ocop_traceability.runtime import TraceabilityRuntime

JSON = "application/json"
SCAN_VERDICTS = Counter("ocop_scan_verdicts_total", "Public stamp scans by verdict", ["verdict"])

_VERDICT_SERIES = {v: SCAN_VERDICTS.labels(v) for v in get_args(Verdict)}  # labels() costs ~10 µs a call
pages = APIRouter(tags=["public scan"])
LEAFLET_DIR = Path(js_lib_leaflet.__file__).parent / "static" / "js_lib_leaflet"  # static files of the wheel
alerts = APIRouter(tags=["clone alerts"])

_env = Environment(
    loader=ChoiceLoader(
        [FileSystemLoader(Path(__file__).resolve().parents[1] / "templates"), FileSystemLoader(TEMPLATES)]
    ),
    autoescape=select_autoescape(["html"]),
)


_CLONE_REASONS = (  # the reasons domain.clones writes (stored with the stamp and its alert), by message
    (re.compile(r"(?P<count>\d+) thiết bị khác nhau trong (?P<hours>\d+) giờ"), "clone.devices"),
    (re.compile(r"quét ở hai nơi cách nhau (?P<km>\d+) km"), "clone.places"),
)


def translator(request: Request) -> Translator:
    """The request's language: ``?lang=`` (the page's language switch), else ``Accept-Language``; Vietnamese."""
    return CATALOGUE.choose(request.headers.get("accept-language"), request.query_params.get("lang"))


def clone_text(reason: str | None, t: Translator) -> str | None:
    for pattern, key in _CLONE_REASONS:
        m = pattern.fullmatch(reason or "")
        if m:
            return t(key, **m.groupdict())
    return reason


def localized(view: dict[str, Any], t: Translator) -> dict[str, Any]:
    """The verify JSON in the caller's language: the verdict's ``message`` and the labels of the codes it
    holds (group, certificate status, trail steps, clone warning) added beside them; the codes stay."""
    out = {**view, "lang": t.lang}
    verdict = view.get("verdict")
    if verdict:
        out["message"] = {"title": t(f"verdict.{verdict}.title"), "text": t(f"verdict.{verdict}.text")}
    if view.get("product"):
        out["product"] = {**view["product"], "group_name": t(f"group.{view['product']['group']}")}
    if view.get("certificate"):
        out["certificate"] = {**view["certificate"], "status_name": t(f"cert_status.{view['certificate']['status']}")}
    out["events"] = [{**e, "type_name": t(f"trail.{e['type']}")} for e in view.get("events") or ()]
    if view.get("stamp"):
        out["stamp"] = {**view["stamp"], "clone_warning": clone_text(view["stamp"].get("clone_warning"), t)}
    return out


_SHARED = ("product", "producer", "certificate", "growing_area", "batch", "events", "where_to_buy")
_SHARED_JSON: OrderedDict[tuple[int, str], tuple[Any, bytes]] = OrderedDict()


def _dumps(value: Any) -> bytes:  # as JSONResponse renders
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


def verify_json(view: dict[str, Any], t: Translator) -> bytes:
    """``localized(view, t)`` as JSON bytes, the hot path's way: the parts every stamp of a batch shares (product,
    area, trail…) are the same objects while the scan cache holds the batch, so their localized JSON is rendered
    once per batch and language and only the stamp and the verdict are rendered per scan."""
    shared = view.get("events")
    if not view.get("product") or shared is None:
        return _dumps(localized(view, t))
    key = (id(shared), t.lang)
    hit = _SHARED_JSON.get(key)
    if hit is None or hit[0] is not shared:  # the entry holds the list, so its id cannot be reused meanwhile
        whole = localized({k: view[k] for k in _SHARED if k in view}, t)
        body = _dumps({k: v for k, v in whole.items() if k in _SHARED})
        hit = _SHARED_JSON[key] = (shared, body[1:-1])
        while len(_SHARED_JSON) > 10_000:
            _SHARED_JSON.popitem(last=False)
    own = localized({k: v for k, v in view.items() if k not in _SHARED}, t)
    del own["events"]  # localized adds it; the shared part has the batch's
    return _dumps(own)[:-1] + b"," + hit[1] + b"}"


def render_page(request: Request, view: dict[str, Any], banner: str, t: Translator, status: int) -> HTMLResponse:
    """The scan page (also the public batch page: ``banner`` ``lot``) in the caller's language."""
    geometry = (view.get("growing_area") or {}).get("geometry")
    map_svg, osm = _map(geometry, t)
    others = [(lang, CATALOGUE.translator(lang)("language.name")) for lang in CATALOGUE.languages if lang != t.lang]
    product_page = None
    if view.get("product") and (view.get("certificate") or {}).get("status") == "active":
        # the product's page on the registry's public portal: where to buy the genuine product
        registry = runtime_of(request).settings.registry_public_url.rstrip("/")
        product_page = f"{registry}/san-pham/{view['product']['id']}" + ("" if t.lang == "vi" else f"?lang={t.lang}")
    html = _env.get_template("scan.html").render(
        view=localized(view, t),
        banner={"title": t(f"{banner}.title"), "text": t(f"{banner}.text")},
        t=t,
        other_languages=others,
        path=request.url.path,
        map_svg=map_svg,
        osm_link=osm,
        geometry_json=json.dumps(geometry) if geometry else "",
        product_page=product_page,
        nonce=csp_nonce(request),
    )
    return HTMLResponse(html, status_code=status, headers=page_headers(t))


def page_headers(t: Translator) -> dict[str, str]:
    return {"Cache-Control": "no-store", "Vary": "Accept, Accept-Language", "Content-Language": t.lang}


def rate_limited(wait: float, t: Translator) -> JSONResponse:
    body = {"error": {"code": "rate_limited", "message": t("error.rate_limited")}}
    return JSONResponse(body, status_code=429, headers={"Retry-After": str(max(1, round(wait)))})


def _map(geometry: dict | None, t: Translator) -> tuple[str | None, str | None]:
    """A small inline SVG outline of the growing area (readable without JavaScript) and an OSM link."""
    if not geometry:
        return None, None
    rings = geometry["coordinates"] if geometry["type"] == "Polygon" else [p[0] for p in geometry["coordinates"]]
    points = [pt for ring in rings for pt in ring]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    w, h = (max(xs) - min(xs)) or 1e-6, (max(ys) - min(ys)) or 1e-6
    scale = min(300 / w, 140 / h)

    def path(ring):
        return " ".join(f"{10 + (x - min(xs)) * scale:.1f},{150 - (y - min(ys)) * scale:.1f}" for x, y in ring)

    polys = "".join(
        f'<polygon points="{path(r)}" fill="#7fb069" fill-opacity=".6" stroke="#2d6a2e" stroke-width="2"/>'
        for r in rings
    )
    svg = f'<svg class="map" viewBox="0 0 320 160" role="img" aria-label="{t("scan.area.outline")}">{polys}</svg>'
    cx, cy = sum(xs) / len(xs), sum(ys) / len(ys)
    return svg, f"https://www.openstreetmap.org/?mlat={cy:.5f}&mlon={cx:.5f}#map=15/{cy:.5f}/{cx:.5f}"


def _location(request: Request) -> tuple[float, float] | None:
    """Optional ?lat=&lon= the page may add when the user agrees to share a location (ignored if invalid)."""
    params = request.query_params
    if "lat" not in params or "lon" not in params:
        return None
    try:
        lat, lon = float(params["lat"]), float(params["lon"])
    except ValueError:
        return None
    return (lat, lon) if -90 <= lat <= 90 and -180 <= lon <= 180 else None


async def answer(
    request: Request,
    code: str,
    gtin: str | None,
    lot: str | None,
    *,
    headers: dict[str, str] | None = None,
    json_only: bool = False,
) -> Response:
    """The verdict on a stamp code, as the page or (``Accept: application/json``, or ``json_only``) the verify
    JSON; a scan is recorded. ``headers`` are added (the GS1 routes' ``Link`` header)."""
    runtime: TraceabilityRuntime = runtime_of(request)
    t = translator(request)
    ip = request.client.host if request.client else ""
    client = client_of(ip, request.headers.get("user-agent", ""), runtime.secret_key, _location(request))
    wait = runtime.scan_limiter.allow(client.network)
    wants_json = json_only or "application/json" in request.headers.get("accept", "")
    if wait:
        return rate_limited(wait, t)
    view = await runtime.scan.verify(code, client, gtin=gtin, lot=lot)
    _VERDICT_SERIES[view["verdict"]].inc()
    status = 404 if view["verdict"] == "unknown" else 200
    if wants_json:
        return Response(
            verify_json(view, t), status_code=status, headers=page_headers(t) | (headers or {}), media_type=JSON
        )
    page = render_page(request, view, f"verdict.{view['verdict']}", t, status)
    page.headers.update(headers or {})
    return page


async def short_url(request: Request) -> Response:
    return await answer(request, request.path_params["serial"], None, None)


# The short URLs printed in stamps are plain Starlette routes: no dependency solving or response-model work on
# the hottest path (they are documented in the README, not in the OpenAPI document). main.py puts them first in
# the application's routes, before the included routers (each route matched before costs ~7 µs per scan).
SHORT_ROUTES = [Route(_path, short_url, methods=["GET"]) for _path in ("/S/{serial}", "/s/{serial}")]


@pages.get(
    "/tra-cuu",
    summary="Type a stamp code",
    response_model=None,
    responses={**page(200, 404), 303: {"description": "A valid serial: to its stamp page /S/{serial}"}, **errors(429)},
)
async def lookup(request: Request, code: Annotated[str, Query(max_length=64)] = "") -> Response:
    serial = normalize_serial(code)
    if serial:
        lang = request.query_params.get("lang")
        suffix = f"?lang={lang}" if lang in CATALOGUE.languages and lang != "vi" else ""
        return RedirectResponse(f"/S/{serial}{suffix}", status_code=303)
    return await answer(request, code or "", None, None)


@alerts.get("/clone-alerts", summary="Stamps suspected of being cloned (a producer sees its own)")
async def clone_alerts(principal: Actor, uow: UowDep) -> list[dict]:
    # as the list always answered: the serial also as ``_id``, ``at`` as str() of the datetime
    return [
        {"_id": a.id, **a.model_dump(exclude={"id", "at"}), "at": str(a.at), "serial": a.id}
        for a in await alerts_app.clone_alerts(principal, uow)
    ]
