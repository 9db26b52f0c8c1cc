"""Composition root of traceability: settings → typed runtime (clients, unit of work, scan service, stamp
jobs) → registry subscribers; plus what runs at start-up and in the background."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from ocop_shared import admin_units
from ocop_shared.web import runtime_parts
from ocop_traceability.adapters.sheet_files import SheetFiles
from ocop_traceability.adapters.uow import COLLECTIONS, TraceabilityUnitOfWork, ensure_indexes
from ocop_traceability.app.resolver import Resolver, Targets
from ocop_traceability.app.scan import RateLimiter, ScanService
from ocop_traceability.app.stamp_jobs import StampRunJobs
from ocop_traceability.domain.clones import CloneRule
from ocop_traceability.epcis_wiring import epcis_parts, epcis_workers
from ocop_traceability.events import registry
from ocop_traceability.runtime import TraceabilityRuntime
from ocop_traceability.settings import TraceabilitySettings

__all__ = [
    "COLLECTIONS",
    "TraceabilitySettings",
    "bootstrap",
    "epcis_workers",
    "on_startup",
    "run_watcher",
    "scan_flusher",
]


def bootstrap(settings: TraceabilitySettings | None = None) -> TraceabilityRuntime:
    settings = settings or TraceabilitySettings()
    parts = runtime_parts(settings)
    rule = CloneRule(
        window=timedelta(hours=settings.clone_window_h),
        max_clients=settings.clone_max_clients,
        max_km=settings.clone_max_km,
    )
    # outside any transaction: the scan page's plain reads and buffered (gated) writes
    reads = TraceabilityUnitOfWork(parts["client"], parts["db"], source=f"/ocop/{settings.service_name}")
    sheets = SheetFiles(settings.data_dir)
    scan = ScanService(reads, rule, flush_interval_s=settings.scan_flush_interval_s)
    runtime: TraceabilityRuntime = TraceabilityRuntime(
        **parts,
        scan=scan,
        resolver=Resolver(reads, scan, Targets.of(settings.stamp_base_url, settings.registry_public_url)),
        scan_limiter=RateLimiter(settings.scan_rate_capacity, settings.scan_rate_per_s),
        # the jobs' units of work are the runtime's (late-bound: the runtime holds the jobs)
        stamp_jobs=StampRunJobs(lambda: runtime.uow(), sheets, settings.stamp_base_url),
        sheets=sheets,
        epcis=epcis_parts(settings, parts, lambda: runtime.uow()),
    )
    registry.subscribe(runtime)
    return runtime


def run_watcher(runtime: TraceabilityRuntime) -> asyncio.Task:
    return asyncio.create_task(runtime.stamp_jobs.watch(), name="stamp-run-watcher")


def scan_flusher(runtime: TraceabilityRuntime) -> asyncio.Task:
    return runtime.scan.start()


async def on_startup(runtime: TraceabilityRuntime) -> None:
    await ensure_indexes(runtime.db)
    # the address tables (≈0.5–1 s to build) are made off the request path, while the service starts serving
    asyncio.get_running_loop().run_in_executor(None, admin_units.warm)
    await runtime.stamp_jobs.resume()
