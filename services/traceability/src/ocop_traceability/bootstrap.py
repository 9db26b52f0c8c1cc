"""Composition root of traceability."""

from __future__ import annotations

import asyncio

from datetime import timedelta

from pydantic import Field

from ocop_shared.settings import ServiceSettings
from ocop_shared.web import Runtime, build_runtime
from ocop_traceability.app.scan import RateLimiter, ScanService
from ocop_traceability.app.stamp_runs import resume_jobs, watch_abandoned_runs
from ocop_traceability.domain.clones import CloneRule
from ocop_traceability.domain.codes import DEFAULT_AREA_SCHEMES
from ocop_traceability.events import registry

COLLECTIONS = ["producers", "products", "growing_areas", "packing_houses", "batches", "batch_events", "stamp_runs",
               "stamps", "scans", "clone_alerts"]


class TraceabilitySettings(ServiceSettings):
    service_name: str = "traceability"
    port: int = 8002
    mongo_db: str = "traceability"
    # The host printed in stamps (QR). Short, because it is in every QR code.
    stamp_base_url: str = "http://127.0.0.1:8002"
    max_stamps_per_run: int = 200_000
    area_code_schemes: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_AREA_SCHEMES))
    # Clone rule: within the window, this many distinct clients, or places this far apart, flag a stamp.
    clone_window_h: float = 24.0
    clone_max_clients: int = 8
    clone_max_km: float = 100.0
    # Per network prefix: burst capacity and sustained lookups per second on the public scan URLs.
    scan_rate_capacity: int = 60
    scan_rate_per_s: float = 2.0
    scan_flush_interval_s: float = 1.0


def bootstrap(settings: TraceabilitySettings | None = None) -> Runtime:
    settings = settings or TraceabilitySettings()
    runtime = build_runtime(settings)
    rule = CloneRule(window=timedelta(hours=settings.clone_window_h), max_clients=settings.clone_max_clients,
                     max_km=settings.clone_max_km)
    runtime.scan = ScanService(runtime.db, runtime.jwt_key, rule, flush_interval_s=settings.scan_flush_interval_s)
    runtime.scan_limiter = RateLimiter(settings.scan_rate_capacity, settings.scan_rate_per_s)
    registry.subscribe(runtime)
    return runtime


def run_watcher(runtime: Runtime):
    return asyncio.create_task(watch_abandoned_runs(runtime), name="stamp-run-watcher")


def scan_flusher(runtime: Runtime):
    runtime.scan.start()
    return runtime.scan._task


async def on_startup(runtime: Runtime) -> None:
    db = runtime.db
    await db.batches.create_index("lot_key", unique=True)
    await db.batches.create_index("product_id")
    await db.batch_events.create_index("batch_id")
    await db.stamps.create_index("run_id")
    await db.growing_areas.create_index("producer_id")
    await db.clone_alerts.create_index("producer_id")
    await resume_jobs(runtime)
