"""The URL printed in every stamp: a Vietnamese page for people, JSON for programs. No login."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import js_lib_leaflet
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from prometheus_client import Counter
from starlette.routing import Route

from ocop_shared.console import TEMPLATES
from ocop_shared.headers import csp_nonce
from ocop_shared.vocabulary import CERT_STATUS, GROUP_NAMES, vndate, vndatetime
from ocop_shared.web import runtime_of
from ocop_traceability.api.deps import Actor, UowDep
from ocop_traceability.app import alerts as alerts_app
from ocop_traceability.domain.batches import EVENT_NAMES
from ocop_traceability.domain.clients import client_of
from ocop_traceability.domain.codes import normalize_serial
from ocop_traceability.runtime import TraceabilityRuntime

SCAN_VERDICTS = Counter("ocop_scan_verdicts_total", "Public stamp scans by verdict", ["verdict"])

pages = APIRouter(tags=["public scan"])
LEAFLET_DIR = Path(js_lib_leaflet.__file__).parent / "static" / "js_lib_leaflet"  # static files of the wheel
alerts = APIRouter(tags=["clone alerts"])

_env = Environment(
    loader=ChoiceLoader(
        [FileSystemLoader(Path(__file__).resolve().parents[1] / "templates"), FileSystemLoader(TEMPLATES)]
    ),
    autoescape=select_autoescape(["html"]),
)


_env.filters.update(vndate=vndate, vndatetime=vndatetime)

BANNERS = {
    "genuine": ("Sản phẩm chính hãng", "Mã tem hợp lệ, do chủ thể phát hành cho lô hàng dưới đây."),
    "revoked": ("Chứng nhận OCOP đã bị thu hồi", "Sản phẩm không còn được công nhận là sản phẩm OCOP."),
    "expired": ("Chứng nhận OCOP đã hết hạn", "Giấy chứng nhận OCOP của sản phẩm đã hết thời hạn hiệu lực."),
    "void": ("Tem đã bị huỷ", "Chủ thể đã huỷ mã tem này. Sản phẩm mang tem này không được bảo đảm."),
    "unknown": (
        "Không tìm thấy mã tem",
        "Mã này không có trong hệ thống. Kiểm tra lại mã, hoặc sản phẩm có thể không chính hãng.",
    ),
    "suspected_clone": (
        "Cần lưu ý: mã tem được quét bất thường",
        "Mã tem này có thật nhưng đã được quét ở nhiều nơi, nhiều thiết bị khác nhau. Tem có thể bị sao chép; "
        "nếu có nghi ngờ, hãy hỏi nơi bán và giữ hoá đơn.",
    ),
}


def _map(geometry: dict | None) -> tuple[str | None, str | None]:
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
    svg = f'<svg class="map" viewBox="0 0 320 160" role="img" aria-label="Hình dạng vùng trồng">{polys}</svg>'
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


async def _answer(request: Request, code: str, gtin: str | None, lot: str | None) -> Response:
    runtime: TraceabilityRuntime = runtime_of(request)
    ip = request.client.host if request.client else ""
    client = client_of(ip, request.headers.get("user-agent", ""), runtime.jwt_key, _location(request))
    wait = runtime.scan_limiter.allow(client.network)
    wants_json = "application/json" in request.headers.get("accept", "")
    if wait:
        body = {"error": {"code": "rate_limited", "message": "Bạn tra cứu quá nhanh, vui lòng thử lại sau giây lát"}}
        return JSONResponse(body, status_code=429, headers={"Retry-After": str(max(1, round(wait)))})
    view = await runtime.scan.verify(code, client, gtin=gtin, lot=lot)
    SCAN_VERDICTS.labels(view["verdict"]).inc()
    status = 404 if view["verdict"] == "unknown" else 200
    headers = {"Cache-Control": "no-store", "Vary": "Accept"}
    if wants_json:
        return JSONResponse(view, status_code=status, headers=headers)
    geometry = (view.get("growing_area") or {}).get("geometry")
    map_svg, osm = _map(geometry)
    html = _env.get_template("scan.html").render(
        view=view,
        banner=dict(zip(("title", "text"), BANNERS[view["verdict"]], strict=True)),
        groups=GROUP_NAMES,
        cert_status=CERT_STATUS,
        event_names=EVENT_NAMES,
        map_svg=map_svg,
        osm_link=osm,
        geometry_json=json.dumps(geometry) if geometry else "",
        nonce=csp_nonce(request),
    )
    return HTMLResponse(html, status_code=status, headers=headers)


async def short_url(request: Request) -> Response:
    return await _answer(request, request.path_params["serial"], None, None)


async def digital_link(request: Request) -> Response:
    p = request.path_params
    if not p["gtin"].isdigit() or len(p["gtin"]) > 14:
        return await _answer(request, "", None, None)  # answers "unknown" like any bad code
    return await _answer(request, p["serial"], p["gtin"], p["lot"])


# The three URLs printed in stamps are plain Starlette routes: no dependency solving or response-model
# work on the hottest path (they are documented in the README, not in the OpenAPI document).
for _path, _endpoint in (
    ("/S/{serial}", short_url),
    ("/s/{serial}", short_url),
    ("/01/{gtin}/10/{lot}/21/{serial}", digital_link),
):
    pages.routes.append(Route(_path, _endpoint, methods=["GET"]))


@pages.get("/tra-cuu", summary="Type a stamp code", response_model=None)
async def lookup(request: Request, code: Annotated[str, Query(max_length=64)] = "") -> Response:
    serial = normalize_serial(code)
    if serial:
        return RedirectResponse(f"/S/{serial}", status_code=303)
    return await _answer(request, code or "", None, None)


@alerts.get("/clone-alerts", summary="Stamps suspected of being cloned (a producer sees its own)")
async def clone_alerts(principal: Actor, uow: UowDep) -> list[dict]:
    # as the list always answered: the serial also as ``_id``, ``at`` as str() of the datetime
    return [
        {"_id": a.id, **a.model_dump(exclude={"id", "at"}), "at": str(a.at), "serial": a.id}
        for a in await alerts_app.clone_alerts(principal, uow)
    ]
