"""Traceability service: growing areas, batches, QR stamps and the public scan page."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from ocop_shared.console import install as install_console
from ocop_shared.events.models import TRACEABILITY
from ocop_shared.openapi import alternatives, set_schema
from ocop_shared.web import create_service_app
from ocop_traceability.api.batches import router as batches
from ocop_traceability.api.epcis import router as epcis
from ocop_traceability.api.migrations import router as migrations
from ocop_traceability.api.places import router as places
from ocop_traceability.api.producers import router as producers
from ocop_traceability.api.resolver import COMPRESSED, STAMP_ROUTE
from ocop_traceability.api.resolver import pages as resolver_pages
from ocop_traceability.api.resolver import public as public_stamps
from ocop_traceability.api.scan import LEAFLET_DIR, SHORT_ROUTES, alerts, pages
from ocop_traceability.api.stamp_runs import router as stamp_runs
from ocop_traceability.bootstrap import (
    COLLECTIONS,
    TraceabilitySettings,
    bootstrap,
    epcis_workers,
    on_startup,
    run_watcher,
    scan_flusher,
)
from ocop_traceability.console import console
from ocop_traceability.console import router as console_pages


def create_app(settings: TraceabilitySettings | None = None) -> FastAPI:
    runtime = bootstrap(settings)
    app = create_service_app(
        runtime,
        title="OCOP traceability",
        routers=[producers, places, batches, stamp_runs, alerts, public_stamps, migrations],
        collections=COLLECTIONS,
        emits=[TRACEABILITY],
        pages=[pages, resolver_pages, console_pages, epcis],  # EPCIS 2.0 at /epcis (GS1's REST bindings; not in /docs)
        # EPCIS answers its own GS1-EPCIS-Capture-File-Size-Limit (OCOP_EPCIS_CAPTURE_MAX_BYTES), in problem+json
        own_body_limits=["/epcis"],
        # rules that are settings (OCOP_AREA_CODE_SCHEMES, OCOP_MAX_STAMPS_PER_RUN): the document shows those in force
        openapi_patches=[
            set_schema("GrowingAreaIn", "code", pattern=alternatives(runtime.settings.area_code_schemes.values())),
            set_schema("StampRunIn", "count", minimum=1, maximum=runtime.settings.max_stamps_per_run),
        ],
        # bound to the typed runtime (the shared factory knows only the base Runtime)
        on_startup=lambda _: on_startup(runtime),
        background=[lambda _: scan_flusher(runtime), lambda _: run_watcher(runtime), lambda _: epcis_workers(runtime)],
        description="Vùng trồng, lô hàng, tem QR truy xuất nguồn gốc và trang quét công khai.",
        hot_routes=[STAMP_ROUTE, *SHORT_ROUTES],  # the URLs printed in stamps: matched first, their GETs hot
    )
    # Leaflet (from the django-js-lib-leaflet wheel: static files only), loaded by the scan page on demand
    app.mount("/static/leaflet", StaticFiles(directory=LEAFLET_DIR), name="leaflet")
    install_console(app, console)  # web console at /console (areas, batches, stamp runs, scans)
    app.router.routes.append(COMPRESSED)  # last: a compressed GS1 Digital Link only when nothing else matched
    return app
