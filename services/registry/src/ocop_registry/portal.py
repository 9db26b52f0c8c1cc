"""The public OCOP portal, served by the registry at its root (no login, server-rendered, readable without
JavaScript): ``/`` the programme and its figures, ``/san-pham`` the catalogue, ``/san-pham/{id}`` a product
(the GS1 resolver's ``gs1:pip`` link), ``/chu-the/{id}`` a producer, ``/ban-do`` the OCOP map, ``/tieu-chi``
the evaluation criteria, ``/sitemap.xml`` and ``/robots.txt``. Vietnamese, English with ``Accept-Language: en``
or ``?lang=en`` (the shared message catalogue).

Pages only translate: the snapshot comes from ``app.portal`` (public facts only), selection from
``domain.portal``. Rendered pages are kept per URL and language until an event changes the snapshot.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from xml.sax.saxutils import escape as xml_escape

import js_lib_leaflet
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from starlette.routing import Route

from ocop_registry.app.portal import Area, Portal, load_portal
from ocop_registry.domain import portal as catalogue
from ocop_registry.domain.scoring import CRITERIA, STAR_THRESHOLDS
from ocop_registry.runtime import RegistryRuntime
from ocop_shared.console import TEMPLATES
from ocop_shared.i18n import CATALOGUE, Translator
from ocop_shared.vocabulary import vnnumber
from ocop_shared.web import runtime_of

router = APIRouter(include_in_schema=False)
LEAFLET_DIR = Path(js_lib_leaflet.__file__).parent / "static" / "js_lib_leaflet"  # the wheel's static files
STATIC_DIR = Path(__file__).resolve().parent / "static" / "portal"
HTML = "text/html; charset=utf-8"
NEWEST = 8

_env = Environment(
    loader=ChoiceLoader(
        [FileSystemLoader(Path(__file__).resolve().parent / "templates" / "portal"), FileSystemLoader(TEMPLATES)]
    ),
    autoescape=select_autoescape(["html"]),
)
_env.filters["number"] = vnnumber


def install(app: FastAPI) -> None:
    """The portal's routes at the root and Leaflet's static files (served locally: no CDN)."""
    app.include_router(router)
    app.mount("/static/leaflet", StaticFiles(directory=LEAFLET_DIR), name="portal-leaflet")
    app.mount("/static/portal", StaticFiles(directory=STATIC_DIR), name="portal-static")  # its CSS and map script


def _translator(request: Request) -> Translator:
    return CATALOGUE.choose(request.headers.get("accept-language"), request.query_params.get("lang"))


def _base(runtime: RegistryRuntime) -> str:
    return runtime.settings.registry_public_url.rstrip("/")


async def _snapshot(runtime: RegistryRuntime) -> Portal:
    return await runtime.portal.current(lambda: load_portal(runtime.uow()), lambda: runtime.uow().changes.marker())


async def _page(request: Request, name: str, build) -> Response:
    """A page from the cache, or built by ``build(portal, t)`` → (status, template, context) and kept."""
    runtime: RegistryRuntime = runtime_of(request)
    t = _translator(request)
    key = (name, request.scope["path"], request.scope["query_string"].decode("latin-1"), t.lang)
    portal = await _snapshot(runtime)
    hit = runtime.portal.page(key, portal)
    if hit is None:
        status, template, context = build(portal, t)
        html = _env.get_template(template).render(**_common(request, runtime, t), **context)
        body = html.encode()
        etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
        headers = {
            "Content-Language": t.lang,
            "Vary": "Accept-Language",
            "Cache-Control": "public, no-cache",  # revalidate: a revoked product must not linger in caches
            "ETag": etag,
        }
        runtime.portal.keep(key, portal, status, body, headers)
        hit = (status, body, headers)
    status, body, headers = hit
    if status == 200 and request.headers.get("if-none-match") == headers["ETag"]:
        return Response(status_code=304, headers=headers)
    return Response(body, status_code=status, media_type=HTML, headers=headers)


def _common(request: Request, runtime: RegistryRuntime, t: Translator) -> dict[str, Any]:
    base, path = _base(runtime), request.url.path
    others = [(lang, CATALOGUE.translator(lang)("language.name")) for lang in CATALOGUE.languages if lang != t.lang]
    return {
        "t": t,
        "path": path,
        "base": base,
        "lang_suffix": "" if t.lang == "vi" else f"?lang={t.lang}",
        "other_languages": others,
        "alternates": [(lang, _with_lang(base + path, request, lang)) for lang in CATALOGUE.languages],
        "canonical": _with_lang(base + path, request, t.lang),
        "groups": t.labels("group"),
        "console_url": base + "/console/login",
        "url": lambda target, **params: _lang_url(t, target, **params),  # a link in the page's language
    }


def _with_lang(url: str, request: Request, lang: str) -> str:
    """The page's URL in ``lang``: its filters kept (canonical order), ``lang`` added unless Vietnamese."""
    params = [(k, v) for k, v in sorted(request.query_params.multi_items()) if k in _CANONICAL_PARAMS and v]
    if lang != "vi":
        params.append(("lang", lang))
    return url + ("?" + urlencode(params) if params else "")


_CANONICAL_PARAMS = ("nhom", "sao", "tinh", "xa", "q", "trang")


def _lang_url(t: Translator, path: str, **params: Any) -> str:
    query = [(k, v) for k, v in params.items() if v not in (None, "")]
    if t.lang != "vi":
        query.append(("lang", t.lang))
    return path + ("?" + urlencode(query) if query else "")


# ---- the pages -----------------------------------------------------------------------------------------------


async def home(request: Request) -> Response:
    def build(portal: Portal, t: Translator):
        by_group, by_stars = catalogue.counts(portal.entries)
        return (
            200,
            "home.html",
            {
                "total": len(portal.entries),
                "producer_count": len(portal.producers),
                "by_group": by_group,
                "by_stars": by_stars,
                "newest": portal.newest(NEWEST),
            },
        )

    return await _page(request, "home", build)


def _filters(request: Request) -> catalogue.Filters:
    """The catalogue's query string; a value that is not one of the filter's choices is ignored."""
    q = request.query_params
    group = q.get("nhom") if q.get("nhom") in catalogue.GROUPS else None
    stars_text = q.get("sao") or ""
    stars = int(stars_text) if stars_text in ("3", "4", "5") else None
    page_text = (q.get("trang") or "1")[:6]
    page = int(page_text) if page_text.isdigit() else 1
    province = (q.get("tinh") or "")[:100] or None
    commune = (q.get("xa") or "")[:100] or None
    return catalogue.Filters(group, stars, province, commune if province else None, (q.get("q") or "")[:100], page)


async def products(request: Request) -> Response:
    filters = _filters(request)

    def build(portal: Portal, t: Translator):
        selection = catalogue.select(portal.entries, filters)
        provinces, communes = catalogue.units(portal.entries, filters.province)
        current = {
            "nhom": filters.group,
            "sao": filters.stars,
            "tinh": filters.province,
            "xa": filters.commune,
            "q": filters.text,
        }
        return (
            200,
            "catalogue.html",
            {
                "selection": selection,
                "filters": filters,
                "provinces": provinces,
                "communes": communes,
                "page_url": lambda n: _lang_url(t, "/san-pham", **current, trang=n if n > 1 else None),
                "filtered": any(v for v in current.values()),
            },
        )

    return await _page(request, "catalogue", build)


async def product(request: Request) -> Response:
    product_id = request.path_params["product_id"]

    def build(portal: Portal, t: Translator):
        entry = portal.by_id.get(product_id)
        if entry is None:
            return 404, "not_found.html", {"message": t("portal.notfound.product")}
        base = _base(runtime_of(request))
        areas = portal.areas_of(entry.producer_id)
        return (
            200,
            "product.html",
            {
                "p": entry,
                "producer": portal.producers.get(entry.producer_id),
                "others": [e for e in portal.of_producer(entry.producer_id) if e.product_id != entry.product_id],
                "listings": portal.listings.get(entry.product_id, []),
                "areas": [(a, _outline(a, t)) for a in areas],
                "json_ld": _json_ld(entry, portal, base, t),
            },
        )

    return await _page(request, "product", build)


async def producer(request: Request) -> Response:
    producer_id = request.path_params["producer_id"]

    def build(portal: Portal, t: Translator):
        found = portal.producers.get(producer_id)
        if found is None:
            return 404, "not_found.html", {"message": t("portal.notfound.producer")}
        return (
            200,
            "producer.html",
            {
                "producer": found,
                "entries": portal.of_producer(producer_id),
                "areas": [(a, _outline(a, t)) for a in portal.areas_of(producer_id)],
            },
        )

    return await _page(request, "producer", build)


async def map_page(request: Request) -> Response:
    group = request.query_params.get("nhom")
    group = group if group in catalogue.GROUPS else None

    def build(portal: Portal, t: Translator):
        groups_of: dict[str, set[str]] = {}
        for e in portal.entries:
            groups_of.setdefault(e.producer_id, set()).add(e.group)
        areas = [a for a in portal.areas if group is None or group in groups_of.get(a.producer_id, ())]
        features = [
            {
                "type": "Feature",
                "geometry": a.geometry,
                "properties": {
                    "code": a.code,
                    "name": a.name,
                    "crop": a.crop,
                    "producer": portal.producers[a.producer_id].name,
                    "url": _lang_url(t, f"/chu-the/{a.producer_id}"),
                },
            }
            for a in areas
        ]
        return (
            200,
            "map.html",
            {
                "areas": areas,
                "group": group,
                "producers": portal.producers,
                "overview": _overview(areas, t),
                "geojson": json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
            },
        )

    return await _page(request, "map", build)


async def criteria(request: Request) -> Response:
    def build(_portal: Portal, t: Translator):
        bands, high = [], 100
        for low, stars in STAR_THRESHOLDS:
            bands.append((stars, t("portal.criteria.band", low=low, high=high)))
            high = low - 1
        bands.append((1, t("portal.criteria.below", high=STAR_THRESHOLDS[-1][0])))
        return 200, "criteria.html", {"parts": CRITERIA["QD148-2023"], "bands": bands}

    return await _page(request, "criteria", build)


async def robots(request: Request) -> Response:
    base = _base(runtime_of(request))
    body = f"User-agent: *\nAllow: /\nDisallow: /console\nDisallow: /api/\n\nSitemap: {base}/sitemap.xml\n"
    return Response(body, media_type="text/plain; charset=utf-8")


async def sitemap(request: Request) -> Response:
    runtime: RegistryRuntime = runtime_of(request)
    base, portal = _base(runtime), await _snapshot(runtime)
    paths = ["/", "/san-pham", "/ban-do", "/tieu-chi"]
    paths += [f"/san-pham/{e.product_id}" for e in catalogue.newest_first(portal.entries)]
    paths += [f"/chu-the/{p}" for p in sorted(portal.producers)]
    lastmod = {f"/san-pham/{e.product_id}": e.issued_on for e in portal.entries}
    rows = []
    for path in paths:
        loc = xml_escape(base + path)
        links = "".join(
            f'<xhtml:link rel="alternate" hreflang="{lang}" href="{loc}{"" if lang == "vi" else "?lang=" + lang}"/>'
            for lang in CATALOGUE.languages
        )
        mod = f"<lastmod>{lastmod[path]}</lastmod>" if path in lastmod else ""
        rows.append(f"<url><loc>{loc}</loc>{mod}{links}</url>")
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">'
        + "".join(rows)
        + "</urlset>\n"
    )
    return Response(body, media_type="application/xml")


# Plain Starlette routes: no dependency solving or response-model work on pages served from the cache (the
# routes are documented in the README, not in the OpenAPI document, like the scan page's short URLs).
for _path, _endpoint in (
    ("/", home),
    ("/san-pham", products),
    ("/san-pham/{product_id}", product),
    ("/chu-the/{producer_id}", producer),
    ("/ban-do", map_page),
    ("/tieu-chi", criteria),
    ("/robots.txt", robots),
    ("/sitemap.xml", sitemap),
):
    router.routes.append(Route(_path, _endpoint, methods=["GET"]))


# ---- helpers -------------------------------------------------------------------------------------------------


def _json_ld(entry: catalogue.Entry, portal: Portal, base: str, t: Translator) -> str:
    """schema.org ``Product`` with the OCOP rating (``review`` by the programme) and the platforms' offers."""
    url = f"{base}/san-pham/{entry.product_id}"
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Product",
        "@id": url,
        "url": url,
        "name": entry.name,
        "description": entry.description,
        "category": t(f"group.{entry.group}"),
        "brand": {"@type": "Organization", "name": entry.producer_name},
        "manufacturer": {
            "@type": "Organization",
            "name": entry.producer_name,
            "url": f"{base}/chu-the/{entry.producer_id}",
        },
        "review": {
            "@type": "Review",
            "name": f"OCOP {entry.stars}★ — {entry.decision_no}",
            "author": {"@type": "Organization", "name": "OCOP"},
            "datePublished": entry.issued_on,
            "reviewRating": {"@type": "Rating", "ratingValue": entry.stars, "bestRating": 5, "worstRating": 1},
        },
    }
    if entry.images:
        data["image"] = [i if i.startswith("http") else base + i for i in entry.images]
    if entry.gtin:
        data["gtin"] = entry.gtin
    offers = [
        {"@type": "Offer", "url": listing.url, "seller": {"@type": "Organization", "name": listing.platform}}
        | ({"price": entry.price_vnd, "priceCurrency": "VND"} if entry.price_vnd else {})
        for listing in portal.listings.get(entry.product_id, [])
    ]
    if offers:
        data["offers"] = offers
    # inside <script>: "</" must not close the element
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")


def _rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    coords = geometry.get("coordinates") or []
    if geometry.get("type") == "Polygon":
        return [coords[0]] if coords else []
    return [poly[0] for poly in coords if poly]


def _svg(areas: list[Area], label: str, width: int = 320, height: int = 160, markers: bool = False) -> str | None:
    """An inline SVG of outlines (readable without JavaScript), north up, longitude scaled by latitude."""
    shapes = [(a, ring) for a in areas for ring in _rings(a.geometry)]
    points = [pt for _a, ring in shapes for pt in ring]
    if not points:
        return None
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    k = math.cos(math.radians(sum(ys) / len(ys)))
    w, h = ((max(xs) - min(xs)) * k) or 1e-6, (max(ys) - min(ys)) or 1e-6
    label_room = 110 if markers else 0  # the crops' labels right of the dots
    scale = min((width - 20 - label_room) / w, (height - 20) / h)
    polys = []

    def at(x: float, y: float) -> tuple[float, float]:
        return 10 + (x - min(xs)) * k * scale, height - 10 - (y - min(ys)) * scale

    for a, ring in shapes:
        pts = " ".join("{:.1f},{:.1f}".format(*at(x, y)) for x, y, *_ in ring)
        title = f"<title>{xml_escape(a.code)} — {xml_escape(a.name)} ({xml_escape(a.crop)})</title>"
        polys.append(
            f'<polygon points="{pts}" fill="#7fb069" fill-opacity=".6" stroke="#2d6a2e" stroke-width="1.5">{title}'
            "</polygon>"
        )
        if markers:  # areas are small next to a province: a dot and the crop mark each one
            cx, cy = at(sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring))
            polys.append(
                f'<g><circle cx="{cx:.1f}" cy="{cy:.1f}" r="6" fill="#1d5e2e" stroke="#fff" stroke-width="2"/>'
                f'<text x="{cx + 9:.1f}" y="{cy + 4:.1f}" font-size="13" fill="#1b1b1b">{xml_escape(a.crop)}</text>'
                f"{title}</g>"
            )
    css = "outline overview" if markers else "outline"
    return (
        f'<svg class="{css}" viewBox="0 0 {width} {height}" role="img" aria-label="{xml_escape(label)}">'
        + "".join(polys)
        + "</svg>"
    )


def _outline(area: Area, t: Translator) -> dict[str, Any]:
    ring = [pt for r in _rings(area.geometry) for pt in r]
    lon = sum(p[0] for p in ring) / len(ring) if ring else 0
    lat = sum(p[1] for p in ring) / len(ring) if ring else 0
    return {
        "svg": _svg([area], t("portal.areas.outline", code=area.code)),
        "osm": f"https://www.openstreetmap.org/?mlat={lat:.5f}&mlon={lon:.5f}#map=14/{lat:.5f}/{lon:.5f}",
    }


def _overview(areas: list[Area], t: Translator) -> str | None:
    return _svg(areas, t("portal.map.overview"), 640, 480, markers=True)
